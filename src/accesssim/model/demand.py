"""Demand: every person's requests, drawn by the person (counter-based draws keyed by person).

Each person makes requests as four Poisson processes: planned requests, unscheduled needs to be
seen within 24 h and within 48 h (rates by age band and ALD, split by the unscheduled shares),
and the winter epidemic's extra 24 h needs (the same for everyone). Each process's intensity
follows a profile of the day: the weekday profile (Mondays heavier) times the seasonal cosine,
or the epidemic's bell times the weekday profile. Demand is drawn a year at a time
(365-day *chunks* from day 0), person by person:

* the number of requests of process ``k`` in chunk ``c`` is a Poisson count keyed by
  ``(person, c, k)``;
* request ``j`` of it is the event ``combine((person, c, k), j)``; its day and time come from
  one uniform keyed by the event (inverse of the chunk's cumulative intensity: the fraction of
  the day's share it falls in is its time in the day's request window), and so does every other
  attribute (desired day, patience, severity, eligibility draws, choice uniforms).

So a person's requests depend on the person alone: one more inhabitant adds their requests and
changes no one else's; a policy changes no request (common random numbers by construction); and
a longer horizon keeps every request of the shorter one. The passes over people run in numba,
in parallel over fixed ranges of people (the same numbers on any number of cores).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from numba import njit, prange

from accesssim.model import keyed
from accesssim.model.calendar import SessionCalendar
from accesssim.model.params import DemandParams
from accesssim.model.population import N_BANDS, Population
from accesssim.model.records import Requests
from accesssim.rng import Streams

__all__ = ["CHUNK_DAYS", "DemandGenerator", "day_profiles"]

N_PROCESSES = 4  # planned, unscheduled 24 h, unscheduled 48 h, epidemic (unscheduled 24 h)
PROCESS_KIND = np.array([0, 1, 2, 1], dtype=np.uint8)
PROCESS_KIND_N = (0, 1, 2, 1)  # the same, as a tuple for the compiled code
CHUNK_DAYS = 365
MAX_RANGE_DAYS = 28  # days of requests drawn at once (within a chunk)
SEASON_PEAK_DOY = 15  # mid-January
_RANGES = 64  # people are split in this many ranges for the parallel passes
PARALLEL_MIN_PEOPLE = 200_000  # from this many people, the ranges run in parallel
# The uniforms of a request, each keyed by the event in the stream ``demand.<name>``.
_STREAMS = (
    "asap",
    "lead",
    "patience",
    "minor",
    "home",
    "severity",
    "tele",
    "pharmacy",
    "choice",
    "enrol",
    "nurse",
)


def day_profiles(
    dem: DemandParams, start: dt.date, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-person intensity factors of ``days`` (day numbers from ``start``): the base profile
    (weekday x season, mean about 1) and the epidemic's extra 24 h needs per person per day."""
    dates = np.datetime64(start) + days.astype("timedelta64[D]")
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-05 was a Monday
    year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
    doy = (dates - year_start).astype(np.int64) + 1
    w = np.array(dem.weekday_profile, dtype=float)
    f = (w / w.mean())[weekday]
    season = 1.0 + dem.seasonal_amplitude * np.cos(2 * math.pi * (doy - SEASON_PEAK_DOY) / 365.25)
    epi = np.zeros(days.size)
    if dem.epidemic_attack_share > 0:
        length = dem.epidemic_duration_weeks * 7.0
        first_year = (start + dt.timedelta(days=int(days.min()))).year - 1
        last_year = (start + dt.timedelta(days=int(days.max()))).year + 1
        for year in range(first_year, last_year + 1):
            peak = (
                dt.date(year, 1, 1) + dt.timedelta(days=dem.epidemic_peak_day_of_year - 1) - start
            ).days
            x = days - peak
            inside = np.abs(x) <= length / 2
            epi += np.where(inside, (1 + np.cos(2 * math.pi * x / length)) / length, 0.0)
        epi *= dem.epidemic_attack_share
    return f * season, epi * f


_QUANTILES = 8192  # entries of the table that starts the search of an event's day


def _quantile_table(cum: np.ndarray) -> np.ndarray:
    """``[row, q]``: the last chunk day whose cumulative intensity is at most ``q / Q`` of the
    row's total, where the search for an event's day starts (a step or two from it)."""
    days = cum.shape[1] - 1
    out = np.zeros((cum.shape[0], _QUANTILES), dtype=np.int32)
    for row in range(cum.shape[0]):
        x = np.arange(_QUANTILES) / _QUANTILES * cum[row, -1]
        out[row] = np.clip(np.searchsorted(cum[row], x, side="right") - 1, 0, days - 1)
    return out


@njit(cache=True, nogil=True)
def _event_day(cum, table, row, u):
    """Day (index into the chunk) and fraction of the day of the event at ``u`` on the
    cumulative intensity ``cum[row]`` (inverse transform; days of zero intensity are skipped).
    """
    last = cum.shape[1] - 1
    x = u * cum[row, last]
    d = table[row, int(u * table.shape[1])]
    while d < last - 1 and cum[row, d + 1] <= x:
        d += 1
    width = cum[row, d + 1] - cum[row, d]
    frac = (x - cum[row, d]) / width if width > 0 else 0.0
    if frac >= 1.0:
        frac = 0.9999999999
    return d, frac


@njit(cache=True, nogil=True)
def _range_events(r, keys, group, mean, p0, cum, table, chunk, streams, n_live, counts, pos, out,
                  fill):  # fmt: skip
    """:func:`_chunk_pass` for the people of range ``r``."""
    n = keys.shape[0]
    count_stream, time_stream = streams[0], streams[1]
    c0 = keyed.counter_mix(0)
    n_ranges = counts.shape[0]
    lo = n * r // n_ranges
    hi = n * (r + 1) // n_ranges
    for p in range(lo, hi):
        g = group[p]
        for k in range(N_PROCESSES):
            m = mean[g, k]
            if m <= 0.0:
                continue
            row = 0 if k < 3 else 1
            base = keyed.combine(keys[p], chunk * N_PROCESSES + k)
            n_ev = keyed.poisson_small(m, p0[g, k], keyed.key(count_stream, base, 0))
            for j in range(n_ev):
                ekey = keyed.combine(base, j)
                u = keyed.uniform_pre(time_stream, keyed.premix(ekey), c0)
                d, _ = _event_day(cum, table, row, u)
                if d >= n_live:
                    continue
                if fill:
                    i = pos[r, d]
                    out[0][i] = ekey
                    out[1][i] = p
                    out[2][i] = k
                    pos[r, d] = i + 1
                else:
                    counts[r, d] += 1


@njit(cache=True, parallel=True, nogil=True)
def _chunk_pass(keys, group, mean, p0, cum, table, chunk, streams, n_live, counts, pos, out, fill):
    """Count (``fill`` False) or write (``fill`` True) the events of a chunk, day by day.

    ``counts[r, d]``: events of people range ``r`` on chunk day ``d`` (days ``>= n_live``
    dropped); with ``fill``, event keys, people and processes go to ``out`` at ``pos[r, d]``,
    which advances. The ranges run in parallel.
    """
    for r in prange(counts.shape[0]):
        _range_events(
            r, keys, group, mean, p0, cum, table, chunk, streams, n_live, counts, pos, out, fill
        )


@njit(cache=True, nogil=True)
def _chunk_pass_serial(keys, group, mean, p0, cum, table, chunk, streams, n_live, counts, pos,
                       out, fill):  # fmt: skip
    """:func:`_chunk_pass` in this thread (a small population: threads cost more than they
    save); the same numbers."""
    for r in range(counts.shape[0]):
        _range_events(
            r, keys, group, mean, p0, cum, table, chunk, streams, n_live, counts, pos, out, fill
        )


@njit(cache=True, nogil=True)
def _day_times(ekey, proc, cum, table, first, h0, h1, time_stream):
    """Arrival time of each event (``first``: the chunk's first day)."""
    n = ekey.shape[0]
    c0 = keyed.counter_mix(0)
    t = np.empty(n)
    for i in range(n):
        row = 0 if proc[i] < 3 else 1
        u = keyed.uniform_pre(time_stream, keyed.premix(ekey[i]), c0)
        d, frac = _event_day(cum, table, row, u)
        t[i] = first + d + h0 + (h1 - h0) * frac
    return t


@njit(cache=True, nogil=True)
def _day_draws(ekey, person, proc, order, band, shares, streams, f32, u64, small, choice):
    """The requests of one day in arrival ``order``: people, kinds and their uniforms.

    ``f32[s]`` gets the float32 uniforms (severity, tele, pharmacy, -, enrol, nurse; 1.0
    where the request's kind never reads it), ``choice`` the key of the choice of another GP,
    ``u64[0:2]`` the lead and patience uniforms (float64, planned requests), ``small`` the
    person, kind, minor need, home visit and as-soon-as-possible flag.
    ``shares``: (as soon as possible, sore throat, cystitis, home visit 75+).
    """
    n = order.shape[0]
    c0 = keyed.counter_mix(0)
    for i in range(n):
        j = order[i]
        e = keyed.premix(ekey[j])
        p = person[j]
        kind = PROCESS_KIND_N[proc[j]]
        small[0, i] = p
        small[1, i] = kind
        # Only the draws a request of its kind can use (the kernel reads no other): each is
        # keyed by the request, so leaving one out changes no other.
        f32[1, i] = np.float32(keyed.uniform_pre(streams[8], e, c0))  # teleconsultation
        choice[i] = keyed.mix(streams[10] ^ e)  # the key of its choice of another GP
        f32[4, i] = np.float32(keyed.uniform_pre(streams[11], e, c0))  # enrolment
        home = 0
        if band[p] == 3 and keyed.uniform_pre(streams[6], e, c0) < shares[3]:
            home = 1
        small[3, i] = home
        if kind == 0:  # planned: nurse, as soon as possible or ahead, lead time, patience
            f32[0, i] = np.float32(1.0)
            f32[2, i] = np.float32(1.0)
            f32[5, i] = np.float32(keyed.uniform_pre(streams[12], e, c0))
            small[2, i] = 0
            small[4, i] = 1 if keyed.uniform_pre(streams[2], e, c0) < shares[0] else 0
            u64[0, i] = keyed.uniform_pre(streams[3], e, c0)
            u64[1, i] = keyed.uniform_pre(streams[4], e, c0)
        else:  # unscheduled: severity, minor need, pharmacist
            f32[0, i] = np.float32(keyed.uniform_pre(streams[7], e, c0))
            f32[5, i] = np.float32(1.0)
            u_minor = keyed.uniform_pre(streams[5], e, c0)
            minor = 0
            if u_minor < shares[1]:
                minor = 1
            elif u_minor < shares[1] + shares[2]:
                minor = 2
            small[2, i] = minor
            f32[2, i] = (
                np.float32(keyed.uniform_pre(streams[9], e, c0)) if minor else np.float32(1.0)
            )
            small[4, i] = 1
            u64[0, i] = 0.0
            u64[1, i] = 0.0


class DemandGenerator:
    """Generates the requests of each day of a run."""

    def __init__(
        self, dem: DemandParams, pop: Population, cal: SessionCalendar, streams: Streams
    ) -> None:
        self.demand = dem
        self.pop = pop
        self.cal = cal
        u = dem.unscheduled_share
        split = np.array(
            [1.0 - u, u * dem.unscheduled_24h_share, u * (1 - dem.unscheduled_24h_share)]
        )
        rates = np.zeros((2 * N_BANDS, N_PROCESSES))
        for b in range(N_BANDS):
            rates[2 * b, :3] = dem.contacts_non_ald[b] / 365.0 * split
            rates[2 * b + 1, :3] = dem.contacts_ald[b] / 365.0 * split
        rates[:, 3] = 1.0  # the epidemic profile is per person per day already
        self.rates = rates
        self.group = pop.group
        self.h0 = dem.request_start_hour / 24.0
        self.h1 = dem.request_end_hour / 24.0
        names = ("count", "time", *_STREAMS)
        self.keys = np.array([streams.key(f"demand.{n}") for n in names], dtype=np.uint64)
        self._next_day = 0
        self._chunk = -1
        self._cached = (0, 0)  # days drawn ahead, kept in _cache
        self._cache: tuple[Requests, np.ndarray] | None = None
        # (as soon as possible, sore throat, cystitis, home visit 75+) for _day_draws
        self.shares = np.array(
            [
                dem.planned_asap_share,
                dem.sore_throat_share,
                dem.cystitis_share,
                dem.home_visit_share_75_plus,
            ]
        )

    def _draw_chunk(self, chunk: int) -> None:
        """Every event of chunk ``chunk`` (days ``365 * chunk`` to ``365 * chunk + 364``) before
        the horizon, grouped by day."""
        first = chunk * CHUNK_DAYS
        days = np.arange(first, first + CHUNK_DAYS)
        base, epi = day_profiles(self.demand, self.cal.start_date, days)
        cum = np.zeros((2, CHUNK_DAYS + 1))
        np.cumsum(base, out=cum[0, 1:])
        np.cumsum(epi, out=cum[1, 1:])
        # Expected requests of each process in the chunk for a person of each group.
        mean = self.rates * np.array([cum[0, -1]] * 3 + [cum[1, -1]])[None, :]
        p0 = np.exp(-mean)
        table = _quantile_table(cum)
        n_live = min(CHUNK_DAYS, self.cal.horizon_days - first)
        counts = np.zeros((_RANGES, CHUNK_DAYS), dtype=np.int64)
        none = (np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.uint8))
        args = (self.pop.key, self.group, mean, p0, cum, table, chunk, self.keys, n_live, counts)
        chunk_pass = _chunk_pass if self.pop.n >= PARALLEL_MIN_PEOPLE else _chunk_pass_serial
        with keyed.wrapping():
            chunk_pass(*args, counts, none, False)
            per_day = counts.sum(axis=0)
            starts = np.zeros(CHUNK_DAYS + 1, dtype=np.int64)
            np.cumsum(per_day, out=starts[1:])
            # Range r's events of day d start after those of ranges < r.
            pos = starts[:-1][None, :] + np.cumsum(counts, axis=0) - counts
            total = int(starts[-1])
            out = (
                np.empty(total, np.uint64),
                np.empty(total, np.int32),
                np.empty(total, np.uint8),
            )
            chunk_pass(*args, pos, out, True)
        self._cum = cum
        self._table = table
        self._starts = starts
        self._events = out
        self._chunk = chunk

    def prepare(self, chunk: int) -> None:
        """Draw the events of ``chunk`` now (when it is not the current one)."""
        if chunk != self._chunk:
            self._draw_chunk(chunk)

    def chunk_end(self, day: int) -> int:
        """The first day after the chunk holding ``day`` (a range of days never crosses it)."""
        return (day // CHUNK_DAYS + 1) * CHUNK_DAYS

    def days(self, first: int, end: int) -> tuple[Requests, np.ndarray]:
        """The requests of days ``first`` to ``end - 1``, sorted by arrival time, and their
        count by kind ([3]).

        Ranges are asked for in order, without gaps, each within one chunk (365 days): demand
        is drawn a chunk at a time.
        """
        if first != self._next_day or not first < end <= self.chunk_end(first):
            raise ValueError(
                f"days are drawn in order within a year: asked for {first}-{end - 1}, "
                f"next is {self._next_day}"
            )
        self._next_day = end
        if not (self._cached[0] <= first and end <= self._cached[1]):
            stop = min(first + MAX_RANGE_DAYS, self.chunk_end(first), self.cal.horizon_days)
            self._cache = self._draw_days(first, max(end, stop))
            self._cached = (first, max(end, stop))
        req, day = self._cache
        lo, hi = np.searchsorted(day, [first, end])
        part = Requests(*(col[lo:hi] for col in req))
        return part, np.bincount(part.kind, minlength=3).astype(np.int64)

    def _draw_days(self, first: int, end: int) -> tuple[Requests, np.ndarray]:
        """The requests of days ``first`` to ``end - 1`` (within one chunk), by arrival time,
        and the day of each."""
        chunk = first // CHUNK_DAYS
        if chunk != self._chunk:
            self._draw_chunk(chunk)
        base = chunk * CHUNK_DAYS
        lo, hi = int(self._starts[first - base]), int(self._starts[end - base])
        ekey, person, proc = (col[lo:hi] for col in self._events)
        n = hi - lo
        dem = self.demand
        with keyed.wrapping():
            t = _day_times(
                ekey, proc, self._cum, self._table, float(base), self.h0, self.h1, self.keys[1]
            )
            order = _arrival_order(t)
            f32 = np.empty((6, n), dtype=np.float32)
            u64 = np.empty((2, n))
            small = np.empty((5, n), dtype=np.int32)
            choice = np.empty(n, dtype=np.uint64)
            _day_draws(
                ekey, person, proc, order, self.pop.band, self.shares, self.keys, f32, u64,
                small, choice,
            )  # fmt: skip
        t = t[order]
        day = np.floor(t).astype(np.int32)
        kind = small[1].astype(np.uint8)
        planned = kind == 0
        # Planned: desired earliest day (as soon as possible, or booked ahead) and patience.
        desired = day.copy()
        ahead = planned & (small[4] == 0)
        lead = np.ceil(np.maximum(dem.planned_lead_days.ppf(u64[0, ahead]), 0.0))
        desired[ahead] += np.maximum(lead, 1).astype(np.int32)
        patience = np.zeros(n, dtype=np.float32)
        patience[planned] = np.maximum(dem.planned_patience_days.ppf(u64[1, planned]), 0.0)
        req = Requests(
            t=t,
            person=small[0],
            kind=kind,
            desired=desired,
            patience=patience,
            u_sev=f32[0],
            u_tele=f32[1],
            u_pharm=f32[2],
            choice=choice,
            u_enrol=f32[4],
            u_nurse=f32[5],
            minor=small[2].astype(np.uint8),
            home=small[3].astype(np.uint8),
        )
        return req, day

    def day(self, day: int) -> tuple[Requests, np.ndarray]:
        """The requests of one day (:meth:`days` of ``day`` alone)."""
        return self.days(day, day + 1)


def _arrival_order(t: np.ndarray) -> np.ndarray:
    """The permutation sorting ``t`` by time, equal times in their original order.

    This is ``np.argsort(t, kind="stable")``. Arrival times are continuous, so ties (two
    requests at the very same float64 time) almost never occur; without ties the sorted order
    is unique and numpy's faster unstable sort returns the same permutation. When there is a tie
    the stable sort is used, so the result is always exactly the stable one.
    """
    order = t.argsort()
    ts = t.take(order)
    if ts.size > 1 and (ts[1:] == ts[:-1]).any():
        order = t.argsort(kind="stable")
    return order
