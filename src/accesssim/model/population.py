"""The inhabitants as numpy arrays, and the spatial candidate lists of GPs.

People are never Python objects: ``age`` (years, uint8), ``band`` (age band, uint8), ``ald``
and ``female`` (bool), ``commune`` (int32) and ``mt`` (declared GP id, int32, -1 for none).
The population is demographically stationary: whoever moves out or dies is replaced, in the
same array slot, by a newcomer of the same age, sex, ALD status and commune who has no MT.
So the demand groups (age band x ALD) never change and sampling a requester is O(1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from accesssim.model.params import RunParams
from accesssim.model.records import Candidates
from accesssim.rng import Streams

__all__ = ["Population", "build_candidates", "build_population"]

N_BANDS = 4
ADULT_MIN_AGE = 16


@dataclass
class Population:
    """Inhabitants and their demand groups."""

    n: int
    age: np.ndarray  # uint8 [n], years
    band: np.ndarray  # uint8 [n]
    ald: np.ndarray  # bool [n]
    female: np.ndarray  # bool [n]
    commune: np.ndarray  # int32 [n]
    mt: np.ndarray  # int32 [n], -1 = no declared GP
    group_members: np.ndarray  # int32 [n], people sorted by group (band * 2 + ald)
    group_ptr: np.ndarray  # int64 [9], CSR offsets of the 8 groups
    commune_population: np.ndarray  # int64 [n_communes]

    @property
    def adult(self) -> np.ndarray:
        return self.age >= ADULT_MIN_AGE

    def group_sizes(self) -> np.ndarray:
        return np.diff(self.group_ptr)


def build_population(params: RunParams, streams: Streams) -> Population:
    """Draw the inhabitants (age, sex, ALD) commune by commune; MTs are assigned later."""
    pop = params.population
    sizes = params.territory.commune_population
    n = int(sizes.sum())
    rng = streams["population"]
    commune = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    shares = np.array(pop.age_shares)
    band = rng.choice(N_BANDS, size=n, p=shares / shares.sum()).astype(np.uint8)
    # Age uniform within the band: lo + floor(u * (hi - lo + 1)), computed in place in float64
    # (the bounds are small whole numbers, exact in float64).
    lo = np.array([b[0] for b in pop.age_bounds], dtype=np.float64)
    hi = np.array([b[1] for b in pop.age_bounds], dtype=np.float64)
    age_f = rng.random(n)
    age_f *= (hi - lo + 1)[band]
    np.floor(age_f, out=age_f)
    age_f += lo[band]
    age = age_f.astype(np.uint8)
    del age_f
    female = rng.random(n) < pop.female_share
    ald_share = np.array(pop.ald_share)
    ald = rng.random(n) < ald_share[band]
    group = band * np.uint8(2) + ald.view(np.uint8)  # uint8, 0..7
    # A stable sort has one result; on uint8 keys numpy uses a radix sort (fast at 8 M people).
    members = np.argsort(group, kind="stable").astype(np.int32)
    ptr = np.zeros(2 * N_BANDS + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(group, minlength=2 * N_BANDS))
    return Population(
        n=n,
        age=age,
        band=band,
        ald=ald,
        female=female,
        commune=commune,
        mt=np.full(n, -1, dtype=np.int32),
        group_members=members,
        group_ptr=ptr,
        commune_population=sizes,
    )


def build_candidates(
    commune_xy: np.ndarray,
    gp_commune: np.ndarray,
    eligible: np.ndarray,
    k: int,
    decay_km: float,
    rng: np.random.Generator,
) -> Candidates:
    """For every commune: every eligible GP of the commune itself, then the nearest others.

    The list holds at least ``k`` GPs (when there are that many), all those practising in the
    commune, ordered by distance; ties (same commune) are put in a random order so that no GP
    is favoured by its index. Weights are ``exp(-distance / decay_km)``.
    """
    n_c = commune_xy.shape[0]
    ids = np.flatnonzero(eligible).astype(np.int32)
    ptr = np.zeros(n_c + 1, dtype=np.int64)
    if ids.size == 0:
        return Candidates(ptr=ptr, gp=np.zeros(0, np.int32), cumw=np.zeros(0))
    gp_xy = commune_xy[gp_commune[ids]]
    tie = rng.random(ids.size)
    same = np.bincount(gp_commune[ids], minlength=n_c)
    kk = min(k, ids.size)
    tree = cKDTree(gp_xy)
    lists: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    # Query enough neighbours to include every GP of the commune itself.
    want = np.minimum(np.maximum(kk, same), ids.size)
    for q in np.unique(want):
        rows = np.flatnonzero(want == q)
        dist, idx = tree.query(commune_xy[rows], k=int(q))
        dist = np.asarray(dist).reshape(rows.size, -1)
        idx = np.asarray(idx).reshape(rows.size, -1)
        for r, c in enumerate(rows):
            d = np.round(dist[r], 6)
            order = np.lexsort((tie[idx[r]], d))
            lists.append((c, ids[idx[r][order]], np.exp(-d[order] / decay_km)))
    lists.sort(key=lambda t: t[0])
    gp_out = []
    for c, gps, w in lists:
        ptr[c + 1] = gps.size
        gp_out.append(gps)
        weights.append(np.cumsum(w))
    np.cumsum(ptr, out=ptr)
    return Candidates(
        ptr=ptr,
        gp=np.concatenate(gp_out).astype(np.int32),
        cumw=np.concatenate(weights).astype(np.float64),
    )
