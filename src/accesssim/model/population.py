"""The inhabitants as numpy arrays, and the spatial candidate lists of GPs.

People are never Python objects: ``age`` (years, uint8), ``band`` (age band, uint8), ``ald``
and ``female`` (bool), ``commune`` (int32), ``mt`` (declared GP id, int32, -1 for none) and
``key`` (uint64), which identifies a person for every draw that belongs to them: their
commune's INSEE code and their rank in it. A person's attributes and requests are
counter-based draws keyed by it (:mod:`accesssim.model.keyed`), so a commune with one more
inhabitant has one more person and every other person is unchanged.
The population is demographically stationary: whoever moves out or dies is replaced, in the
same array slot, by a newcomer of the same age, sex, ALD status and commune who has no MT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from accesssim.model import keyed
from accesssim.model.records import Candidates
from accesssim.rng import Streams, text_keys

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.params import RunParams

__all__ = ["Population", "build_candidates", "build_population", "person_keys"]

N_BANDS = 4
ADULT_MIN_AGE = 16


@dataclass
class Population:
    """Inhabitants (index = person id)."""

    n: int
    key: np.ndarray  # uint64 [n]: identifies the person for keyed draws
    age: np.ndarray  # uint8 [n], years
    band: np.ndarray  # uint8 [n]
    ald: np.ndarray  # bool [n]
    female: np.ndarray  # bool [n]
    commune: np.ndarray  # int32 [n]
    mt: np.ndarray  # int32 [n], -1 = no declared GP
    commune_population: np.ndarray  # int64 [n_communes]

    @property
    def adult(self) -> np.ndarray:
        return self.age >= ADULT_MIN_AGE

    @property
    def group(self) -> np.ndarray:
        """Demand group of each person: ``band * 2 + ald`` (uint8, 0..7)."""
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


def build_population(params: RunParams, streams: Streams) -> Population:
    """Draw the inhabitants (age, sex, ALD) commune by commune; MTs are assigned later.

    Each attribute is a draw keyed by the person (stream ``population.<attribute>``).
    """
    pop = params.population
    sizes = params.territory.commune_population
    n = int(sizes.sum())
    commune = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    keys = person_keys(_commune_keys(params), sizes.astype(np.int64))
    shares = np.array(pop.age_shares, dtype=np.float64)
    cum = np.cumsum(shares / shares.sum())
    u = keyed.uniforms(streams.key("population.band"), keys, 0)
    band = np.minimum(np.searchsorted(cum, u, side="right"), N_BANDS - 1).astype(np.uint8)
    # Age uniform within the band: lo + floor(u * (hi - lo + 1)).
    lo = np.array([b[0] for b in pop.age_bounds], dtype=np.float64)
    hi = np.array([b[1] for b in pop.age_bounds], dtype=np.float64)
    u = keyed.uniforms(streams.key("population.age"), keys, 0)
    u *= (hi - lo + 1)[band]
    np.floor(u, out=u)
    u += lo[band]
    age = u.astype(np.uint8)
    female = keyed.uniforms(streams.key("population.female"), keys, 0) < pop.female_share
    ald_share = np.array(pop.ald_share)
    ald = keyed.uniforms(streams.key("population.ald"), keys, 0) < ald_share[band]
    return Population(
        n=n,
        key=keys,
        age=age,
        band=band,
        ald=ald,
        female=female,
        commune=commune,
        mt=np.full(n, -1, dtype=np.int32),
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
