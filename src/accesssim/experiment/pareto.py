"""Pareto dominance, crowding distance and hypervolume, on plain numpy arrays.

Every function here takes objective values as an ``(n points, m objectives)`` array in which
**lower is better** for every objective (multiply a "maximise" objective by -1 first). They
are small, exact and deterministic (ties are broken by row order); they serve the optimiser
(:mod:`accesssim.experiment.optimise`) and its validation tests.

References: Deb, Pratap, Agarwal & Meyarivan (2002), "A fast and elitist multiobjective genetic
algorithm: NSGA-II", IEEE Trans. Evol. Comput. 6(2), 182-197 (crowding distance); While,
Hingston, Barone & Huband (2006), "A faster algorithm for calculating hypervolume", IEEE Trans.
Evol. Comput. 10(1), 29-38 (hypervolume by slicing objectives, HSO).
"""

from __future__ import annotations

import numpy as np

__all__ = ["crowding_distance", "dominates", "hypervolume", "nondominated"]


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` Pareto-dominates ``b`` (no worse everywhere, better somewhere; minimising)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return bool(np.all(a <= b) and np.any(a < b))


def nondominated(F: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of ``F`` that no other row dominates (minimising).

    Rows with a NaN are never on the front. Duplicated rows are all kept.
    """
    F = np.asarray(F, dtype=float)
    n = F.shape[0]
    ok = ~np.isnan(F).any(axis=1) if F.size else np.ones(n, dtype=bool)
    keep = ok.copy()
    for i in np.flatnonzero(ok):
        others = F[ok]
        le = np.all(others <= F[i], axis=1)
        lt = np.any(others < F[i], axis=1)
        if np.any(le & lt):
            keep[i] = False
    return keep


def crowding_distance(F: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each row (Deb et al. 2002); the extremes get ``inf``."""
    F = np.asarray(F, dtype=float)
    n, m = F.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(m):
        order = np.argsort(F[:, j], kind="stable")
        col = F[order, j]
        span = col[-1] - col[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span <= 0:
            continue
        dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


def _hv2(F: np.ndarray, ref: np.ndarray) -> float:
    F = F[np.lexsort((F[:, 1], F[:, 0]))]
    total, best = 0.0, float(ref[1])
    for f1, f2 in F:
        if f2 < best:
            total += (float(ref[0]) - f1) * (best - f2)
            best = f2
    return total


def _hso(F: np.ndarray, ref: np.ndarray) -> float:
    m = F.shape[1]
    if F.shape[0] == 0:
        return 0.0
    if m == 1:
        return float(ref[0] - F[:, 0].min())
    if m == 2:
        return _hv2(F, ref)
    # Slice along the last objective: between consecutive values, the points below the slice
    # dominate an (m-1)-dimensional volume.
    order = np.argsort(F[:, -1], kind="stable")
    F = F[order]
    total = 0.0
    for i in range(F.shape[0]):
        upper = F[i + 1, -1] if i + 1 < F.shape[0] else ref[-1]
        depth = float(upper - F[i, -1])
        if depth <= 0:
            continue
        below = F[: i + 1, :-1]
        below = below[nondominated(below)]
        total += depth * _hso(below, ref[:-1])
    return total


def hypervolume(F: np.ndarray, ref: np.ndarray | list[float]) -> float:
    """Volume of objective space dominated by the rows of ``F`` and bounded by ``ref``.

    Minimising every objective; rows not strictly better than ``ref`` in every objective
    add nothing. Exact (slicing objectives, While et al. 2006): meant for the fronts of
    this package (tens of points, a handful of objectives).
    """
    F = np.asarray(F, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if F.ndim != 2 or F.shape[1] != ref.size:
        raise ValueError("F must be (points, objectives) with one reference value per objective")
    F = F[~np.isnan(F).any(axis=1)]
    F = F[np.all(ref > F, axis=1)]
    if F.shape[0] == 0:
        return 0.0
    F = np.unique(F[nondominated(F)], axis=0)
    return float(_hso(F, ref))
