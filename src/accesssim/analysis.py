"""Output analysis: confidence intervals, paired differences, precision, warm-up.

Plain numpy/scipy in, plain numbers out. Intervals are Student-t intervals over independent
replications (each replication is one observation of each metric), the standard method for
terminating simulations (Law, *Simulation Modeling and Analysis*, ch. 9). Paired differences
use the same replication seeds in both scenarios (common random numbers), so their variance
is that of the differences, usually much smaller than the sum of the two variances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = [
    "Estimate",
    "mean_ci",
    "mser5",
    "paired_difference",
    "replications_needed",
    "suggest_warmup_days",
    "unpaired_difference",
]


@dataclass(frozen=True)
class Estimate:
    """A mean with its confidence interval."""

    mean: float
    sd: float
    n: int
    half_width: float
    low: float
    high: float
    level: float = 0.95

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @property
    def relative_half_width(self) -> float:
        """Half-width over |mean| (inf when the mean is 0)."""
        if self.mean == 0 or math.isnan(self.mean):
            return math.inf
        return abs(self.half_width / self.mean)

    def excludes_zero(self) -> bool:
        """Whether the interval lies strictly on one side of 0."""
        return bool(self.low > 0 or self.high < 0)


def _clean(values: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[~np.isnan(x)]


def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Estimate:
    """Mean and Student-t confidence interval of independent observations (NaNs dropped)."""
    x = _clean(values)
    n = int(x.size)
    if n == 0:
        nan = float("nan")
        return Estimate(nan, nan, 0, nan, nan, nan, level)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, float("nan"), 1, float("nan"), float("nan"), float("nan"), level)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))
    return Estimate(mean, sd, n, half, mean - half, mean + half, level)


def paired_difference(
    base: Sequence[float] | np.ndarray, alt: Sequence[float] | np.ndarray, level: float = 0.95
) -> Estimate:
    """CI of the mean of ``alt - base`` over paired replications (same seeds)."""
    b = np.asarray(base, dtype=float)
    a = np.asarray(alt, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired samples must have the same length")
    return mean_ci(a - b, level)


def unpaired_difference(
    base: Sequence[float] | np.ndarray, alt: Sequence[float] | np.ndarray, level: float = 0.95
) -> Estimate:
    """Welch CI of ``mean(alt) - mean(base)`` treating the samples as independent."""
    b, a = _clean(base), _clean(alt)
    nb, na = b.size, a.size
    if nb < 2 or na < 2:
        nan = float("nan")
        return Estimate(nan, nan, min(na, nb), nan, nan, nan, level)
    vb, va = b.var(ddof=1) / nb, a.var(ddof=1) / na
    se = math.sqrt(vb + va)
    if se == 0:
        dfree = float(na + nb - 2)
    else:
        dfree = (vb + va) ** 2 / (vb**2 / (nb - 1) + va**2 / (na - 1))
    diff = float(a.mean() - b.mean())
    half = float(stats.t.ppf(0.5 + level / 2, dfree) * se)
    return Estimate(diff, se, min(na, nb), half, diff - half, diff + half, level)


def replications_needed(
    values: Sequence[float] | np.ndarray, relative_target: float, level: float = 0.95
) -> int:
    """Replications for a CI half-width of ``relative_target`` x |mean| (Law, eq. 9.3).

    Uses the sample mean and standard deviation of the replications run so far (at least 2)
    and the t quantile at the candidate number; returns at least the number already run.
    """
    x = _clean(values)
    n = x.size
    if n < 2:
        return 2
    mean, sd = abs(float(x.mean())), float(x.std(ddof=1))
    if sd == 0:
        return n
    if mean == 0:
        return 10**6
    for i in range(max(n, 2), 10**6):
        half = stats.t.ppf(0.5 + level / 2, i - 1) * sd / math.sqrt(i)
        if half / mean <= relative_target:
            return i
    return 10**6


def mser5(series: Sequence[float] | np.ndarray) -> int:
    """Suggested warm-up by MSER-5 (White 1997), as a number of observations to delete.

    The series is averaged in batches of 5; the truncation point ``d`` minimises the squared
    standard error of the mean of the remaining batches, searched over the first half of the
    series. Returns ``5 * d`` (observations of the original series).
    """
    x = _clean(series)
    nb = x.size // 5
    if nb < 4:
        return 0
    batches = x[: nb * 5].reshape(nb, 5).mean(axis=1)
    best_d, best = 0, math.inf
    for d in range(nb // 2):
        rest = batches[d:]
        value = rest.var() / rest.size
        if value < best:
            best, best_d = value, d
    return 5 * best_d


def suggest_warmup_days(
    weekly_series: Sequence[Sequence[float] | np.ndarray], days_per_point: int = 7
) -> int:
    """Suggested warm-up (days) from weekly series of several replications, by MSER-5.

    The series (one per replication, e.g. ``RunResult.weekly["wait_planned_mean_days"]``) are
    averaged point by point first (Welch's method), then MSER-5 picks the truncation point.
    """
    arrays = [np.asarray(s, dtype=float) for s in weekly_series]
    if not arrays:
        return 0
    n = min(a.size for a in arrays)
    mean = np.nanmean(np.vstack([a[:n] for a in arrays]), axis=0)
    return int(mser5(mean) * days_per_point)
