"""Demand: each day's requests, generated in vectorised blocks of days.

Arrivals are a non-homogeneous Poisson process: for each age band x ALD group and each kind
(planned, unscheduled 24 h, unscheduled 48 h) the day's count is Poisson with mean
``people x rate / 365 x weekday factor x seasonal factor`` (plus the winter epidemic for 24 h
needs), the requester is drawn uniformly within the group, and the arrival time uniformly in
the day's request window. Every other attribute (desired day, patience, severity, eligibility
draws, choice uniforms) is drawn at creation, each from its own named stream, always the same
number of draws whatever the policies: two scenarios run with the same seed face the same
patients with the same needs (common random numbers).

The streams are drawn for a block of days at once (at least one day; up to four weeks and
about 150,000 expected requests), which gives exactly the numbers drawn day by day (see
``_draw_block``); each day's requests are handed out sorted by arrival time.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from accesssim.model.calendar import SessionCalendar
from accesssim.model.params import DemandParams
from accesssim.model.population import N_BANDS, Population
from accesssim.model.records import Requests
from accesssim.rng import Streams

__all__ = ["DemandGenerator"]

N_KINDS = 3
SEASON_PEAK_DOY = 15  # mid-January


class DemandGenerator:
    """Generates the requests of each day of a run."""

    def __init__(
        self, dem: DemandParams, pop: Population, cal: SessionCalendar, streams: Streams
    ) -> None:
        self.demand = dem
        self.pop = pop
        self.cal = cal
        self.streams = streams
        sizes = pop.group_sizes().astype(np.float64)  # [8] = band * 2 + ald
        rates = np.empty(2 * N_BANDS)
        for b in range(N_BANDS):
            rates[2 * b] = dem.contacts_non_ald[b]
            rates[2 * b + 1] = dem.contacts_ald[b]
        u = dem.unscheduled_share
        split = np.array(
            [1.0 - u, u * dem.unscheduled_24h_share, u * (1 - dem.unscheduled_24h_share)]
        )
        self.base = (sizes * rates / 365.0)[:, None] * split[None, :]  # [8, 3] per day
        self.sizes = sizes
        w = np.array(dem.weekday_profile, dtype=float)
        self.weekday = w / w.mean()
        self.h0 = dem.request_start_hour / 24.0
        self.h1 = dem.request_end_hour / 24.0
        self.epidemic = self._epidemic_profile()
        cells = np.arange(2 * N_BANDS * N_KINDS)
        self._cell_group = cells // N_KINDS
        self._cell_kind = (cells % N_KINDS).astype(np.uint8)
        self._capacity = 0
        self._buf: dict[str, np.ndarray] = {}
        # The generators of the demand streams (``demand.<name>``), looked up once.
        names = ("count", "person", "time", "lead", "patience", "minor", "home", *_UNIFORMS)
        self._rng = {name: streams[f"demand.{name}"] for name in names}
        self._next_day = 0
        self._block_start = self._block_end = 0
        self._starts = np.zeros(1, dtype=np.int64)
        self._counts = np.zeros((0, 2 * N_BANDS, N_KINDS), dtype=np.int64)
        self._sorted: dict[str, np.ndarray] = {}

    def _epidemic_profile(self) -> np.ndarray:
        """Share of the season's epidemic consultations falling on each day (cosine bell)."""
        cal = self.cal
        prof = np.zeros(cal.n_days)
        dem = self.demand
        if dem.epidemic_attack_share <= 0:
            return prof
        length = dem.epidemic_duration_weeks * 7.0
        days = np.arange(cal.n_days)
        first = cal.start_date
        for year in range(first.year - 1, first.year + cal.n_days // 365 + 2):
            peak = (
                dt.date(year, 1, 1) + dt.timedelta(days=dem.epidemic_peak_day_of_year - 1) - first
            ).days
            x = days - peak
            inside = np.abs(x) <= length / 2
            prof += np.where(inside, (1 + np.cos(2 * math.pi * x / length)) / length, 0.0)
        return prof * dem.epidemic_attack_share

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

    def _buffers(self, n: int) -> dict[str, np.ndarray]:
        """Work and output arrays of at least ``n`` elements, reused from block to block."""
        if n > self._capacity or not self._buf:
            cap = int(n * 1.25) + 1024
            self._buf = {name: np.empty(cap, dtype=dtype) for name, dtype in _BUFFERS}
            self._capacity = cap
        return self._buf

    def day(self, day: int) -> tuple[Requests, np.ndarray]:
        """The requests of ``day``, sorted by arrival time, and their count by kind ([3]).

        Days are asked for in order (0, 1, 2, ...): the streams are drawn for a block of days
        at a time. The columns returned are views into buffers that a later call overwrites:
        copy them to keep them (the engine books them before asking for the next day).
        """
        if day != self._next_day:
            raise ValueError(f"days are drawn in order: asked for {day}, next is {self._next_day}")
        if day >= self._block_end:
            self._draw_block(day)
        i = day - self._block_start
        lo, hi = int(self._starts[i]), int(self._starts[i + 1])
        self._next_day += 1
        cols = self._sorted
        return (
            Requests(**{name: cols[name][lo:hi] for name in _COLUMNS}),
            self._counts[i].sum(axis=0),
        )

    def _block_days(self, first: int) -> list[np.ndarray]:
        """Expected counts ([8, 3]) of the days of the block that starts on ``first``.

        A block holds up to _BLOCK_DAYS days and about _BLOCK_REQUESTS expected requests, and
        never crosses the horizon.
        """
        cal = self.cal
        end = cal.horizon_days if first < cal.horizon_days else cal.n_days
        lams: list[np.ndarray] = []
        total = 0.0
        for d in range(first, min(first + _BLOCK_DAYS, end)):
            lam = self.expected(d)
            if lams and total + lam.sum() > _BLOCK_REQUESTS:
                break
            lams.append(lam)
            total += lam.sum()
        return lams

    def _draw_block(self, first: int) -> None:
        """Draw the requests of a block of days starting on ``first``.

        Each stream draws, for the block, exactly the numbers it would draw day by day: a
        generator's ``random(n1 + n2)`` (float64 or float32), ``poisson`` over an array of
        means, and the samples of every distribution are the same sequence as two calls of
        sizes ``n1`` and ``n2``, in order. The one stream that draws twice a day (``lead``:
        as-soon-as-possible uniforms, then lead times) is still drawn day by day.
        """
        s = self._rng
        dem = self.demand
        lams = self._block_days(first)
        k = len(lams)
        counts = s["count"].poisson(np.stack(lams)).astype(np.int64)  # [k, 8, 3]
        per_day = counts.reshape(k, -1).sum(axis=1)
        starts = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(per_day, out=starts[1:])
        n = int(starts[-1])
        buf = self._buffers(n)
        per_cell = counts.reshape(-1)
        group = np.repeat(np.tile(self._cell_group, k), per_cell)  # int64, cell // N_KINDS
        kind = np.repeat(np.tile(self._cell_kind, k), per_cell)  # uint8, cell % N_KINDS
        day_of = np.repeat(np.arange(first, first + k), per_day)  # int64, arrival day
        # Who asks: uniform within the group (group_members lists each group's people).
        u = s["person"].random(n, out=buf["f64_a"][:n])
        idx = np.multiply(u, self.sizes[group], out=buf["f64_b"][:n])
        np.floor(idx, out=idx)
        who = idx.astype(np.int64)
        who += self.pop.group_ptr[group]
        person = self.pop.group_members.take(who, out=buf["i32_a"][:n])
        # When: uniform in the day's request window, t = (day + h0) + (h1 - h0) * u.
        t = s["time"].random(n, out=buf["f64_c"][:n])
        np.multiply(t, self.h1 - self.h0, out=t)
        t += day_of + self.h0
        # Planned: desired earliest day (as soon as possible, or booked ahead). The lead
        # stream draws n uniforms then n lead times each day: drawn day by day.
        rng_lead = s["lead"]
        asap = np.empty(n, dtype=bool)
        lead = np.empty(n)
        for i in range(k):
            lo, hi = starts[i], starts[i + 1]
            asap[lo:hi] = rng_lead.random(hi - lo) < dem.planned_asap_share
            lead[lo:hi] = dem.planned_lead_days.sample(rng_lead, int(hi - lo))
        lead = np.ceil(np.maximum(lead, 0.0))
        desired = np.where((kind == 0) & ~asap, day_of + np.maximum(lead, 1), day_of)
        desired = desired.astype(np.int32)
        patience = np.maximum(dem.planned_patience_days.sample(s["patience"], n), 0.0)
        patience = patience.astype(np.float32)
        u_minor = s["minor"].random(n, out=buf["f64_a"][:n])
        minor = np.where(
            u_minor < dem.sore_throat_share,
            1,
            np.where(u_minor < dem.sore_throat_share + dem.cystitis_share, 2, 0),
        ).astype(np.uint8)
        minor[kind == 0] = 0
        u_home = s["home"].random(n, out=buf["f64_b"][:n])
        # The age band is the group's (group = band * 2 + ald): no lookup in the population.
        home = ((group >> 1 == 3) & (u_home < dem.home_visit_share_75_plus)).astype(np.uint8)
        draws = {
            name: s[name].random(n, dtype=np.float32, out=buf[f"w_{name}"][:n])
            for name in _UNIFORMS
        }
        # Each day's requests in order of arrival time.
        order = _block_arrival_order(t, day_of, starts)
        unsorted = {
            "t": t,
            "person": person,
            "kind": kind,
            "desired": desired,
            "patience": patience,
            "u_sev": draws["severity"],
            "u_tele": draws["tele"],
            "u_pharm": draws["pharmacy"],
            "u_choice": draws["choice"],
            "u_enrol": draws["enrol"],
            "u_nurse": draws["nurse"],
            "minor": minor,
            "home": home,
        }
        # mode="wrap": the indices are all in range, so it changes nothing but skips a copy.
        self._sorted = {
            name: col.take(order, out=buf[name][:n], mode="wrap") for name, col in unsorted.items()
        }
        self._counts = counts
        self._starts = starts
        self._block_start = first
        self._block_end = first + k


# Days and expected requests of one block of demand (drawn at once).
_BLOCK_DAYS = 28
_BLOCK_REQUESTS = 150_000.0
# The six uniforms of a request, each from the stream ``demand.<name>``, in this order.
_UNIFORMS = ("severity", "tele", "pharmacy", "choice", "enrol", "nurse")
# The columns of Requests (sorted by arrival time within each day).
_COLUMNS = (
    "t",
    "person",
    "kind",
    "desired",
    "patience",
    "u_sev",
    "u_tele",
    "u_pharm",
    "u_choice",
    "u_enrol",
    "u_nurse",
    "minor",
    "home",
)
# Reused arrays of DemandGenerator: (name, dtype). Work arrays, then the sorted columns.
_BUFFERS = (
    ("f64_a", np.float64),
    ("f64_b", np.float64),
    ("f64_c", np.float64),
    ("i32_a", np.int32),
    *((f"w_{name}", np.float32) for name in _UNIFORMS),
    ("t", np.float64),
    ("person", np.int32),
    ("kind", np.uint8),
    ("desired", np.int32),
    ("patience", np.float32),
    ("u_sev", np.float32),
    ("u_tele", np.float32),
    ("u_pharm", np.float32),
    ("u_choice", np.float32),
    ("u_enrol", np.float32),
    ("u_nurse", np.float32),
    ("minor", np.uint8),
    ("home", np.uint8),
)


def _block_arrival_order(t: np.ndarray, day_of: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Concatenated ``_arrival_order`` of each day of a block (days at ``starts``).

    One sort of the whole block gives the same permutation when it keeps each day's requests
    together (each day's times come before the next day's) and finds no two equal times: the
    order within each day is then the unique sorted one. Otherwise each day is sorted alone.
    """
    order = t.argsort()
    ts = t.take(order)
    if ts.size < 2 or ((ts[1:] != ts[:-1]).all() and (np.diff(day_of.take(order)) >= 0).all()):
        return order
    for i in range(starts.size - 1):
        lo, hi = starts[i], starts[i + 1]
        order[lo:hi] = _arrival_order(t[lo:hi])
        order[lo:hi] += lo
    return order


def _arrival_order(t: np.ndarray) -> np.ndarray:
    """The permutation sorting ``t`` by time, equal times in their original order.

    This is ``np.argsort(t, kind="stable")``. Arrival times are continuous uniforms, so ties
    (two requests at the very same float64 time) almost never occur; without ties the sorted
    order is unique and numpy's faster unstable sort returns the same permutation. When there
    is a tie the stable sort is used, so the result is always exactly the stable one.
    """
    order = t.argsort()
    ts = t.take(order)
    if ts.size > 1 and (ts[1:] == ts[:-1]).any():
        order = t.argsort(kind="stable")
    return order
