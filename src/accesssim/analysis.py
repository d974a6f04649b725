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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from accesssim.model.result import RunResult

__all__ = [
    "ADVICE_METRICS",
    "Estimate",
    "Ratio",
    "acceptability",
    "advice",
    "fieller_ratio",
    "main_effects",
    "mean_ci",
    "mser5",
    "paired_difference",
    "prcc",
    "replications_needed",
    "sobol_indices",
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


@dataclass(frozen=True)
class Ratio:
    """A ratio of two means (an ICER) with its Fieller confidence interval.

    ``bounded`` is False when the interval is not a finite interval (the denominator's own CI
    includes 0): ``low`` and ``high`` are then NaN.
    """

    value: float
    low: float
    high: float
    bounded: bool
    level: float = 0.95


def fieller_ratio(
    num: Sequence[float] | np.ndarray, den: Sequence[float] | np.ndarray, level: float = 0.95
) -> Ratio:
    """``mean(num) / mean(den)`` with Fieller's confidence interval, for paired observations.

    Each replication gives one (incremental cost, incremental effect) pair; their means, sample
    variances and covariance over ``n`` replications give the interval as the roots of

        (ē² - t² v_e) R² - 2 (c̄ ē - t² v_ce) R + (c̄² - t² v_c) = 0,

    with ``v`` the variances of the means and ``t`` the Student quantile with n - 1 degrees of
    freedom (Willan & O'Brien 1996, "Confidence intervals for cost-effectiveness ratios: an
    application of Fieller's theorem", Health Economics 5:297-305). The interval is bounded
    when the effect's own CI excludes 0; otherwise it is not (``bounded`` False).
    """
    c = np.asarray(num, dtype=float)
    e = np.asarray(den, dtype=float)
    ok = ~(np.isnan(c) | np.isnan(e))
    c, e = c[ok], e[ok]
    n = c.size
    nan = float("nan")
    if n == 0:
        return Ratio(nan, nan, nan, False, level)
    cm, em = float(c.mean()), float(e.mean())
    value = cm / em if em != 0 else nan
    if n < 2:
        return Ratio(value, nan, nan, False, level)
    t2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2
    vc = float(c.var(ddof=1)) / n
    ve = float(e.var(ddof=1)) / n
    vce = float(np.cov(c, e, ddof=1)[0, 1]) / n
    a = em * em - t2 * ve
    b = cm * em - t2 * vce
    q = cm * cm - t2 * vc
    disc = b * b - a * q
    if a <= 0 or disc < 0:
        return Ratio(value, nan, nan, False, level)
    root = math.sqrt(disc)
    return Ratio(value, (b - root) / a, (b + root) / a, True, level)


def acceptability(
    cost: Sequence[float] | np.ndarray,
    effect: Sequence[float] | np.ndarray,
    wtp: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Probability of being cost-effective at each willingness to pay ``wtp`` (euros per unit
    of effect): the cost-effectiveness acceptability curve.

    For each ``λ`` of ``wtp`` the net monetary benefit of each replication is
    ``λ x effect - cost``; the probability is that of its mean being above 0, from the Student
    distribution of the mean over the paired replications (one minus the one-sided p-value of
    the net benefit, Löthgren & Zethraeus 2000, "Definition, interpretation and calculation of
    cost-effectiveness acceptability curves", Health Economics 9:623-630).
    """
    c = np.asarray(cost, dtype=float)
    e = np.asarray(effect, dtype=float)
    ok = ~(np.isnan(c) | np.isnan(e))
    c, e = c[ok], e[ok]
    lam = np.asarray(wtp, dtype=float)
    n = c.size
    if n == 0:
        return np.full(lam.shape, np.nan)
    nmb = lam[:, None] * e[None, :] - c[None, :]
    mean = nmb.mean(axis=1)
    if n < 2:
        return np.where(mean > 0, 1.0, np.where(mean < 0, 0.0, 0.5))
    se = nmb.std(axis=1, ddof=1) / math.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = mean / se
    prob = stats.t.cdf(z, n - 1)
    flat = se == 0
    return np.where(flat, np.where(mean > 0, 1.0, np.where(mean < 0, 0.0, 0.5)), prob)


def replications_needed(
    values: Sequence[float] | np.ndarray, relative_target: float, level: float = 0.95
) -> int:
    """Replications for a CI half-width of ``relative_target`` x |mean| (Law, eq. 9.3).

    Uses the sample mean and standard deviation of the replications run so far (at least 2)
    and the t quantile at the candidate number; returns at least the number already run. The
    half-width falls as the number grows (smaller t quantile, larger square root), so the
    smallest number that meets the target is found by bisection (at most 10**6).
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

    def meets(i: int) -> bool:
        half = stats.t.ppf(0.5 + level / 2, i - 1) * sd / math.sqrt(i)
        return bool(half / mean <= relative_target)

    low, high = max(n, 2), 10**6 - 1
    if meets(low):
        return low
    if not meets(high):
        return 10**6
    while high - low > 1:  # meets(high) and not meets(low)
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    return high


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


# ---------------------------------------------------------------------------------------------
# Sensitivity analysis
# ---------------------------------------------------------------------------------------------


def partial_correlation_ci(r: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Approximate CI of a partial correlation among ``k`` variables from ``n`` points.

    Fisher's z transform with k - 1 variables held fixed: z = atanh(r), standard error
    1 / sqrt(n - k - 2). NaN when n - k - 2 < 1 or |r| = 1.
    """
    dof = n - k - 2
    if dof < 1 or not math.isfinite(r) or abs(r) >= 1:
        return (float("nan"), float("nan"))
    z = math.atanh(r)
    half = float(stats.norm.ppf(0.5 + level / 2)) / math.sqrt(dof)
    return (math.tanh(z - half), math.tanh(z + half))


def prcc(X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """Partial rank correlation coefficients of ``y`` with each column of ``X``, with p-values.

    Ranks replace values (Spearman); for each factor, the ranks of the factor and of ``y`` are
    regressed on the ranks of the other factors and the residuals are correlated (Marino et al.
    2008, J. Theor. Biol. 254:178). The p-value is the t-test of a partial correlation with
    n - 2 - (k - 1) degrees of freedom; ``low``/``high`` are an approximate 95 % CI by Fisher's
    z transform. Rows with a NaN response are dropped.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    X, y = X[ok], y[ok]
    n, k = X.shape
    R = np.column_stack([stats.rankdata(X[:, j]) for j in range(k)])
    ry = stats.rankdata(y)
    rows = []
    for j in range(k):
        others = np.column_stack([np.ones(n), np.delete(R, j, axis=1)])
        bx, *_ = np.linalg.lstsq(others, R[:, j], rcond=None)
        by, *_ = np.linalg.lstsq(others, ry, rcond=None)
        ex = R[:, j] - others @ bx
        ey = ry - others @ by
        denom = math.sqrt(float((ex @ ex) * (ey @ ey)))
        r = float(ex @ ey / denom) if denom > 0 else float("nan")
        dof = n - 2 - (k - 1)
        if dof > 0 and abs(r) < 1:
            t = r * math.sqrt(dof / (1 - r * r))
            p = float(2 * stats.t.sf(abs(t), dof))
        else:
            p = float("nan") if dof <= 0 else 0.0
        low, high = partial_correlation_ci(r, n, k)
        rows.append(
            {
                "factor": names[j],
                "method": "prcc",
                "measure": "PRCC",
                "value": r,
                "low": low,
                "high": high,
                "p_value": p,
            }
        )
    return pd.DataFrame(rows)


def sobol_indices(
    y: np.ndarray,
    names: Sequence[str],
    second_order: bool = False,
    seed: int = 0,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with their CIs (SALib, Saltelli 2010).

    ``y`` is ordered as SALib's Saltelli/Sobol sample of the same problem (bounds are
    irrelevant to the analysis). Bootstrap confidence intervals at ``conf_level``.
    """
    from SALib.analyze import sobol as sobol_analyze

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    res = sobol_analyze.analyze(
        problem,
        np.asarray(y, dtype=float),
        calc_second_order=second_order,
        conf_level=conf_level,
        seed=seed,
    )
    rows = []
    for j, name in enumerate(names):
        for measure in ("S1", "ST"):
            v = float(res[measure][j])
            c = float(res[f"{measure}_conf"][j])
            rows.append(
                {
                    "factor": name,
                    "method": "sobol",
                    "measure": measure,
                    "value": v,
                    "low": v - c,
                    "high": v + c,
                    "p_value": float("nan"),
                }
            )
    return pd.DataFrame(rows)


def main_effects(X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """Main effect of each factor on a full grid: mean response at each level minus the mean.

    ``value`` is the range of the level means (max - min); ``low`` and ``high`` are the
    smallest and largest level means.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    rows = []
    for j, name in enumerate(names):
        levels = np.unique(X[:, j])
        means = np.array([np.nanmean(y[X[:, j] == v]) for v in levels])
        rows.append(
            {
                "factor": name,
                "method": "grid",
                "measure": "main_effect_range",
                "value": float(np.nanmax(means) - np.nanmin(means)),
                "low": float(np.nanmin(means)),
                "high": float(np.nanmax(means)),
                "p_value": float("nan"),
            }
        )
    return pd.DataFrame(rows)


ADVICE_METRICS: tuple[str, ...] = (
    "wait_planned_mean_days",
    "unscheduled_within_48h_share",
    "ed_visits_per_1000",
    "mt_coverage_end",
)


def advice(
    results: Sequence[RunResult],
    warmup_days: int,
    relative: float = 0.05,
    metrics: Sequence[str] = ADVICE_METRICS,
    series: str = "wait_planned_mean_days",
) -> dict[str, object]:
    """Output-analysis advice for a set of replications (``RunResult`` objects).

    * ``warmup_suggested_days``: MSER-5 on the weekly ``series`` averaged over replications
      (Welch's method then White's MSER-5); compare with ``warmup_days``, the warm-up used.
      Seasonal demand (the winter epidemic) also moves the series: read the suggestion as a
      lower bound when the warm-up ends before the season.
    * ``replications_needed``: per metric, replications for a 95 % CI half-width of
      ``relative`` x |mean| (Law, eq. 9.3), from the replications run.
    """
    weekly = [r.weekly[series] for r in results]
    needed = {}
    for m in metrics:
        values = np.array([r.metrics[m] for r in results], dtype=float)
        needed[m] = replications_needed(values, relative)
    return {
        "warmup_used_days": int(warmup_days),
        "warmup_suggested_days": suggest_warmup_days(weekly),
        "warmup_series": series,
        "relative_precision": relative,
        "replications_run": len(results),
        "replications_needed": needed,
    }
