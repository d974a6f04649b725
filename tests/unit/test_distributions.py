"""Distributions of scenario files: samples agree with the exact mean and variance each declares.

Tolerances come from the standard error of the estimate, not from a guess: for ``n`` samples
the sample mean is within ``Z * sd / sqrt(n)`` of the true mean and the sample variance within
``Z * sqrt((m4 - var**2) / n)`` of the true variance (``m4`` the fourth central moment,
estimated from the sample), with ``Z = 5`` (a false alarm about once in two million checks).
Generators are seeded ``numpy.random.default_rng`` instances passed in explicitly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from accesssim.scenario.distributions import (
    Distribution,
    Exponential,
    Fixed,
    Normal,
    Triangular,
    Uniform,
)
from accesssim.scenario.schema import Demand

Z = 5.0
N = 200_000
DIST = TypeAdapter(Distribution)


def assert_moments(dist: Any, samples: np.ndarray) -> None:
    """Sample mean and variance within ``Z`` standard errors of ``dist.mean``/``variance``."""
    n = samples.size
    mean, var = dist.mean, dist.variance
    centred = samples - samples.mean()
    s2 = float(np.mean(centred**2)) * n / (n - 1)
    m4 = float(np.mean(centred**4))
    slack = 1e-9 * (1.0 + mean * mean)  # floating-point noise when the variance is 0
    se_mean = math.sqrt(max(var, 0.0) / n)
    se_var = math.sqrt(max(m4 - s2 * s2, 0.0) / n)
    assert abs(samples.mean() - mean) <= Z * se_mean + slack, (dist, samples.mean(), mean)
    assert abs(s2 - var) <= Z * se_var + slack, (dist, s2, var)


CASES: list[Any] = [
    Fixed(value=3.5),
    Fixed(value=-2.0),
    Uniform(low=0.0, high=1.0),
    Uniform(low=-3.0, high=12.5),
    Uniform(low=4.0, high=4.0),
    Triangular(low=1.0, mode=3.0, high=40.0),
    Triangular(low=0.0, mode=0.0, high=1.0),
    Triangular(low=0.5, mode=1.0, high=1.0),
    Triangular(low=2.0, mode=2.0, high=2.0),
    Normal(mu=10.0, sd=2.0),
    Normal(mu=1180.0, sd=280.0, low=400.0, high=2500.0),
    Normal(mu=0.0, sd=1.0, low=0.0),
    Normal(mu=5.0, sd=3.0, high=4.0),
    Normal(mu=0.0, sd=1.0, low=-0.5, high=0.25),
    Normal(mu=3.0, sd=0.0, low=4.0),
    Exponential(mean=1.0),
    Exponential(mean=6.5),
]


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_samples_match_declared_moments(dist: Any) -> None:
    samples = dist.sample(np.random.default_rng(20250106), N)
    assert samples.shape == (N,)
    assert samples.dtype == np.float64
    assert_moments(dist, samples)


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_samples_stay_in_the_support(dist: Any) -> None:
    samples = dist.sample(np.random.default_rng(7), 10_000)
    low = getattr(dist, "low", getattr(dist, "value", 0.0))
    high = getattr(dist, "high", getattr(dist, "value", math.inf))
    assert samples.min() >= low
    assert samples.max() <= high


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_same_seed_same_samples(dist: Any) -> None:
    a = dist.sample(np.random.default_rng(1), 100)
    b = dist.sample(np.random.default_rng(1), 100)
    np.testing.assert_array_equal(a, b)
    assert dist.sample(np.random.default_rng(1), 0).shape == (0,)


finite = st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def clipped_normals(draw: st.DrawFn) -> Normal:
    mu = draw(finite)
    sd = draw(st.floats(0, 20).map(lambda x: round(x, 3)))
    low = draw(st.none() | finite)
    high = draw(st.none() | finite)
    if low is not None and high is not None and high < low:
        low, high = high, low
    if sd > 0:
        # The CLT tolerance of assert_moments needs enough samples strictly between the clips:
        # with almost all the mass on a clip (say N(8, 2) clipped at 0: 3e-5 below it), 50,000
        # samples hold one or two informative values and the sample variance is not normal.
        from scipy.stats import norm

        inside = norm.cdf(high if high is not None else math.inf, mu, sd) - norm.cdf(
            low if low is not None else -math.inf, mu, sd
        )
        assume(inside >= 0.01)
    return Normal(
        mu=mu,
        sd=sd,
        low=-math.inf if low is None else low,
        high=math.inf if high is None else high,
    )


@given(clipped_normals(), st.integers(0, 2**32 - 1))
def test_clipped_normal_exact_moments_match_samples(dist: Normal, seed: int) -> None:
    assert_moments(dist, dist.sample(np.random.default_rng(seed), 50_000))


@given(
    st.floats(-100, 100).map(lambda x: round(x, 2)),
    st.floats(0, 50).map(lambda x: round(x, 2)),
    st.floats(0, 50).map(lambda x: round(x, 2)),
    st.integers(0, 2**32 - 1),
)
def test_triangular_and_uniform_moments_match_samples(
    low: float, left: float, right: float, seed: int
) -> None:
    tri = Triangular(low=low, mode=low + left, high=low + left + right)
    uni = Uniform(low=low, high=low + left + right)
    rng = np.random.default_rng(seed)
    assert_moments(tri, tri.sample(rng, 50_000))
    assert_moments(uni, uni.sample(rng, 50_000))


def test_clipped_normal_moments_analytic() -> None:
    """Closed forms for a standard normal Z clipped at 0 (half of the mass on 0), and at ±1."""
    phi0 = 1 / math.sqrt(2 * math.pi)
    half = Normal(mu=0.0, sd=1.0, low=0.0)
    assert half.mean == pytest.approx(phi0, rel=1e-12)
    assert half.variance == pytest.approx(0.5 - phi0**2, rel=1e-12)
    phi1 = math.exp(-0.5) / math.sqrt(2 * math.pi)
    both = Normal(mu=0.0, sd=1.0, low=-1.0, high=1.0)
    assert both.mean == pytest.approx(0.0, abs=1e-15)
    assert both.variance == pytest.approx(1 - 2 * phi1, rel=1e-12)
    # affine map: X = 10 + 3 Z clipped at 10 has mean 10 + 3 phi(0)
    shifted = Normal(mu=10.0, sd=3.0, low=10.0)
    assert shifted.mean == pytest.approx(10 + 3 * phi0, rel=1e-12)
    assert shifted.variance == pytest.approx(9 * (0.5 - phi0**2), rel=1e-12)
    unclipped = Normal(mu=-4.0, sd=2.5)
    assert (unclipped.mean, unclipped.variance) == (pytest.approx(-4.0), pytest.approx(6.25))


@pytest.mark.parametrize("number", [0, 3, 2.5, -1.25])
def test_a_plain_number_is_a_fixed_distribution(number: float) -> None:
    dist = DIST.validate_python(number)
    assert dist == Fixed(value=number)
    assert (dist.mean, dist.variance) == (number, 0.0)
    assert Demand(planned_lead_days=number if number >= 0 else 0).planned_lead_days.kind == "fixed"


@pytest.mark.parametrize("value", [True, "3", None, [1, 2]])
def test_a_non_number_without_kind_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        DIST.validate_python(value)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"kind": "fixed", "value": 2}, Fixed),
        ({"kind": "uniform", "low": 1, "high": 2}, Uniform),
        ({"kind": "triangular", "low": 1, "mode": 2, "high": 3}, Triangular),
        ({"kind": "normal", "mu": 1, "sd": 2}, Normal),
        ({"kind": "exponential", "mean": 2}, Exponential),
    ],
)
def test_kind_selects_the_distribution(data: dict[str, Any], kind: type) -> None:
    assert isinstance(DIST.validate_python(data), kind)


def test_exponential_reads_its_mean_under_the_name_mean() -> None:
    dist = DIST.validate_python({"kind": "exponential", "mean": 4})
    assert (dist.mean, dist.variance) == (4.0, 16.0)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "uniform", "low": 2, "high": 1},
        {"kind": "triangular", "low": 1, "mode": 5, "high": 3},
        {"kind": "triangular", "low": 1, "mode": 0, "high": 3},
        {"kind": "normal", "mu": 0, "sd": -1},
        {"kind": "normal", "mu": 0, "sd": 1, "low": 2, "high": 1},
        {"kind": "exponential", "mean": 0},
        {"kind": "fixed", "value": 1, "sd": 2},
        {"kind": "poisson", "mean": 2},
        {"low": 1, "high": 2},
    ],
)
def test_malformed_distributions_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        DIST.validate_python(data)


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_stratified_draws_follow_the_distribution(dist: Any) -> None:
    # Stratified sampling puts exactly one value in each of n equal-probability strata: the
    # i-th smallest value lies between the quantiles i/n and (i+1)/n.
    n = 500
    values = np.sort(dist.stratified(np.random.default_rng(3), n))
    assert values.shape == (n,)
    edges = dist.ppf(np.arange(n + 1) / n)
    eps = 1e-9 * (1 + np.abs(edges))
    assert (values >= edges[:-1] - eps[:-1]).all()
    assert (values <= edges[1:] + eps[1:]).all()
