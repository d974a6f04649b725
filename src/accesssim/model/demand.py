"""Demand: a day's requests generated in one vectorised block.

Arrivals are a non-homogeneous Poisson process: for each age band x ALD group and each kind
(planned, unscheduled 24 h, unscheduled 48 h) the day's count is Poisson with mean
``people x rate / 365 x weekday factor x seasonal factor`` (plus the winter epidemic for 24 h
needs), the requester is drawn uniformly within the group, and the arrival time uniformly in
the day's request window. Every other attribute (desired day, patience, severity, eligibility
draws, choice uniforms) is drawn at creation, each from its own named stream, always the same
number of draws whatever the policies: two scenarios run with the same seed face the same
patients with the same needs (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from accesssim.model.calendar import SessionCalendar
from accesssim.model.population import N_BANDS, Population
from accesssim.rng import Streams
from accesssim.scenario.schema import Scenario

__all__ = ["DayRequests", "DemandGenerator"]

N_KINDS = 3
SEASON_PEAK_DOY = 15  # mid-January


@dataclass
class DayRequests:
    """One day's requests, sorted by arrival time (columns of equal length)."""

    t: np.ndarray  # float64, days from day 0
    person: np.ndarray  # int32
    kind: np.ndarray  # uint8: 0 planned, 1 unscheduled 24 h, 2 unscheduled 48 h
    desired: np.ndarray  # int32, desired earliest day (planned); arrival day otherwise
    patience: np.ndarray  # float32, days past the desired day (planned)
    u_sev: np.ndarray  # float32 uniforms: severity (ED if below the ED share)
    u_tele: np.ndarray
    u_pharm: np.ndarray
    u_choice: np.ndarray
    u_enrol: np.ndarray
    u_nurse: np.ndarray
    minor: np.ndarray  # uint8: 0 none, 1 sore throat, 2 cystitis
    home: np.ndarray  # uint8: home visit (two slots)

    def __len__(self) -> int:
        return int(self.t.shape[0])


class DemandGenerator:
    """Generates the requests of each day of a run."""

    def __init__(
        self, scenario: Scenario, pop: Population, cal: SessionCalendar, streams: Streams
    ) -> None:
        dem = scenario.demand
        self.demand = dem
        self.pop = pop
        self.cal = cal
        self.streams = streams
        sizes = pop.group_sizes().astype(np.float64)  # [8] = band * 2 + ald
        rates = np.empty(2 * N_BANDS)
        for b in range(N_BANDS):
            rates[2 * b] = dem.contacts_per_year.non_ald.as_tuple()[b]
            rates[2 * b + 1] = dem.contacts_per_year.ald.as_tuple()[b]
        u = dem.unscheduled_share
        split = np.array(
            [1.0 - u, u * dem.unscheduled_24h_share, u * (1 - dem.unscheduled_24h_share)]
        )
        self.base = (sizes * rates / 365.0)[:, None] * split[None, :]  # [8, 3] per day
        self.sizes = sizes
        w = np.array(dem.weekday_profile.as_tuple(), dtype=float)
        self.weekday = w / w.mean()
        self.h0 = scenario.calendar.request_start_hour / 24.0
        self.h1 = scenario.calendar.request_end_hour / 24.0
        self.epidemic = self._epidemic_profile(scenario)

    def _epidemic_profile(self, scenario: Scenario) -> np.ndarray:
        """Share of the season's epidemic consultations falling on each day (cosine bell)."""
        cal = self.cal
        prof = np.zeros(cal.n_days)
        epi = self.demand.epidemic
        if epi is None or epi.attack_share <= 0:
            return prof
        length = epi.duration_weeks * 7.0
        days = np.arange(cal.n_days)
        first = cal.start_date
        for year in range(first.year - 1, first.year + cal.n_days // 365 + 2):
            import datetime as dt

            peak = (dt.date(year, 1, 1) + dt.timedelta(days=epi.peak_day_of_year - 1) - first).days
            x = days - peak
            inside = np.abs(x) <= length / 2
            prof += np.where(inside, (1 + np.cos(2 * math.pi * x / length)) / length, 0.0)
        return prof * epi.attack_share

    def expected(self, day: int) -> np.ndarray:
        """Expected requests of ``day`` per group and kind, [8, 3]."""
        cal = self.cal
        season = 1.0 + self.demand.seasonal_amplitude * math.cos(
            2 * math.pi * (int(cal.day_of_year[day]) - SEASON_PEAK_DOY) / 365.25
        )
        f = self.weekday[int(cal.weekday[day])]
        lam = self.base * (season * f)
        if self.epidemic[day] > 0:
            lam[:, 1] += self.sizes * self.epidemic[day] * f
        return lam

    def day(self, day: int) -> DayRequests:
        """Draw the requests of ``day``."""
        s = self.streams
        dem = self.demand
        lam = self.expected(day)
        counts = s["demand.count"].poisson(lam).astype(np.int64)  # [8, 3]
        n = int(counts.sum())
        cells = np.repeat(np.arange(counts.size), counts.reshape(-1))
        group = cells // N_KINDS
        kind = (cells % N_KINDS).astype(np.uint8)
        ptr = self.pop.group_ptr
        u_who = s["demand.person"].random(n)
        idx = ptr[group] + np.floor(u_who * self.sizes[group]).astype(np.int64)
        person = self.pop.group_members[idx]
        t = day + self.h0 + (self.h1 - self.h0) * s["demand.time"].random(n)
        # Planned: desired earliest day (as soon as possible, or booked ahead).
        rng_lead = s["demand.lead"]
        asap = rng_lead.random(n) < dem.planned_asap_share
        lead = np.ceil(np.maximum(dem.planned_lead_days.sample(rng_lead, n), 0.0))
        desired = np.where((kind == 0) & ~asap, day + np.maximum(lead, 1), day).astype(np.int32)
        patience = np.maximum(dem.planned_patience_days.sample(s["demand.patience"], n), 0.0)
        u_minor = s["demand.minor"].random(n)
        minor = np.where(
            u_minor < dem.sore_throat_share,
            1,
            np.where(u_minor < dem.sore_throat_share + dem.cystitis_share, 2, 0),
        ).astype(np.uint8)
        minor[kind == 0] = 0
        u_home = s["demand.home"].random(n)
        band = self.pop.band[person]
        home = ((band == 3) & (u_home < dem.home_visit_share_75_plus)).astype(np.uint8)
        f32 = np.float32
        draws = {
            name: s[f"demand.{name}"].random(n, dtype=f32)
            for name in ("severity", "tele", "pharmacy", "choice", "enrol", "nurse")
        }
        order = np.argsort(t, kind="stable")
        return DayRequests(
            t=t[order],
            person=person[order].astype(np.int32),
            kind=kind[order],
            desired=desired[order],
            patience=patience[order].astype(np.float32),
            u_sev=draws["severity"][order],
            u_tele=draws["tele"][order],
            u_pharm=draws["pharmacy"][order],
            u_choice=draws["choice"][order],
            u_enrol=draws["enrol"][order],
            u_nurse=draws["nurse"][order],
            minor=minor[order],
            home=home[order],
        )
