"""The inhabitants as numpy arrays, and the spatial candidate lists of GPs.

People are never Python objects: ``age`` (years, uint8), ``band`` (age band, uint8), ``ald``
and ``female`` (bool), ``commune`` (int32), ``mt`` (declared GP id, int32, -1 for none),
``present`` (uint8: lives in the territory today) and ``key`` (uint64), which identifies a
person for every draw that belongs to them: for the people there on day 0, their commune's INSEE
code and their rank in it; for people who arrive (births, moves in), the person whose draw
brought them, the year and a rank (:mod:`accesssim.model.demography`). A person's attributes,
life events and requests are counter-based draws keyed by it (:mod:`accesssim.model.keyed`),
so a commune with one more inhabitant has one more person (and their own arrivals) and every
other person is unchanged.

``age``, ``band``, ``ald``, ``present`` and ``mt`` change during a run (birthdays, arrivals,
deaths, moves, enrolments); everything else, and the life events in ``lives``, is fixed when
the run is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from accesssim.model import demography as D
from accesssim.model import keyed
from accesssim.model.records import Candidates
from accesssim.rng import Streams, text_keys

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.params import RunParams

__all__ = ["Population", "band_bounds", "build_candidates", "build_population", "person_keys"]

N_BANDS = 4
ADULT_MIN_AGE = 16


@dataclass
class Population:
    """Inhabitants (index = person id): those there on day 0 (``0 .. n0 - 1``, communes in
    order), then everyone who arrives before the horizon."""

    n: int
    n0: int  # people there on day 0
    key: np.ndarray  # uint64 [n]: identifies the person for keyed draws
    age: np.ndarray  # uint8 [n], years, today
    band: np.ndarray  # uint8 [n], today
    ald: np.ndarray  # bool [n], today
    female: np.ndarray  # bool [n]
    commune: np.ndarray  # int32 [n]
    mt: np.ndarray  # int32 [n], -1 = no declared GP
    present: np.ndarray  # uint8 [n]: lives in the territory today
    lives: D.Lives  # life events, fixed
    commune_population: np.ndarray  # int64 [n_communes], on day 0

    @property
    def adult(self) -> np.ndarray:
        """Adults (16+) living in the territory today."""
        return (self.age >= ADULT_MIN_AGE) & (self.present == 1)

    @property
    def group(self) -> np.ndarray:
        """Demand group of each person today: ``band * 2 + ald`` (uint8, 0..7)."""
        return self.band * np.uint8(2) + self.ald.view(np.uint8)


@njit(cache=True)
def person_keys(commune_keys: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The key of every person: ``combine(commune key, rank in the commune)``, communes in
    order (person ids are consecutive within a commune)."""
    out = np.empty(sizes.sum(), dtype=np.uint64)
    i = 0
    for c in range(sizes.shape[0]):
        for r in range(sizes[c]):
            out[i] = keyed.combine(commune_keys[c], r)
            i += 1
    return out


def _commune_keys(params: RunParams) -> np.ndarray:
    ter = params.territory
    codes = list(ter.insee) if ter.insee else [""]
    return text_keys([f"commune:{c}" for c in codes])


def band_bounds(params: RunParams) -> np.ndarray:
    """First age of bands 1, 2, 3 (int64 [3])."""
    return np.array([b[0] for b in params.population.age_bounds[1:]], dtype=np.int64)


@njit(cache=True)
def _bands_and_ages(u_band, u_age, cum, cdf, lo, sizes, band, age):
    """Band (inverse of the cumulative shares ``cum`` at ``u_band``) and age within it (inverse
    of the band's cumulative weights ``cdf[band]`` at ``u_age``) of every person."""
    nb = cum.shape[0]
    for i in range(u_band.shape[0]):
        b = 0
        while b < nb - 1 and u_band[i] >= cum[b]:
            b += 1
        j = 0
        while j < sizes[b] - 1 and u_age[i] >= cdf[b, j]:
            j += 1
        band[i] = b
        age[i] = lo[b] + j


@njit(cache=True)
def _bands_of(age, bounds):
    """The band of every age (``bounds``: first age of bands 1, 2, 3)."""
    out = np.empty(age.shape[0], dtype=np.uint8)
    for i in range(age.shape[0]):
        out[i] = D.band_of(age[i], bounds)
    return out


def _ald_bits(u: np.ndarray, ald_share: np.ndarray) -> np.ndarray:
    """Bit b set where the person's ALD uniform is below the ALD share of band b."""
    bits = np.zeros(u.size, dtype=np.uint8)
    for b, share in enumerate(ald_share):
        bits |= (u < share).astype(np.uint8) << np.uint8(b)
    return bits


def _attributes(
    streams: Streams, keys: np.ndarray, pop: RunParams, female_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sex, ALD bits and first birthday of people ``keys`` (keyed draws)."""
    popu = pop.population
    female = keyed.uniforms(streams.key("population.female"), keys, 0) < female_share
    ald = _ald_bits(
        keyed.uniforms(streams.key("population.ald"), keys, 0), np.array(popu.ald_share)
    )
    bday = np.floor(keyed.uniforms(streams.key("population.birthday"), keys, 0) * D.YEAR)
    return female, ald, (np.minimum(bday, D.YEAR - 1) + 1).astype(np.int16)


def build_population(params: RunParams, streams: Streams, horizon: int | None = None) -> Population:
    """Draw the inhabitants of day 0 (age, sex, ALD, birthday) commune by commune, then every
    arrival (moves in, births) and every departure (deaths, moves out) before ``horizon``
    (default: the scenario's); MTs are assigned later.

    Each attribute is a draw keyed by the person (stream ``population.<attribute>``).
    """
    pop = params.population
    horizon = params.calendar.horizon_days if horizon is None else horizon
    bounds = band_bounds(params)
    sizes = params.territory.commune_population
    n0 = int(sizes.sum())
    commune0 = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    keys0 = person_keys(_commune_keys(params), sizes.astype(np.int64))
    shares = np.array(pop.age_shares, dtype=np.float64)
    cum = np.cumsum(shares / shares.sum())
    # Age within the band: the survivors to each age of the band (stationary within it).
    weights = D.within_band_weights(pop.age_bounds, pop.death_q)
    width = max(w.size for w in weights)
    cdf = np.ones((N_BANDS, width))
    for b, w in enumerate(weights):
        cw = np.cumsum(w)
        cdf[b, : w.size] = cw / cw[-1]
    lo = np.array([bounds[0] for bounds in pop.age_bounds], dtype=np.int64)
    sizes_b = np.array([w.size for w in weights], dtype=np.int64)
    band0 = np.empty(n0, dtype=np.uint8)
    age_0 = np.empty(n0, dtype=np.int16)
    _bands_and_ages(
        keyed.uniforms(streams.key("population.band"), keys0, 0),
        keyed.uniforms(streams.key("population.age"), keys0, 0),
        cum, cdf, lo, sizes_b, band0, age_0,
    )  # fmt: skip
    female0, ald0, bday0 = _attributes(streams, keys0, params, pop.female_share)

    # Moves in: each inhabitant of day 0 draws its arrivals year by year.
    years = math.ceil(horizon / D.YEAR)
    rate = D.in_migration_rates(pop)[commune0]
    akey, aday, aorig = D.arrivals(
        keys0,
        rate,
        years,
        streams.key("population.arrivals"),
        streams.key("population.arrival.day"),
    )
    keep = aday < horizon
    akey, aday, aorig = akey[keep], aday[keep], aorig[keep]
    afemale, aald, abday = _attributes(streams, akey, params, pop.female_share)
    acdf = D.migrant_age_cdf(pop)
    aage = np.minimum(
        np.searchsorted(acdf, keyed.uniforms(streams.key("population.arrival.age"), akey, 0),
                        side="right"),
        acdf.size - 1,
    )  # fmt: skip
    nb = np.where(aday >= abday, (aday - abday) // D.YEAR + 1, 0)
    aage0 = (aage - nb).astype(np.int16)

    def exits_of(keys, age0, bday, entry):
        day = np.empty(keys.size, dtype=np.int32)
        kind = np.empty(keys.size, dtype=np.uint8)
        with np.errstate(**keyed.WRAP):
            stream = streams.key("population.exit")
            D.exits(keys, age0, bday, entry, horizon, pop.death_q, pop.out_q, stream, day, kind)
        return day, kind

    keys1 = np.concatenate([keys0, akey])
    age1 = np.concatenate([age_0, aage0])
    bday1 = np.concatenate([bday0, abday])
    entry1 = np.concatenate([np.zeros(n0, np.int32), aday.astype(np.int32)])
    female1 = np.concatenate([female0, afemale])
    exit1, kind1 = exits_of(keys1, age1, bday1, entry1)

    # Births: each woman, each year she lives there.
    bkey, bdayx, bmother = D.births(
        keys1, female1, age1, bday1, entry1, exit1, pop.fertility, horizon,
        streams.key("population.births"), streams.key("population.birth.day"),
    )  # fmt: skip
    with np.errstate(**keyed.WRAP):
        cfemale = keyed.uniforms(streams.key("population.female"), bkey, 0) < D.SEX_RATIO_FEMALE
    _, cald, _ = _attributes(streams, bkey, params, pop.female_share)
    cbday = np.where(bdayx % D.YEAR == 0, D.YEAR, bdayx % D.YEAR).astype(np.int16)
    cage0 = (-((bdayx - cbday) // D.YEAR) - 1).astype(np.int16)
    centry = bdayx.astype(np.int32)
    cexit, ckind = exits_of(bkey, cage0, cbday, centry)

    commune1 = np.concatenate([commune0, commune0[aorig]])
    lives = D.Lives(
        age0=np.concatenate([age1, cage0]),
        bday=np.concatenate([bday1, cbday]),
        ald_bands=np.concatenate([ald0, aald, cald]),
        entry=np.concatenate([entry1, centry]),
        exit=np.concatenate([exit1, cexit]),
        exit_kind=np.concatenate([kind1, ckind]),
        origin=np.concatenate([np.full(n0, -1, np.int32), aorig, bmother]),
        arrival=np.concatenate(
            [
                np.full(n0, D.THERE, np.uint8),
                np.full(akey.size, D.MOVED_IN, np.uint8),
                np.full(bkey.size, D.BORN, np.uint8),
            ]
        ),
    )
    key = np.concatenate([keys1, bkey])
    n = key.size
    age_now = np.maximum(lives.age0, 0).astype(np.uint8)
    band = _bands_of(age_now, bounds)
    ald = ((lives.ald_bands >> band) & 1).astype(bool)
    present = ((lives.entry <= 0) & (lives.exit > 0)).astype(np.uint8)
    return Population(
        n=n,
        n0=n0,
        key=key,
        age=age_now,
        band=band,
        ald=ald,
        female=np.concatenate([female1, cfemale]),
        commune=np.concatenate([commune1, commune1[bmother]]),
        mt=np.full(n, -1, dtype=np.int32),
        present=present,
        lives=lives,
        commune_population=sizes,
    )


def build_candidates(
    commune_xy: np.ndarray,
    gp_commune: np.ndarray,
    eligible: np.ndarray,
    k: int,
    decay_km: float,
    gp_key: np.ndarray,
) -> Candidates:
    """For every commune: every eligible GP of the commune itself, then the nearest others.

    The list holds at least ``k`` GPs (when there are that many), all those practising in the
    commune, ordered by distance, then by GP id (the distance-weighted start of a search among
    them is drawn evenly, :func:`accesssim.model.kernel.race_start`). Weights are
    ``exp(-distance / decay_km)``; consecutive GPs at the same distance form a group
    (``end``: where an entry's group ends; ``key``: the group's key, from its commune); ``gkey``
    is each GP's own key (``gp_key``, mixed).
    """
    n_c = commune_xy.shape[0]
    ids = np.flatnonzero(eligible).astype(np.int32)
    ptr = np.zeros(n_c + 1, dtype=np.int64)
    if ids.size == 0:
        return Candidates(
            ptr=ptr,
            gp=np.zeros(0, np.int32),
            w=np.zeros(0),
            end=np.zeros(0, np.int64),
            key=np.zeros(0, np.uint64),
            gkey=np.zeros(0, np.uint64),
        )
    gp_xy = commune_xy[gp_commune[ids]]
    same = np.bincount(gp_commune[ids], minlength=n_c)
    kk = min(k, ids.size)
    tree = cKDTree(gp_xy)
    lists: list[tuple[int, np.ndarray, np.ndarray]] = []
    # Query enough neighbours to include every GP of the commune itself.
    want = np.minimum(np.maximum(kk, same), ids.size)
    for q in np.unique(want):
        rows = np.flatnonzero(want == q)
        dist, idx = tree.query(commune_xy[rows], k=int(q))
        dist = np.asarray(dist).reshape(rows.size, -1)
        idx = np.asarray(idx).reshape(rows.size, -1)
        for r, c in enumerate(rows):
            d = np.round(dist[r], 6)
            order = np.lexsort((ids[idx[r]], d))
            lists.append((c, ids[idx[r][order]], d[order]))
    lists.sort(key=lambda t: t[0])
    gp_out, weights, ends = [], [], []
    offset = 0
    for c, gps, d in lists:
        ptr[c + 1] = gps.size
        gp_out.append(gps)
        weights.append(np.exp(-d / decay_km))
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        bounds = np.r_[starts, d.size]
        ends.append(offset + np.repeat(bounds[1:], np.diff(bounds)))
        offset += gps.size
    np.cumsum(ptr, out=ptr)
    gp_all = np.concatenate(gp_out).astype(np.int32)
    end = np.concatenate(ends).astype(np.int64)
    # A group's key: its first GP's commune (the GPs of a group share a commune, except for
    # two communes at the very same distance).
    first = np.empty_like(end)
    first[:] = np.arange(end.size)
    for c in range(n_c):
        lo, hi = ptr[c], ptr[c + 1]
        j = lo
        while j < hi:
            first[j : end[j]] = j
            j = end[j]
    group_commune = gp_commune[gp_all[first]].astype(np.uint64)
    return Candidates(
        ptr=ptr,
        gp=gp_all,
        w=np.concatenate(weights).astype(np.float64),
        end=end,
        key=keyed.premix_many(group_commune + np.uint64(0x5DEECE66D)),
        gkey=keyed.premix_many(gp_key[gp_all]),
    )
