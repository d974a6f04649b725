"""PRIM: the Patient Rule Induction Method, for scenario discovery.

Given cases (rows of ``X``, the uncertain inputs) and a 0/1 outcome ``y`` (1: the case of
interest, e.g. "the plan misses its target"), PRIM looks for a box (a range on some inputs)
that holds many cases of interest (*coverage*: share of all cases of interest inside the box)
and few others (*density*: share of the cases inside the box that are of interest). It starts
from the box holding every case and *peels*: at each step it removes the slice of cases (a
share ``peel_alpha`` of those in the box, at the low or high end of one input) whose removal
raises the density most, until fewer than ``mass_min`` of the cases are left. The sequence of
boxes is the *peeling trajectory*: coverage falls as density rises, and the analyst picks a
box on it (Bryant & Lempert 2010). Each box limit comes with a quasi-p-value: the binomial
probability of seeing at least the box's cases of interest if that limit were dropped (the
box's density without it); a large value means the limit is not needed.

This is a short implementation of Friedman & Fisher (1999) peeling, without pasting (Bryant &
Lempert found it rarely changes the boxes), for numeric inputs (categorical inputs enter as
the index of their level); the one maintained Python package, ``PRIM`` (Project-Platypus), is
GPL-3.0 licensed, which this MIT package cannot depend on.

References: Friedman, J. H. & Fisher, N. I. (1999), "Bump hunting in high-dimensional data",
Statistics and Computing 9(2), 123-143. Bryant, B. P. & Lempert, R. J. (2010), "Thinking
inside the box: a participatory, computer-assisted approach to scenario discovery",
Technological Forecasting and Social Change 77(1), 34-49.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

__all__ = ["PrimBox", "PrimResult", "prim"]


@dataclass
class PrimBox:
    """One box of the peeling trajectory."""

    step: int
    low: np.ndarray  # per input; -inf / +inf where the box does not restrict it
    high: np.ndarray
    coverage: float
    density: float
    mass: float
    n: int  # cases in the box
    quasi_p: dict[int, float] = field(default_factory=dict)  # restricted input -> quasi-p

    @property
    def restricted(self) -> list[int]:
        """Inputs the box restricts."""
        return [
            j for j in range(self.low.size) if np.isfinite(self.low[j]) or np.isfinite(self.high[j])
        ]


@dataclass
class PrimResult:
    """The peeling trajectory and the box chosen on it."""

    names: list[str]
    trajectory: list[PrimBox]
    chosen: int  # index in the trajectory
    n_cases: int
    n_interest: int

    @property
    def box(self) -> PrimBox:
        return self.trajectory[self.chosen]


def _inside(X: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.all((low <= X) & (high >= X), axis=1)


def _quasi_p(X: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray) -> dict[int, float]:
    inside = _inside(X, low, high)
    n_in, k_in = int(inside.sum()), int(y[inside].sum())
    out: dict[int, float] = {}
    for j in range(low.size):
        if not (np.isfinite(low[j]) or np.isfinite(high[j])):
            continue
        lo, hi = low.copy(), high.copy()
        lo[j], hi[j] = -np.inf, np.inf
        wider = _inside(X, lo, hi)
        p0 = float(y[wider].mean()) if wider.any() else 0.0
        out[j] = float(stats.binom.sf(k_in - 1, n_in, p0)) if n_in else 1.0
    return out


def prim(
    X: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
    max_quasi_p: float = 0.05,
) -> PrimResult:
    """Peel boxes around the cases of interest (see the module docstring).

    Parameters
    ----------
    X
        Cases x inputs (numbers).
    y
        1 for a case of interest, 0 otherwise.
    names
        Input names.
    peel_alpha
        Share of the box's cases removed at each peel (Friedman & Fisher: 0.05-0.10).
    mass_min
        Stop when the box would hold fewer than this share of all cases.
    min_coverage, max_quasi_p
        The chosen box is the densest one whose coverage is at least ``min_coverage`` and
        whose every limit has a quasi-p-value below ``max_quasi_p`` (the analyst's trade-off,
        automated as Bryant & Lempert 2010 suggest: no limit that chance would explain), or
        the first box (every case) if none is.

    Returns
    -------
    PrimResult
        Deterministic: the same data give the same trajectory.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    if y.shape != (n,):
        raise ValueError("y must have one value per row of X")
    total = float(y.sum())
    low = np.full(d, -np.inf)
    high = np.full(d, np.inf)
    inside = np.ones(n, dtype=bool)

    def box(step: int) -> PrimBox:
        k = float(y[inside].sum())
        m = int(inside.sum())
        return PrimBox(
            step=step,
            low=low.copy(),
            high=high.copy(),
            coverage=k / total if total else float("nan"),
            density=k / m if m else float("nan"),
            mass=m / n if n else float("nan"),
            n=m,
        )

    trajectory = [box(0)]
    while True:
        idx = np.flatnonzero(inside)
        m = idx.size
        best: tuple[float, int, int, float, np.ndarray] | None = None
        for j in range(d):
            col = X[idx, j]
            for side in (0, 1):
                q = np.quantile(col, peel_alpha if side == 0 else 1 - peel_alpha)
                keep = col > q if side == 0 else col < q
                if side == 0 and not keep.any():
                    continue
                # A discrete input may have a quantile equal to its extreme: remove that value.
                if keep.all():
                    continue
                if keep.sum() < mass_min * n:
                    continue
                dens = float(y[idx[keep]].mean())
                removed = m - int(keep.sum())
                cand = (dens, -removed, -(2 * j + side), float(q), keep)
                if best is None or cand[:3] > best[:3]:
                    best = cand
        if best is None or best[0] <= trajectory[-1].density:
            break
        _, _, code, q, keep = best
        j, side = divmod(-code, 2)
        col = X[idx, j]
        if side == 0:
            low[j] = float(col[keep].min())
        else:
            high[j] = float(col[keep].max())
        inside = np.zeros(n, dtype=bool)
        inside[idx[keep]] = True
        trajectory.append(box(len(trajectory)))
    for b in trajectory:
        b.quasi_p = _quasi_p(X, y, b.low, b.high)
    ok = [
        i
        for i, b in enumerate(trajectory)
        if b.coverage >= min_coverage and all(p < max_quasi_p for p in b.quasi_p.values())
    ]
    chosen = max(ok, key=lambda i: (trajectory[i].density, trajectory[i].coverage)) if ok else 0
    return PrimResult(
        names=list(names),
        trajectory=trajectory,
        chosen=chosen,
        n_cases=n,
        n_interest=int(total),
    )
