"""Demand: every person's requests, drawn by the person (counter-based draws keyed by person).

Each person makes requests as five Poisson processes: planned requests, unscheduled needs to be
seen within 24 h and within 48 h (rates by age band and ALD, split by the unscheduled shares),
the winter epidemic's extra 24 h needs (the same for everyone), and emergencies primary care
could not handle (rates by age band; they go straight to the emergency department). Each
process's intensity follows a profile of the day: planned requests the weekday profile (Mondays
heavier, little on weekends) times the seasonal cosine; unscheduled needs and emergencies the
weekday profile of needs (flat by default) times the seasonal cosine; the epidemic its bell
times the weekday profile of needs. Demand is drawn a year at a time (365-day *chunks* from day
0), person by person:

* the number of requests of process ``k`` in chunk ``c`` is a Poisson count keyed by
  ``(person, c, k)``;
* request ``j`` of it is the event ``combine((person, c, k), j)``; its day and time come from
  one uniform keyed by the event (inverse of the chunk's cumulative intensity; the fraction of
  the day's share it falls in gives its time of day: within the request window for planned
  requests, by the inverse of the hourly profile, around the clock, for needs and
  emergencies), and so does every other attribute (desired day, patience, severity,
  eligibility draws, choice uniforms).

Requests a day's booking creates for later days (a need asked again, an in-person follow-up)
are keyed by their need and attempt (:meth:`DemandGenerator.carried`), never by their position;
they wait in a :class:`~accesssim.model.records.Pending` record (:func:`park`) until their day.

People age, arrive and leave during a run (:mod:`accesssim.model.demography`, all drawn in
advance): a person draws only over the days of a chunk they live there, at the rates of their
age band and ALD status, split at their birthday when it changes them (the count of each part
is keyed by the part, so a later birthday or departure never changes earlier requests).

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
from accesssim.model.demography import age_on, band_of, n_birthdays
from accesssim.model.kernel import prefetch
from accesssim.model.params import DemandParams
from accesssim.model.population import N_BANDS, Population
from accesssim.model.records import Carry, Pending, Requests, new_pending
from accesssim.rng import Streams
from accesssim.vocabulary import Kind

__all__ = [
    "CHUNK_DAYS",
    "DemandGenerator",
    "day_profiles",
    "draw_keys",
    "park",
    "take_days",
]

# planned, unscheduled 24 h, unscheduled 48 h, epidemic (unscheduled 24 h), emergency
N_PROCESSES = 5
PROCESS_KIND = np.array([0, 1, 2, 1, 3], dtype=np.uint8)
PROCESS_KIND_N = (0, 1, 2, 1, 3)  # the same, as a tuple for the compiled code
PROCESS_ROW = (0, 1, 1, 2, 1)  # row of the cumulative intensity each process follows
EMERGENCY_KIND = 3
# An event's ``proc`` byte: its process (bits 0-2), the segment of the person's chunk it was
# drawn in (bit 3), drawn over a part of the chunk (bit 4), the person aged 75+ then (bit 5).
PROC_MASK = 7
SEGMENT_BIT = 8
PART_BIT = 16
OLD_BIT = 32
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
    "direct",
    "next",
    "delay",
    "first",
)


_NO_U = np.zeros(0, dtype=np.float32)  # the uniform columns the kernel draws itself
_NO_KEY = np.zeros(0, dtype=np.uint64)
DRAW_STREAMS = {
    "key_sev": "severity",
    "key_tele": "tele",
    "key_pharm": "pharmacy",
    "key_choice": "choice",
    "key_enrol": "enrol",
    "key_nurse": "nurse",
    "key_direct": "direct",
    "key_next": "next",
    "key_delay": "delay",
    "key_first": "first",
}
"""The stream (``demand.<name>``) of each uniform the booking kernel draws for a request."""


def draw_keys(streams: Streams) -> dict[str, np.uint64]:
    """The stream keys of the uniforms the booking kernel draws (fields of
    :class:`~accesssim.model.records.KernelParams`)."""
    return {field: streams.key(f"demand.{name}") for field, name in DRAW_STREAMS.items()}


def day_profiles(
    dem: DemandParams, start: dt.date, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-person intensity factors of ``days`` (day numbers from ``start``): the profile of
    planned requests (weekday x season, mean about 1), the epidemic's extra 24 h needs per
    person per day, and the profile of unscheduled needs and emergencies (weekday of needs x
    season)."""
    dates = np.datetime64(start) + days.astype("timedelta64[D]")
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-05 was a Monday
    year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
    doy = (dates - year_start).astype(np.int64) + 1
    w = np.array(dem.weekday_profile, dtype=float)
    f = (w / w.mean())[weekday]
    wn = np.array(dem.unscheduled_weekday_profile, dtype=float)
    fn = (wn / wn.mean())[weekday]
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
    return f * season, epi * fn, fn * season


def hour_cdf(profile: tuple[float, ...]) -> np.ndarray:
    """float64 [25]: the cumulative share of a day's needs by hour (0 at 00:00, 1 at 24:00)."""
    w = np.asarray(profile, dtype=float)
    cum = np.zeros(25)
    np.cumsum(w / w.sum(), out=cum[1:])
    cum[-1] = 1.0
    return cum


@njit(cache=True, nogil=True)
def _hour_of(cdf, frac):
    """Time of day (fraction of a day) at cumulative share ``frac`` of the hourly profile
    (inverse transform, uniform within the hour)."""
    h = 0
    while h < 23 and cdf[h + 1] <= frac:
        h += 1
    width = cdf[h + 1] - cdf[h]
    x = (frac - cdf[h]) / width if width > 0 else 0.0
    if x >= 1.0:
        x = 0.9999999999
    return (h + x) / 24.0


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
def _segments(p, first, age0, bday, ald_bands, entry, exit_, bounds):
    """The days of chunk ``first .. first + 364`` person ``p`` lives there, split at their
    birthday: ``(a, s, b, g1, g2)``: present on chunk days [a, b), in demand group ``g1``
    before chunk day ``s`` and ``g2`` from it (a group is ``band * 2 + ALD``). Birthdays fall
    on days ``bday + 365 k`` with ``bday`` in [1, 365]: chunk day ``bday`` (none in the chunk
    when ``bday`` is 365, whose birthday opens the next chunk)."""
    a = max(entry[p] - first, 0)
    b = min(exit_[p] - first, CHUNK_DAYS)
    bd = bday[p]
    s = bd if bd < CHUNK_DAYS else CHUNK_DAYS  # a birthday on day 365 k: at the chunk's start
    a0 = age0[p] + n_birthdays(first, bd)
    b1 = band_of(max(a0, 0), bounds)
    b2 = band_of(max(a0 + 1, 0), bounds)
    g1 = b1 * 2 + ((ald_bands[p] >> b1) & 1)
    g2 = b2 * 2 + ((ald_bands[p] >> b2) & 1)
    return a, s, b, g1, g2


@njit(cache=True, nogil=True)
def _segment(which, a, s, b, g1, g2):
    """Segment ``which`` (0 or 1) of a person's chunk: ``(lo, hi, group)``; one segment when
    the group does not change on the birthday."""
    if g1 == g2:
        if which == 0:
            return a, b, g1
        return 0, 0, g1
    if which == 0:
        return a, min(b, s), g1
    return max(a, s), b, g2


@njit(cache=True, nogil=True)
def _range_events(r, keys, lives, bounds, mean, p0, cum, table, chunk, streams, n_live, counts,
                  pos, out, fill):  # fmt: skip
    """:func:`_chunk_pass` for the people of range ``r``."""
    age0, bday, ald_bands, entry, exit_ = lives
    n = keys.shape[0]
    first = chunk * CHUNK_DAYS
    count_stream, time_stream = streams[0], streams[1]
    c0 = keyed.counter_mix(0)
    n_ranges = counts.shape[0]
    old_group = 2 * (bounds.shape[0])  # the first group of the oldest band
    lo = n * r // n_ranges
    hi = n * (r + 1) // n_ranges
    for p in range(lo, hi):
        a, s, b, g1, g2 = _segments(p, first, age0, bday, ald_bands, entry, exit_, bounds)
        if b <= a:
            continue
        for which in range(2):
            d_lo, d_hi, g = _segment(which, a, s, b, g1, g2)
            if d_hi <= d_lo:
                continue
            whole = d_lo == 0 and d_hi == CHUNK_DAYS
            for k in range(N_PROCESSES):
                m = mean[g, k]
                if m <= 0.0:
                    continue
                row = PROCESS_ROW[k]
                total = cum[row, CHUNK_DAYS]
                x_lo = cum[row, d_lo]
                width = cum[row, d_hi] - x_lo
                if whole:
                    mm = m
                    pp = p0[g, k]
                else:
                    mm = m * width / total
                    pp = np.exp(-mm)
                base = keyed.combine(keys[p], chunk * N_PROCESSES + k)
                n_ev = keyed.poisson_small(mm, pp, keyed.key(count_stream, base, which))
                for j in range(n_ev):
                    ekey = keyed.combine(base, j + (which << 32))
                    u = keyed.uniform_pre(time_stream, keyed.premix(ekey), c0)
                    if not whole:
                        u = (x_lo + u * width) / total
                    d, _ = _event_day(cum, table, row, u)
                    d = min(max(d, d_lo), d_hi - 1)
                    if d >= n_live:
                        continue
                    if fill:
                        i = pos[r, d]
                        out[0][i] = ekey
                        out[1][i] = p
                        out[2][i] = (
                            k
                            | (which * SEGMENT_BIT)
                            | (0 if whole else PART_BIT)
                            | (OLD_BIT if g >= old_group else 0)
                        )
                        pos[r, d] = i + 1
                    else:
                        counts[r, d] += 1


@njit(cache=True, parallel=True, nogil=True)
def _chunk_pass(keys, lives, bounds, mean, p0, cum, table, chunk, streams, n_live, counts, pos,
                out, fill):  # fmt: skip
    """Count (``fill`` False) or write (``fill`` True) the events of a chunk, day by day.

    ``lives``: (age0, bday, ald_bands, entry, exit) of every person. Each person draws over the
    days of the chunk they live there, in the demand group of their age (split at their
    birthday when it changes their group). ``counts[r, d]``: events of people range ``r`` on
    chunk day ``d`` (days ``>= n_live`` dropped); with ``fill``, event keys, people and
    ``proc`` bytes (process, segment, part of the chunk, aged 75+: see ``PROC_MASK``) go to
    ``out`` at ``pos[r, d]``, which advances. The ranges run in parallel.
    """
    for r in prange(counts.shape[0]):
        _range_events(r, keys, lives, bounds, mean, p0, cum, table, chunk, streams, n_live,
                      counts, pos, out, fill)  # fmt: skip


@njit(cache=True, nogil=True)
def _chunk_pass_serial(keys, lives, bounds, mean, p0, cum, table, chunk, streams, n_live, counts,
                       pos, out, fill):  # fmt: skip
    """:func:`_chunk_pass` in this thread (a small population: threads cost more than they
    save); the same numbers."""
    for r in range(counts.shape[0]):
        _range_events(r, keys, lives, bounds, mean, p0, cum, table, chunk, streams, n_live,
                      counts, pos, out, fill)  # fmt: skip


@njit(cache=True, nogil=True)
def _day_times(ekey, person, proc, lives, bounds, cum, table, first, h0, h1, hcdf, time_stream):
    """Arrival time of each event (``first``: the chunk's first day): planned requests within
    the request window [h0, h1), needs and emergencies around the clock by the hourly profile
    ``hcdf``. An event drawn over a part of the chunk falls in the same part."""
    age0, bday, ald_bands, entry, exit_ = lives
    n = ekey.shape[0]
    c0 = keyed.counter_mix(0)
    t = np.empty(n)
    for i in range(n):
        k = proc[i] & PROC_MASK
        row = PROCESS_ROW[k]
        u = keyed.uniform_pre(time_stream, keyed.premix(ekey[i]), c0)
        if proc[i] & PART_BIT:  # part of the chunk: the same segment as when it was drawn
            a, s, b, g1, g2 = _segments(person[i], int(first), age0, bday, ald_bands, entry,
                                        exit_, bounds)  # fmt: skip
            which = 1 if proc[i] & SEGMENT_BIT else 0
            d_lo, d_hi, _ = _segment(which, a, s, b, g1, g2)
            x_lo = cum[row, d_lo]
            u = (x_lo + u * (cum[row, d_hi] - x_lo)) / cum[row, CHUNK_DAYS]
            d, frac = _event_day(cum, table, row, u)
            d = min(max(d, d_lo), d_hi - 1)
        else:
            d, frac = _event_day(cum, table, row, u)
        if k == 0:
            t[i] = first + d + h0 + (h1 - h0) * frac
        else:
            t[i] = first + d + _hour_of(hcdf, frac)
    return t


@njit(cache=True, nogil=True)
def _request_columns(
    ekey, person, kinds, old, order, t, t0, root, attempt, origin, shares, streams
):
    """The columns of requests in arrival ``order`` and the draws the generator needs (``old``:
    the person is aged 75+ when they ask): ``(t, t0, root, attempt, origin, person, kind,
    minor, home, asap, desired, u_lead, u_patience)``.

    ``desired`` is the day of ``t0`` (a planned request booked ahead adds its lead time);
    ``asap`` flags a planned request wanted as soon as possible; ``u_lead`` and ``u_patience``
    are the lead-time and patience uniforms of planned requests (0 otherwise). ``shares``: (as
    soon as possible, sore throat, cystitis, home visit 75+). The other uniforms of a request
    (severity, teleconsultation, pharmacist, choice of another GP, enrolment, nurse, straight to
    the ED, asking again or a follow-up, its delay, teleconsultation first) are drawn by the
    booking kernel when a step reads them, from the same event key and streams
    (:func:`accesssim.model.kernel.uniform_of`).
    """
    n = order.shape[0]
    ts = np.empty(n)
    t0s = np.empty(n)
    roots = np.empty(n, dtype=root.dtype)
    attempts = np.empty(n, dtype=attempt.dtype)
    origins = np.empty(n, dtype=origin.dtype)
    persons = np.empty(n, dtype=np.int32)
    kind = np.empty(n, dtype=np.uint8)
    minor = np.zeros(n, dtype=np.uint8)
    home = np.zeros(n, dtype=np.uint8)
    asap = np.ones(n, dtype=np.uint8)
    desired = np.empty(n, dtype=np.int32)
    u_lead = np.zeros(n)
    u_patience = np.zeros(n)
    c0 = keyed.counter_mix(0)
    for i in range(n):
        j = order[i]
        ts[i] = t[j]
        t0s[i] = t0[j]
        roots[i] = root[j]
        attempts[i] = attempt[j]
        origins[i] = origin[j]
        desired[i] = np.int32(np.floor(t0[j]))
        persons[i] = person[j]
        k = kinds[j]
        kind[i] = k
        if k == EMERGENCY_KIND:  # straight to the ED: no other draw is read
            continue
        # Only the draws a request of its kind can use: each is keyed by the request, so
        # leaving one out changes no other.
        e = keyed.premix(ekey[j])
        if old[j] and keyed.uniform_pre(streams[6], e, c0) < shares[3]:
            home[i] = 1
        if k == 0:  # planned: as soon as possible or ahead, lead time, patience
            asap[i] = 1 if keyed.uniform_pre(streams[2], e, c0) < shares[0] else 0
            u_lead[i] = keyed.uniform_pre(streams[3], e, c0)
            u_patience[i] = keyed.uniform_pre(streams[4], e, c0)
        else:  # unscheduled: minor need
            u_minor = keyed.uniform_pre(streams[5], e, c0)
            if u_minor < shares[1]:
                minor[i] = 1
            elif u_minor < shares[1] + shares[2]:
                minor[i] = 2
    return (
        ts, t0s, roots, attempts, origins, persons, kind, minor, home, asap, desired, u_lead,
        u_patience,
    )  # fmt: skip


PF_CARRIED = 16
"""How many carried rows ahead :func:`_take` asks for a person's attributes (a hint)."""


@njit(cache=True, nogil=True)
def chain_length(pending, day):
    """How many rows are carried to ``day`` (people gone included)."""
    k = 0
    r = pending.head[day]
    while r >= 0:
        k += 1
        r = pending.after[r]
    return k


@njit(cache=True, nogil=True)
def _take(pending, day, entry, exit_, age0, bday, bounds):
    """The rows carried to ``day`` (in the order they were carried) of people living there on
    ``day``, with each row's event key (its need's key, or ``(need, attempt)``) and whether the
    person is in the oldest age band (75+) then; the day's rows stop waiting."""
    k = chain_length(pending, day)
    rows = np.empty(k, dtype=np.int64)
    r = pending.head[day]
    for i in range(k):
        rows[i] = r
        r = pending.after[r]
    root = np.empty(k, dtype=np.uint64)
    person = np.empty(k, dtype=np.int32)
    kind = np.empty(k, dtype=np.uint8)
    attempt = np.empty(k, dtype=np.uint8)
    origin = np.empty(k, dtype=np.uint8)
    t = np.empty(k)
    t0 = np.empty(k)
    ekey = np.empty(k, dtype=np.uint64)
    old = np.empty(k, dtype=np.uint8)
    top = bounds.shape[0]
    m = 0
    for i in range(k):
        if i + PF_CARRIED < k:  # prefetch hints (no effect on results)
            q = pending.person[rows[i + PF_CARRIED]]
            prefetch(entry, q)
            prefetch(exit_, q)
            prefetch(age0, q)
            prefetch(bday, q)
        r = rows[i]
        p = pending.person[r]
        if entry[p] <= day and exit_[p] > day:  # (not dead or moved out)
            root[m] = pending.root[r]
            person[m] = p
            kind[m] = pending.kind[r]
            attempt[m] = pending.attempt[r]
            origin[m] = pending.origin[r]
            t[m] = pending.t[r]
            t0[m] = pending.t0[r]
            a = pending.attempt[r]
            ekey[m] = pending.root[r] if a == 0 else keyed.combine(pending.root[r], a)
            old[m] = 1 if band_of(max(age_on(age0[p], bday[p], day), 0), bounds) == top else 0
            m += 1
    pending.head[day] = -1
    pending.n[1] -= k
    return (
        root[:m],
        person[:m],
        kind[:m],
        attempt[:m],
        origin[:m],
        t[:m],
        t0[:m],
        ekey[:m],
        old[:m],
    )


class DemandGenerator:
    """Generates the requests of each day of a run."""

    def __init__(
        self,
        dem: DemandParams,
        pop: Population,
        cal: SessionCalendar,
        streams: Streams,
        bounds: np.ndarray | None = None,
    ) -> None:
        bounds = np.array([16, 60, 75], dtype=np.int64) if bounds is None else bounds
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
            rates[2 * b : 2 * b + 2, 4] = dem.emergencies_per_year[b] / 365.0
        rates[:, 3] = 1.0  # the epidemic profile is per person per day already
        self.rates = rates
        lv = pop.lives
        self.lives = (lv.age0, lv.bday, lv.ald_bands, lv.entry, lv.exit)
        self.bounds = bounds
        self.h0 = dem.request_start_hour / 24.0
        self.h1 = dem.request_end_hour / 24.0
        self.hcdf = hour_cdf(dem.unscheduled_hour_profile)
        names = ("count", "time", *_STREAMS)
        self.keys = np.array([streams.key(f"demand.{n}") for n in names], dtype=np.uint64)
        # (as soon as possible, sore throat, cystitis, home visit 75+) for _request_columns
        self.shares = np.array(
            [
                dem.planned_asap_share,
                dem.sore_throat_share,
                dem.cystitis_share,
                dem.home_visit_share_75_plus,
            ]
        )
        self._next_day = 0
        self._chunk = -1
        self._cached = (0, 0)  # days drawn ahead, kept in _cache
        self._cache: tuple[Requests, np.ndarray] | None = None

    def _draw_chunk(self, chunk: int) -> None:
        """Every event of chunk ``chunk`` (days ``365 * chunk`` to ``365 * chunk + 364``) before
        the horizon, grouped by day."""
        first = chunk * CHUNK_DAYS
        days = np.arange(first, first + CHUNK_DAYS)
        base, epi, needs = day_profiles(self.demand, self.cal.start_date, days)
        cum = np.zeros((3, CHUNK_DAYS + 1))
        np.cumsum(base, out=cum[0, 1:])
        np.cumsum(needs, out=cum[1, 1:])
        np.cumsum(epi, out=cum[2, 1:])
        # Expected requests of each process in the chunk for a person of each group.
        totals = np.array([cum[row, -1] for row in PROCESS_ROW])
        mean = self.rates * totals[None, :]
        p0 = np.exp(-mean)
        table = _quantile_table(cum)
        n_live = min(CHUNK_DAYS, self.cal.horizon_days - first)
        counts = np.zeros((_RANGES, CHUNK_DAYS), dtype=np.int64)
        none = (np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.uint8))
        args = (self.pop.key, self.lives, self.bounds, mean, p0, cum, table, chunk, self.keys,
                n_live, counts)  # fmt: skip
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
        """The new requests of days ``first`` to ``end - 1``, sorted by arrival time, and their
        count by kind ([4]).

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
            lo, hi = self.range_of(first, end)
            self._cache = self._draw_days(lo, hi)
            self._cached = (lo, hi)
        return take_days(self._cache, first, end)

    def range_of(self, first: int, end: int) -> tuple[int, int]:
        """The days drawn at once when days ``first`` to ``end - 1`` are asked for and not
        drawn yet: from ``first``, at least :data:`MAX_RANGE_DAYS` days (within the chunk and
        the horizon)."""
        stop = min(first + MAX_RANGE_DAYS, self.chunk_end(first), self.cal.horizon_days)
        return first, max(end, stop)

    def ranges(self, blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The ranges of days :meth:`days` draws at once when asked for ``blocks`` in turn
        (consecutive ranges of days, each within a chunk): each block lies in one of them."""
        out: list[tuple[int, int]] = []
        for first, end in blocks:
            if not out or end > out[-1][1]:
                out.append(self.range_of(first, end))
        return out

    def draw_range(self, first: int, end: int) -> tuple[Requests, np.ndarray]:
        """The requests of days ``first`` to ``end - 1`` (one of :meth:`ranges`), by arrival
        time, and the day of each: the numbers :meth:`days` gives, for :func:`take_days`
        (ranges are drawn in order)."""
        return self._draw_days(first, end)

    def _draw_days(self, first: int, end: int) -> tuple[Requests, np.ndarray]:
        """The requests of days ``first`` to ``end - 1`` (within one chunk), by arrival time,
        and the day of each."""
        chunk = first // CHUNK_DAYS
        if chunk != self._chunk:
            self._draw_chunk(chunk)
        base = chunk * CHUNK_DAYS
        lo, hi = int(self._starts[first - base]), int(self._starts[end - base])
        ekey, person, proc = (col[lo:hi] for col in self._events)
        with keyed.wrapping():
            t = _day_times(
                ekey, person, proc, self.lives, self.bounds, self._cum, self._table, float(base),
                self.h0, self.h1, self.hcdf, self.keys[1],
            )  # fmt: skip
        kinds = PROCESS_KIND[proc & PROC_MASK]
        old = ((proc & OLD_BIT) != 0).astype(np.uint8)
        zeros8 = np.zeros(t.size, np.uint8)
        # The events are grouped by day, and a day's times lie within the day: sorting each day
        # on its own (in cache) gives the permutation of sorting them all.
        order = _order_by_day(t, self._starts[first - base : end - base + 1] - lo)
        with keyed.wrapping():
            columns = _request_columns(
                ekey, person, kinds, old, order, t, t, ekey, zeros8, zeros8, self.shares, self.keys
            )
        req = self._requests(columns)
        return req, np.floor(req.t).astype(np.int32)

    def _requests(self, columns: tuple[np.ndarray, ...]) -> Requests:
        """The requests of :func:`_request_columns`' ``columns``, with the desired day (planned
        requests booked ahead add their lead time) and patience of planned requests."""
        dem = self.demand
        ts, t0s, roots, attempts, origins, persons, kind, minor, home, asap, desired, u_lead, \
            u_patience = columns  # fmt: skip
        planned = kind == 0
        # The day the need arose (a need that waited for practices to open or is asked again
        # keeps it: ``desired`` starts there); planned: desired earliest day (as soon as
        # possible, or booked ahead) and patience.
        patience = np.zeros(ts.size, dtype=np.float32)
        if planned.any():  # (carried requests are mostly unscheduled: no quantile to compute)
            ahead = planned & (asap == 0)
            lead = np.ceil(np.maximum(dem.planned_lead_days.ppf(u_lead[ahead]), 0.0))
            desired[ahead] += np.maximum(lead, 1).astype(np.int32)
            patience[planned] = np.maximum(dem.planned_patience_days.ppf(u_patience[planned]), 0.0)
        return Requests(
            t=ts,
            person=persons,
            kind=kind,
            desired=desired,
            patience=patience,
            u_sev=_NO_U,
            u_tele=_NO_U,
            u_pharm=_NO_U,
            choice=_NO_KEY,
            u_enrol=_NO_U,
            u_nurse=_NO_U,
            minor=minor,
            home=home,
            root=roots,
            attempt=attempts,
            origin=origins,
            t0=t0s,
            u_direct=_NO_U,
            u_next=_NO_U,
            u_delay=_NO_U,
            u_first=_NO_U,
        )

    def day(self, day: int) -> tuple[Requests, np.ndarray]:
        """The new requests of one day (:meth:`days` of ``day`` alone)."""
        return self.days(day, day + 1)

    def carried(self, pending: Pending, day: int) -> Requests | None:
        """Requests carried to ``day`` from earlier days' bookings (needs asked again,
        in-person follow-ups, needs waiting for practices to open), sorted by time, or None when
        there are none: every draw keyed by the request's event key, ``(need, attempt)``. Those
        of people no longer living there on ``day`` (dead or moved out) are dropped. The rows
        of ``day`` leave ``pending``."""
        if pending.head[day] < 0:
            return None
        age0, bday, _, entry, exit_ = self.lives
        with keyed.wrapping():
            columns = _carried_columns(
                pending, day, entry, exit_, age0, bday, self.bounds, self.shares, self.keys
            )
        return self._requests(columns)


def take_days(
    drawn: tuple[Requests, np.ndarray], first: int, end: int
) -> tuple[Requests, np.ndarray]:
    """The requests of days ``first`` to ``end - 1`` out of a range drawn at once
    (:meth:`DemandGenerator.draw_range`), and their count by kind ([4])."""
    req, day = drawn
    # (bounds of the days' own type: a list of Python ints would convert the whole column)
    lo, hi = np.searchsorted(day, np.array([first, end], dtype=day.dtype))
    part = Requests(*(col[lo:hi] for col in req))
    return part, np.bincount(part.kind, minlength=len(Kind)).astype(np.int64)


@njit(cache=True, nogil=True)
def _carried_columns(pending, day, entry, exit_, age0, bday, bounds, shares, streams):
    """:func:`_request_columns` of the rows carried to ``day`` (:func:`_take`), in order of
    arrival time (a stable sort: equal times in the order they were carried)."""
    root, person, kind, attempt, origin, t, t0, ekey, old = _take(
        pending, day, entry, exit_, age0, bday, bounds
    )
    order = np.argsort(t, kind="mergesort")
    return _request_columns(
        ekey, person, kind, old, order, t, t0, root, attempt, origin, shares, streams
    )


def park(pending: Pending, carry: Carry) -> Pending:
    """``pending`` with the rows of ``carry`` (a day's booking) added to their days' chains; rows
    of days after the last are dropped (the kernel writes none). When there is no room left the
    rows still waiting move, in order, to a larger record, which is returned."""
    if not _park(pending, carry):
        need = int(pending.n[1] + carry.n[0])
        grown = new_pending(max(2 * need, 1024), pending.head.shape[0])
        _move_waiting(pending, grown)
        pending = grown
        _park(pending, carry)
    return pending


@njit(cache=True, nogil=True)
def _park(pending, carry):
    """Append the rows of ``carry`` to ``pending`` (see :func:`park`); False, and nothing
    appended, when there is no room for them."""
    if pending.n[0] + carry.n[0] > pending.t.shape[0]:
        return False
    days = pending.head.shape[0]
    for i in range(carry.n[0]):
        d = int(np.floor(carry.t[i]))
        if d < days:
            _append(pending, d, carry, i)
    return True


@njit(cache=True, nogil=True)
def _move_waiting(old, new):
    """Copy the rows still waiting in ``old`` to ``new`` (empty), day by day in chain order."""
    for d in range(old.head.shape[0]):
        r = old.head[d]
        while r >= 0:
            _append(new, d, old, r)
            r = old.after[r]


@njit(cache=True, nogil=True)
def _append(pending, d, rows, i):
    """Append row ``i`` of ``rows`` (a :class:`Carry` or :class:`Pending` record) to
    ``pending``, at the end of day ``d``'s chain."""
    r = pending.n[0]
    pending.root[r] = rows.root[i]
    pending.person[r] = rows.person[i]
    pending.kind[r] = rows.kind[i]
    pending.attempt[r] = rows.attempt[i]
    pending.origin[r] = rows.origin[i]
    pending.t[r] = rows.t[i]
    pending.t0[r] = rows.t0[i]
    pending.after[r] = -1
    if pending.head[d] < 0:
        pending.head[d] = r
    else:
        pending.after[pending.tail[d]] = r
    pending.tail[d] = r
    pending.n[0] = r + 1
    pending.n[1] += 1


def _order_by_day(t: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """:func:`_arrival_order` of times grouped by day, each day's within the day (``bounds``:
    where each day's times start, then their end), one day at a time."""
    order = np.empty(t.size, dtype=np.int64)
    last = -np.inf  # the latest time of the days before
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if a == b:
            continue
        order[a:b] = _arrival_order(t[a:b]) + a
        if t[order[a]] < last:  # a day's times overlap the day before's: sort them all
            return _arrival_order(t)
        last = t[order[b - 1]]
    return order


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
