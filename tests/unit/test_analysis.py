"""Output analysis (``accesssim.analysis``).

* ``mean_ci`` is the Student-t interval (checked against ``scipy.stats.t.interval``);
  NaNs are dropped, degenerate samples give NaN half-widths;
* ``paired_difference`` is narrower than ``unpaired_difference`` on positively correlated
  samples (the point of common random numbers) and both agree on the mean difference;
* ``replications_needed`` grows as the precision target shrinks (Law, eq. 9.3);
* ``mser5`` (White 1997) truncates an obvious initial transient and, most of the time,
  nothing from stationary white noise. All random samples use fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from accesssim.analysis import (
    mean_ci,
    mser5,
    paired_difference,
    replications_needed,
    unpaired_difference,
)


@pytest.mark.parametrize("n", [2, 3, 10, 50])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_mean_ci_is_the_student_t_interval(n: int, level: float) -> None:
    x = np.random.default_rng(n).normal(3.0, 2.0, size=n)
    est = mean_ci(x, level)
    low, high = stats.t.interval(level, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert est.n == n
    assert est.level == level
    assert est.mean == pytest.approx(x.mean(), rel=1e-12)
    assert est.sd == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert est.low == pytest.approx(low, rel=1e-10)
    assert est.high == pytest.approx(high, rel=1e-10)
    assert est.half_width == pytest.approx((high - low) / 2, rel=1e-10)


def test_mean_ci_edge_cases() -> None:
    with_nan = mean_ci([1.0, float("nan"), 3.0])
    assert with_nan.n == 2
    assert with_nan.mean == 2.0
    empty = mean_ci([])
    assert empty.n == 0
    assert math.isnan(empty.mean)
    assert math.isnan(empty.half_width)
    one = mean_ci([4.0])
    assert one.mean == 4.0
    assert math.isnan(one.half_width)
    constant = mean_ci([2.0, 2.0, 2.0])
    assert constant.half_width == 0.0
    assert constant.low == constant.high == 2.0
    assert constant.excludes_zero()


def test_paired_difference_narrower_on_correlated_samples() -> None:
    rng = np.random.default_rng(42)
    common = rng.normal(10.0, 3.0, size=20)  # what the two scenarios share (same seeds)
    base = common + rng.normal(0.0, 0.3, size=20)
    alt = common + 0.5 + rng.normal(0.0, 0.3, size=20)
    assert np.corrcoef(base, alt)[0, 1] > 0.9
    paired = paired_difference(base, alt)
    unpaired = unpaired_difference(base, alt)
    assert paired.mean == pytest.approx(unpaired.mean, rel=1e-12)
    assert paired.mean == pytest.approx(float(np.mean(alt - base)), rel=1e-12)
    assert paired.half_width < unpaired.half_width / 5
    assert paired.excludes_zero()  # the 0.5 difference is detected with pairing...
    assert not unpaired.excludes_zero()  # ...and lost in the noise without it
    # The unpaired interval is Welch's.
    welch = stats.ttest_ind(alt, base, equal_var=False)
    dof = welch.df
    se = unpaired.sd
    assert welch.statistic == pytest.approx(unpaired.mean / se, rel=1e-10)
    assert unpaired.half_width == pytest.approx(stats.t.ppf(0.975, dof) * se, rel=1e-10)


def test_paired_difference_needs_equal_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_replications_needed_monotone_in_target() -> None:
    x = np.random.default_rng(7).normal(5.0, 1.5, size=8)
    targets = [0.2, 0.1, 0.05, 0.02, 0.01, 0.005]
    needed = [replications_needed(x, t) for t in targets]
    assert needed == sorted(needed)
    assert needed[0] >= x.size  # never fewer than already run
    assert needed[-1] > needed[0]
    # The returned number meets the target with the pilot's mean and standard deviation,
    # and one fewer does not (when more than the pilot are needed).
    mean, sd = abs(x.mean()), x.std(ddof=1)
    for target, n in zip(targets, needed, strict=True):
        if n > x.size:
            assert stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= target * mean
            assert stats.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > target * mean
    # Roughly (z sd / (target mean))^2 for small targets.
    approx = (1.96 * sd / (0.005 * mean)) ** 2
    assert needed[-1] == pytest.approx(approx, rel=0.02)


def test_replications_needed_is_the_smallest_number_meeting_the_target() -> None:
    """Bisection gives what a scan of every number gives, also far beyond the pilot."""
    x = np.random.default_rng(11).normal(2.0, 1.0, size=5)
    mean, sd = abs(x.mean()), x.std(ddof=1)
    counts = np.arange(x.size, 10**6)
    halves = stats.t.ppf(0.975, counts - 1) * sd / np.sqrt(counts)
    for target in (0.5, 0.1, 0.02, 0.005, 0.001):
        first = int(counts[np.argmax(halves <= target * mean)])
        assert replications_needed(x, target) == first, target
    assert replications_needed(x, 1e-6) == 10**6  # out of reach of 10**6


def test_replications_needed_edge_cases() -> None:
    assert replications_needed([1.0], 0.1) == 2
    assert replications_needed([3.0, 3.0, 3.0], 0.01) == 3


def test_mser5_finds_an_initial_transient() -> None:
    rng = np.random.default_rng(2024)
    n, transient = 500, 60
    steps = np.arange(n)
    series = 10.0 * np.exp(-steps / 12.0) + rng.normal(0.0, 0.5, size=n)
    assert series[transient:].mean() == pytest.approx(0.0, abs=0.1)
    d = mser5(series)
    assert d % 5 == 0
    assert d >= 30  # past the bulk of the transient (10 e^(-30/12) < 1, two sd of the noise)
    assert d <= n // 2


def test_mser5_keeps_stationary_noise() -> None:
    rng = np.random.default_rng(99)
    truncated = [mser5(rng.normal(0.0, 1.0, size=400)) for _ in range(50)]
    zero = sum(d == 0 for d in truncated)
    small = sum(d <= 40 for d in truncated)
    assert zero >= 25  # most of the time, no truncation
    assert small >= 40  # and it rarely deletes more than a tenth of the series
    assert max(truncated) <= 200  # never more than half


def test_mser5_short_series() -> None:
    assert mser5([1.0, 2.0, 3.0]) == 0
    assert mser5(np.arange(19.0)) == 0  # fewer than 4 batches of 5
