"""Population dynamics, drawn in advance: ageing, births, deaths, moves in and out.

Every life event of every person over the whole horizon is a counter-based draw keyed by the
person (:mod:`accesssim.model.keyed`) and is known when the run is built. Only the booking
changes during a run; so the demand, drawn on a second thread, reads these events and nothing
the booking changes.

* **Ageing.** Each person has a birthday: the first day ``bday`` in ``[1, 365]`` on which they
  get one year older, then every 365 days (years of 365 days, the measurement years of a run).
  ``age0`` is their age on day 0 (negative for people born later), so the age on day ``d`` is
  ``age0 + n(d)`` with ``n(d)`` the birthdays in ``[1, d]``: everyone ages exactly one year per
  365 days.
* **Deaths and moves out.** One clock per person whose hazard is the sum of the yearly
  probabilities of dying and of moving out at each age (constant between birthdays), inverted
  from one keyed uniform; a second says which it was, in proportion to the two hazards (the
  law of two independent clocks): ``exit`` day, ``exit_kind``.
* **Moves in.** Each inhabitant present on day 0 stands for a share of the commune's homes:
  each year it draws a Poisson number of arrivals at the commune's in-migration rate, keyed by
  (inhabitant, year); an arrival is a new person keyed by (inhabitant, year, rank) with its own
  day, age, sex, chronic conditions and birthday. So one more inhabitant adds only its own
  arrivals.
* **Births.** Each woman draws, each year she lives there, a Poisson number of births at the
  fertility of her age, keyed by (mother, year); a child is a new person keyed by (mother,
  year, rank), aged 0 on its birth day. Children born during a run stay under 16 (runs are at
  most 16 years), so they have no children themselves.
* **Chronic conditions (ALD).** A person has an ALD at an age when their keyed uniform is below
  the ALD share of their age band (``ald_bands`` holds one bit per band): a person may acquire
  an ALD on the birthday that takes them into an older band.

The people who arrive are appended to the arrays of the people present on day 0: the arrays
are allocated once, at their final size, before the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from accesssim.model import keyed
from accesssim.model.kernel import prefetch

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.params import PopulationParams

__all__ = [
    "DEATH",
    "LIVES",
    "MOVE",
    "YEAR",
    "Lives",
    "age_on",
    "band_of",
    "exits",
    "expected_rates",
    "within_band_weights",
]

YEAR = 365
"""Days of a model year (birthdays, yearly draws and measurement years)."""
LIVES, DEATH, MOVE = 0, 1, 2
"""``exit_kind``: still there at the horizon, died, moved out."""
THERE, MOVED_IN, BORN = 0, 1, 2
"""``arrival``: there on day 0, moved in, born."""
NEVER = np.iinfo(np.int32).max
_ARRIVAL = np.uint64(0x4152524956414C00)  # tags of derived keys ("ARRIVAL", "BIRTH")
_BIRTH = np.uint64(0x4249525448000000)
SEX_RATIO_FEMALE = 100.0 / 205.0
"""Share of girls at birth: 105 boys per 100 girls (INSEE)."""


@dataclass
class Lives:
    """The life events of every person (index = person id), known in advance."""

    age0: np.ndarray  # int16: age on day 0 (negative for people born later)
    bday: np.ndarray  # int16: first birthday day, in [1, 365]
    ald_bands: np.ndarray  # uint8: bit b set when the person has an ALD in band b
    entry: np.ndarray  # int32: first day present (0 for people there on day 0)
    exit: np.ndarray  # int32: first day gone (NEVER when still there at the horizon)
    exit_kind: np.ndarray  # uint8: LIVES, DEATH or MOVE
    origin: np.ndarray  # int32: person whose draw brought them (mother, home), -1 on day 0
    arrival: np.ndarray  # uint8: THERE (day 0), MOVED_IN or BORN


@njit(cache=True)
def n_birthdays(day, bday):
    """Birthdays in ``[0, day]`` of a person whose first birthday is ``bday``."""
    if day < bday:
        return 0
    return (day - bday) // YEAR + 1


@njit(cache=True)
def age_on(age0, bday, day):
    """Age (years) on ``day``."""
    return age0 + n_birthdays(day, bday)


@njit(cache=True)
def band_of(age, bounds):
    """Age band of ``age`` (``bounds``: first age of bands 1, 2, 3)."""
    b = 0
    for i in range(bounds.shape[0]):
        if age >= bounds[i]:
            b = i + 1
    return b


def within_band_weights(age_bounds: tuple[tuple[int, int], ...], death_q: np.ndarray) -> list:
    """For each band, the weights of its ages: the survivors to each age under ``death_q``
    (a stationary population within the band), summing to 1."""
    surv = np.concatenate([[1.0], np.cumprod(1.0 - np.minimum(death_q, 1.0))])
    out = []
    for lo, hi in age_bounds:
        w = surv[lo : hi + 1].copy()
        if w.sum() <= 0:
            w = np.ones(hi - lo + 1)
        out.append(w / w.sum())
    return out


def age_density(pop: PopulationParams) -> np.ndarray:
    """Expected share of the population at each age on day 0 (float64 [MAX_AGE + 1])."""
    n = pop.death_q.size
    dens = np.zeros(n)
    shares = np.asarray(pop.age_shares, dtype=float)
    shares = shares / shares.sum()
    for b, ((lo, hi), w) in enumerate(
        zip(pop.age_bounds, within_band_weights(pop.age_bounds, pop.death_q), strict=True)
    ):
        dens[lo : hi + 1] += shares[b] * w
    return dens


def _over_the_year(q: np.ndarray) -> np.ndarray:
    """A yearly probability by age averaged over a year of ageing (a person of age ``a`` on
    day 0 spends about half the year at ``a + 1``)."""
    return 0.5 * (q + np.append(q[1:], q[-1]))


def expected_rates(pop: PopulationParams) -> dict[str, float]:
    """Expected births, deaths and moves out per inhabitant in the first year, from the
    scenario's age structure (no draw: one more inhabitant never changes them)."""
    dens = age_density(pop)
    return {
        "births": float(pop.female_share * (dens * pop.fertility).sum()),
        "deaths": float((dens * _over_the_year(pop.death_q)).sum()),
        "moves_out": float((dens * _over_the_year(pop.out_q)).sum()),
    }


def in_migration_rates(pop: PopulationParams) -> np.ndarray:
    """Arrivals per inhabitant per year, by commune: the given rate, or the one that makes the
    commune grow by its growth rate in the first year (arrivals come through the year, so
    about half a year of their own deaths and moves out is made up too)."""
    if pop.in_migration is not None:
        return np.full(pop.growth.size, float(pop.in_migration))
    r = expected_rates(pop)
    cdf = migrant_age_cdf(pop)
    mig = np.diff(np.concatenate([[0.0], cdf]))
    leave = float((mig * (pop.death_q + pop.out_q)).sum())
    need = pop.growth + r["deaths"] + r["moves_out"] - r["births"]
    return np.maximum(need / max(1.0 - 0.5 * leave, 0.5), 0.0)


def migrant_age_cdf(pop: PopulationParams) -> np.ndarray:
    """Cumulative distribution of the age of arrivals: people who move look like those who
    move out (age structure x out-migration profile)."""
    dens = age_density(pop)
    w = dens * pop.out_q
    if w.sum() <= 0:
        w = dens
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


# -- exits ---------------------------------------------------------------------------------


@njit(cache=True)
def _clock(u, age0, bday, entry, horizon, q1, q2):
    """First day (from ``entry``) on which a person leaves, and why (1: ``q1``, 2: ``q2``), or
    (NEVER, 0) before ``horizon``: one clock whose hazard is the sum of the two yearly
    probabilities at each age (constant between birthdays), inverted from ``u[0]``; ``u[1]``
    picks the cause in proportion to the two hazards at that age (the law of two independent
    clocks, at half the work)."""
    target = -np.log1p(-u[0])
    t = float(entry)
    top = q1.shape[0] - 1
    while t < horizon:
        d = int(t)
        nb = n_birthdays(d, bday)
        a = min(max(age0 + nb, 0), top)
        nxt = float(bday + nb * YEAR)  # the next birthday after day d
        if nxt <= t:
            nxt = t + YEAR
        qa, qb = q1[a], q2[a]
        if qa >= 1.0 or qb >= 1.0:
            return d, 1 if qa >= 1.0 else 2
        ha = -np.log1p(-qa) / YEAR  # per day
        hb = -np.log1p(-qb) / YEAR
        h = ha + hb
        if h > 0.0:
            need = target / h
            if t + need < nxt:
                day = int(t + need)
                if day >= horizon:
                    return NEVER, 0
                return day, 1 if u[1] * h < ha else 2
            target -= (nxt - t) * h
        t = nxt
    return NEVER, 0


@njit(cache=True, parallel=True)
def exits(keys, age0, bday, entry, horizon, death_q, out_q, stream, out_day, out_kind):
    """Exit day and kind (DEATH, MOVE, or LIVES) of every person, keyed by the person."""
    n = keys.shape[0]
    for p in prange(n):
        u = np.empty(2)
        u[0] = keyed.uniform(stream, keys[p], 0)
        u[1] = keyed.uniform(stream, keys[p], 1)
        day, why = _clock(u, age0[p], bday[p], entry[p], horizon, death_q, out_q)
        out_day[p] = day
        out_kind[p] = LIVES if why == 0 else (DEATH if why == 1 else MOVE)


# -- arrivals and births -------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _arrival_counts(keys, rate, years, stream, counts):
    """Arrivals brought by each inhabitant of day 0 over ``years`` years (Poisson per year)."""
    n = keys.shape[0]
    for p in prange(n):
        m = rate[p]
        c = 0
        if m > 0.0:
            for y in range(years):
                c += keyed.poisson(m, keyed.key(stream, keys[p], y))
        counts[p] = c


@njit(cache=True)
def _arrivals_fill(keys, rate, years, stream, day_stream, offsets, out_key, out_day, out_origin):
    """Key, arrival day and inhabitant of origin of every arrival."""
    n = keys.shape[0]
    for p in range(n):
        m = rate[p]
        if m <= 0.0 or offsets[p + 1] == offsets[p]:
            continue
        i = offsets[p]
        for y in range(years):
            c = keyed.poisson(m, keyed.key(stream, keys[p], y))
            base = keyed.combine(keys[p], _ARRIVAL + np.uint64(y))
            for j in range(c):
                k = keyed.combine(base, j)
                out_key[i] = k
                out_day[i] = y * YEAR + int(keyed.uniform(day_stream, k, 0) * YEAR)
                out_origin[i] = p
                i += 1


@njit(cache=True)
def _births(keys, female, age0, bday, entry, exit_, fert, years, horizon, stream, day_stream,
            count_only, out_key, out_day, out_origin):  # fmt: skip
    """Births of every woman, year by year over her presence (Poisson at the fertility of her
    age at the start of the year); returns how many (and fills the outputs unless
    ``count_only``)."""
    top = fert.shape[0] - 1
    i = 0
    for p in range(keys.shape[0]):
        if not female[p]:
            continue
        for y in range(years):
            lo = max(entry[p], y * YEAR)
            hi = min(exit_[p], (y + 1) * YEAR, horizon)
            if hi <= lo:
                continue
            a = age0[p] + n_birthdays(y * YEAR, bday[p])
            if a < 0 or a > top:
                continue
            f = fert[a]
            if f <= 0.0:
                continue
            c = keyed.poisson(f * (hi - lo) / YEAR, keyed.key(stream, keys[p], y))
            if c == 0:
                continue
            base = keyed.combine(keys[p], _BIRTH + np.uint64(y))
            for j in range(c):
                if not count_only:
                    k = keyed.combine(base, j)
                    out_key[i] = k
                    out_day[i] = lo + int(keyed.uniform(day_stream, k, 0) * (hi - lo))
                    out_origin[i] = p
                i += 1
    return i


def arrivals(
    keys: np.ndarray, rate: np.ndarray, years: int, stream: np.uint64, day_stream: np.uint64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(key, day, origin)`` of the arrivals brought by the inhabitants of day 0."""
    counts = np.zeros(keys.size, dtype=np.int64)
    with np.errstate(**keyed.WRAP):
        _arrival_counts(keys, rate, years, stream, counts)
        offsets = np.zeros(keys.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        total = int(offsets[-1])
        out = (np.empty(total, np.uint64), np.empty(total, np.int32), np.empty(total, np.int32))
        _arrivals_fill(keys, rate, years, stream, day_stream, offsets, *out)
    return out


def births(
    keys: np.ndarray,
    female: np.ndarray,
    age0: np.ndarray,
    bday: np.ndarray,
    entry: np.ndarray,
    exit_: np.ndarray,
    fertility: np.ndarray,
    horizon: int,
    stream: np.uint64,
    day_stream: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(key, day, mother)`` of every birth before the horizon."""
    years = math.ceil(horizon / YEAR)
    none = (np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    args = (keys, female, age0, bday, entry, exit_, fertility, years, horizon, stream, day_stream)
    with np.errstate(**keyed.WRAP):
        total = _births(*args, True, *none)
        out = (np.empty(total, np.uint64), np.empty(total, np.int32), np.empty(total, np.int32))
        _births(*args, False, *out)
    return out


# -- during the run: one day's events -----------------------------------------------------

C_PRESENT, C_ADULTS, C_ADULTS_ALD, C_BAND0 = 0, 1, 2, 3
C_ADULT_KEPT_MT, C_ADULT_LOST_MT = 7, 8
CENSUS_SIZE = 9
"""Running counts (``census``): people present, adults, adults with an ALD, people of each
band, then people turning 16 who kept or lost their MT (a full list)."""


def by_day(day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the people whose event falls on each day ``0 .. n_days - 1`` (others dropped):
    ``(ptr [n_days + 1], people)``."""
    return _by_day(day, n_days)


@njit(cache=True, nogil=True)
def _by_day(day, n_days):
    """:func:`by_day` as a counting sort: each day's people in increasing order (what a stable
    sort of the days gives), in two passes over ``day``."""
    ptr = np.zeros(n_days + 1, dtype=np.int64)
    for i in range(day.shape[0]):
        d = day[i]
        if 0 <= d < n_days:
            ptr[d + 1] += 1
    for d in range(n_days):
        ptr[d + 1] += ptr[d]
    pos = ptr[:-1].copy()
    order = np.empty(ptr[n_days], dtype=np.int32)
    for i in range(day.shape[0]):
        d = day[i]
        if 0 <= d < n_days:
            order[pos[d]] = i
            pos[d] += 1
    return ptr, order


@njit(cache=True, nogil=True)
def _count(p, sign, age, band, ald, census):
    census[C_PRESENT] += sign
    census[C_BAND0 + band[p]] += sign
    if age[p] >= 16:
        census[C_ADULTS] += sign
        if ald[p]:
            census[C_ADULTS_ALD] += sign


PF_BIRTHDAY = 16
"""How many birthdays ahead :func:`apply_day` asks for a person's attributes (a hint)."""


@njit(cache=True, nogil=True)
def apply_day(day, entries, exits_, birthdays, lives, bounds, people, gps, census):
    """Apply the life events of ``day``: people leaving (their place on an active MT's list is
    freed), people arriving (present, no MT), birthdays of people present (age, band, ALD; at
    16 a child's MT counts them on its list if it has room, else they lose it).

    ``entries``, ``exits_``: (ptr by day, people); ``birthdays``: (ptr by birthday in
    [0, 365), people); ``lives``: (age0, bday, ald_bands); ``people``: (age, band, ald,
    present, mt); ``gps``: (active, cap_eff, list_size, list_ald).
    """
    age0, bday, ald_bands = lives
    age, band, ald, present, mt = people
    active, cap_eff, list_size, list_ald = gps
    ptr, ids = exits_
    for i in range(ptr[day], ptr[day + 1]):
        p = ids[i]
        if present[p] == 0:
            continue
        m = mt[p]
        if m >= 0 and active[m] and age[p] >= 16:
            list_size[m] -= 1
            if ald[p]:
                list_ald[m] -= 1
        mt[p] = -1
        _count(p, -1, age, band, ald, census)
        present[p] = 0
    ptr, ids = entries
    for i in range(ptr[day], ptr[day + 1]):
        p = ids[i]
        if present[p] == 1:
            continue
        a = max(age0[p] + n_birthdays(day, bday[p]), 0)
        age[p] = a
        b = band_of(a, bounds)
        band[p] = b
        ald[p] = (ald_bands[p] >> b) & 1
        present[p] = 1
        _count(p, 1, age, band, ald, census)
    if day == 0:
        return
    ptr, ids = birthdays
    d = day % YEAR
    end = ptr[d + 1]
    for i in range(ptr[d], end):
        if i + PF_BIRTHDAY < end:  # prefetch hints (no effect on results)
            q = ids[i + PF_BIRTHDAY]
            prefetch(present, q)
            prefetch(age0, q)
            prefetch(bday, q)
            prefetch(band, q)
            prefetch(age, q)
        p = ids[i]
        if present[p] == 0:
            continue
        a = age0[p] + n_birthdays(day, bday[p])
        if a < 0:
            continue
        b = band_of(a, bounds)
        if b == band[p]:  # the same band: the same ALD status and adulthood (16 opens a band)
            age[p] = min(a, 255)
            continue
        _count(p, -1, age, band, ald, census)
        was_adult = age[p] >= 16
        was_ald = ald[p]
        age[p] = min(a, 255)
        band[p] = b
        now_ald = (ald_bands[p] >> b) & 1 == 1
        ald[p] = now_ald
        _count(p, 1, age, band, ald, census)
        m = mt[p]
        if m < 0:
            continue
        if not active[m]:
            mt[p] = -1
            continue
        if not was_adult and a >= 16:
            if list_size[m] < cap_eff[m]:
                list_size[m] += 1
                if now_ald:
                    list_ald[m] += 1
                census[C_ADULT_KEPT_MT] += 1
            else:
                mt[p] = -1
                census[C_ADULT_LOST_MT] += 1
        elif was_adult and was_ald != now_ald:
            list_ald[m] += 1 if now_ald else -1


@njit(cache=True, nogil=True)
def clear_departed(mt, active):
    """Forget the MT of people whose MT no longer practises; returns how many."""
    n = 0
    for p in range(mt.shape[0]):
        m = mt[p]
        if m >= 0 and not active[m]:
            mt[p] = -1
            n += 1
    return n
