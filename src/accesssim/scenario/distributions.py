"""Probability distributions used in scenario files.

Every distribution is a small frozen pydantic model with a ``kind`` discriminator, knows its
exact mean and variance (so tests can check samples against them) and samples from a
``numpy.random.Generator`` that is passed in explicitly. A plain number in a scenario file
is read as a ``fixed`` distribution.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "Distribution",
    "Exponential",
    "Fixed",
    "Normal",
    "Triangular",
    "Uniform",
]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        """Quantile function (inverse CDF) at probabilities ``u``."""
        raise NotImplementedError

    def stratified(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` values by stratified sampling: one from each of ``size`` equal-probability
        strata, in a random order. Same distribution per value as :meth:`sample`, but the set
        of values varies much less between draws (variance reduction, e.g. McKay et al. 1979).
        """
        if size == 0:
            return np.zeros(0)
        u = (rng.permutation(size) + rng.random(size)) / size
        return np.asarray(self.ppf(u), dtype=np.float64)


class Fixed(_Dist):
    """A constant."""

    kind: Literal["fixed"] = "fixed"
    value: float = Field(description="The constant value (unit of the field using it).")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value, dtype=np.float64)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=np.float64)


class Uniform(_Dist):
    """Uniform on [low, high]."""

    kind: Literal["uniform"] = "uniform"
    low: float = Field(description="Lower bound (unit of the field using it).")
    high: float = Field(description="Upper bound (unit of the field using it).")

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u) * (self.high - self.low)


class Triangular(_Dist):
    """Triangular on [low, high] with the given mode."""

    kind: Literal["triangular"] = "triangular"
    low: float = Field(description="Lower bound (unit of the field using it).")
    mode: float = Field(description="Most likely value (unit of the field using it).")
    high: float = Field(description="Upper bound (unit of the field using it).")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high):
            raise ValueError("need low <= mode <= high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.high == self.low:
            return np.full(size, self.low, dtype=np.float64)
        return rng.triangular(self.low, self.mode, self.high, size)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.low, self.mode, self.high
        u = np.asarray(u, dtype=float)
        if b == a:
            return np.full(u.shape, a)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)


class Normal(_Dist):
    """Normal with mean and standard deviation, clipped to [low, high].

    The clipping moves the tails onto the bounds; ``mean`` and ``variance`` are those of the
    clipped distribution (exact formulas), so they are what samples average to.
    """

    kind: Literal["normal"] = "normal"
    mu: float = Field(description="Mean before clipping (unit of the field using it).")
    sd: float = Field(ge=0, description="Standard deviation before clipping (same unit).")
    low: float = Field(default=-math.inf, allow_inf_nan=True, description="Lower clip (same unit).")
    high: float = Field(default=math.inf, allow_inf_nan=True, description="Upper clip (same unit).")

    @model_validator(mode="after")
    def _order(self) -> Normal:
        if math.isnan(self.low) or math.isnan(self.high):
            raise ValueError("low and high must be numbers (.inf is allowed, .nan is not)")
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def _moments(self) -> tuple[float, float]:
        from scipy import stats

        if self.sd == 0:
            v = min(max(self.mu, self.low), self.high)
            return v, 0.0
        a = (self.low - self.mu) / self.sd
        b = (self.high - self.mu) / self.sd
        pa, pb = stats.norm.cdf(a), stats.norm.cdf(b)
        fa = stats.norm.pdf(a) if math.isfinite(a) else 0.0
        fb = stats.norm.pdf(b) if math.isfinite(b) else 0.0
        # E[Z; a<Z<b] and E[Z^2; a<Z<b] for a standard normal Z.
        e1 = fa - fb
        e2 = (
            (pb - pa)
            + (a * fa if math.isfinite(a) else 0.0)
            - (b * fb if math.isfinite(b) else 0.0)
        )
        lo = self.low if math.isfinite(self.low) else 0.0
        hi = self.high if math.isfinite(self.high) else 0.0
        m = self.mu * (pb - pa) + self.sd * e1 + lo * pa + hi * (1 - pb)
        s2 = (
            self.mu**2 * (pb - pa)
            + 2 * self.mu * self.sd * e1
            + self.sd**2 * e2
            + lo**2 * pa
            + hi**2 * (1 - pb)
        )
        return float(m), float(max(s2 - m * m, 0.0))

    @property
    def mean(self) -> float:
        return self._moments()[0]

    @property
    def variance(self) -> float:
        return self._moments()[1]

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.clip(rng.normal(self.mu, self.sd, size), self.low, self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        u = np.asarray(u, dtype=float)
        if self.sd == 0:
            return np.clip(np.full(u.shape, self.mu), self.low, self.high)
        return np.clip(stats.norm.ppf(u, self.mu, self.sd), self.low, self.high)


class Exponential(_Dist):
    """Exponential with the given mean."""

    kind: Literal["exponential"] = "exponential"
    mean_value: float = Field(alias="mean", gt=0, description="Mean (unit of the field).")

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_value, size)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # ppf(1) is +inf
            return -self.mean_value * np.log1p(-np.asarray(u, dtype=float))


def _number_is_fixed(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {"kind": "fixed", "value": value}
    return value


Distribution = Annotated[
    Fixed | Uniform | Triangular | Normal | Exponential,
    Field(discriminator="kind"),
    BeforeValidator(_number_is_fixed),
]
"""A distribution field: a number (constant) or a mapping with ``kind``."""
