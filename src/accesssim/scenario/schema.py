"""The scenario schema: a territory, its population, demand, GPs and a policy mix.

Every model is frozen and refuses unknown fields. Every field states its unit; every default
names its source (a figure of CALIBRATION.md) or says "no published figure" and how it was
chosen. Cross-field checks live in ``model_validator`` methods and report the exact field path
of each problem (several at once), so a planner sees every mistake of a file in one go.

Times are in days from the start of the simulation (day 0 = ``calendar.start_date``) or ISO
dates (``2025-09-01``); both forms are accepted wherever a field says "day or date".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from accesssim.i18n import N_
from accesssim.scenario.costs import Costs, Funder
from accesssim.scenario.distributions import Distribution, Normal, Triangular

__all__ = [
    "AGE_BANDS",
    "DATED_POLICY_BLOCKS",
    "LIMITS",
    "MAX_EUR",
    "MAX_GPS",
    "MAX_LIST_CAPACITY",
    "MAX_POPULATION",
    "ByAge",
    "Calendar",
    "Commune",
    "ContactRates",
    "Costs",
    "Demand",
    "Epidemic",
    "GPAttraction",
    "GPPool",
    "GPSpec",
    "HourBandFactors",
    "Installation",
    "MTAccess",
    "MedicalAssistants",
    "Nurses",
    "OutOfHours",
    "OutOfHoursCapacity",
    "Pharmacists",
    "Policies",
    "Population",
    "PracticeMix",
    "PracticeSpec",
    "Retirement",
    "Scenario",
    "TeleEligibility",
    "Teleconsultation",
    "Territory",
    "UnscheduledSlots",
    "WeekSessions",
    "WeekdayProfile",
    "raise_problems",
]

AGE_BANDS: tuple[str, ...] = ("0-15", "16-59", "60-74", "75+")
"""Age bands of the model (years, inclusive)."""
AGE_BAND_BOUNDS: tuple[tuple[int, int], ...] = ((0, 15), (16, 59), (60, 74), (75, 105))
MAX_AGE = 105
"""Last age of the schedules by age (years): older people take the value at 105."""
MAX_HORIZON_YEARS = 15
"""Most measured years a run may have (children born during a run stay under 16 years)."""
MAX_HORIZON_DAYS = 5840
"""Most simulated days (16 years of 365 days: 15 measured years and up to a year of warm-up)."""

_TOL = 1e-6

# Limits of what one run can hold (docs/reliability.md). No published figure: technical bounds,
# each well above any French territory, that keep every count inside the model's int32 arrays
# and the memory of one machine (about 45 MB per million inhabitants, docs/performance.md).

#: Most inhabitants: France (68.6 million, INSEE 1 January 2025), rounded up.
MAX_POPULATION = 70_000_000
#: Most GPs (listed, generated and arriving): France counted 52,149 liberal GPs in 2022 (CNAM).
MAX_GPS = 60_000
#: Largest MT list of one GP (people); real lists stay below a few thousand.
MAX_LIST_CAPACITY = 100_000
#: Largest amount of one cost field (EUR), so that every total stays a finite number.
MAX_EUR = 1e9
#: Largest number of days of a delay, a patience or a tolerance: far beyond the longest horizon
#: (5,840 days), so "never gives up" can still be written, and inside 32-bit day counters.
MAX_DAYS = 1_000_000
#: Largest daily capacity of a pool (teleconsultations, nurse acts) (acts/day).
MAX_DAILY_ACTS = 1_000_000
#: Range of calendar dates a scenario may start on.
MIN_START_DATE = dt.date(1900, 1, 1)
MAX_START_DATE = dt.date(2199, 12, 31)

LIMITS: dict[str, str] = {
    "population": f"at most {MAX_POPULATION:,} inhabitants",
    "gps": f"at most {MAX_GPS:,} GPs (listed, generated and arriving)",
    "list capacity": f"at most {MAX_LIST_CAPACITY:,} MT patients per GP",
    "costs": f"each cost field at most EUR {MAX_EUR:,.0f}",
    "days": f"delays, tolerances and day distributions at most {MAX_DAYS:,} days",
    "daily capacities": f"at most {MAX_DAILY_ACTS:,} acts a day",
    "start date": f"{MIN_START_DATE.isoformat()} to {MAX_START_DATE.isoformat()}",
    "numbers": "finite (no .inf, .nan); true/false is not a number",
}
"""The explicit limits of the schema, for docs/reliability.md."""


def _refuse_bool_for_number(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """``count: true`` is not the number 1: booleans are refused where a number is expected."""
    if isinstance(value, bool) and info.field_name is not None:
        field = cls.model_fields.get(info.field_name)
        if field is not None and _wants_number(field.annotation):
            raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


def _wants_number(annotation: Any) -> bool:
    import typing

    args = typing.get_args(annotation) or (annotation,)
    if typing.get_origin(annotation) is list:
        return False
    flat = [typing.get_args(a)[0] if typing.get_origin(a) is Annotated else a for a in args]
    return bool not in flat and any(a in (int, float) for a in flat)


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False
    )

    _no_bool = field_validator("*", mode="before")(classmethod(_refuse_bool_for_number))


def raise_problems(title: str, problems: Sequence[tuple[tuple[str | int, ...], str]]) -> None:
    """Raise one ValidationError carrying every (field path, reason) of ``problems``."""
    if not problems:
        return
    raise ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("cross_field", "{reason}", {"reason": reason}),
                loc=loc,
                input=None,
            )
            for loc, reason in problems
        ],
    )


def _parse_when(value: Any) -> int | dt.date:
    if isinstance(value, bool):
        raise ValueError("expected a day number (int >= 0) or an ISO date (YYYY-MM-DD)")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a day number must be >= 0")
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a day number (int >= 0) or an ISO date (YYYY-MM-DD)")


def _dump_when(value: int | dt.date) -> int | str:
    return value.isoformat() if isinstance(value, dt.date) else int(value)


When = Annotated[
    int | dt.date,
    PlainValidator(_parse_when),
    PlainSerializer(_dump_when, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "format": "date"},
            ]
        }
    ),
]
"""A moment: a day number from the start (int >= 0) or an ISO date."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]


def _check_schedule(value: dict[int, float]) -> dict[int, float]:
    if not value:
        raise ValueError("give at least one age")
    for age, rate in value.items():
        if not 0 <= age <= MAX_AGE:
            raise ValueError(f"age {age} is outside 0-{MAX_AGE}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"at age {age}: {rate} is not a share in [0, 1]")
    return dict(sorted(value.items()))


AgeSchedule = Annotated[
    dict[int, float],
    PlainValidator(lambda v: _check_schedule(_as_schedule(v))),
    PlainSerializer(lambda v: {int(k): float(x) for k, x in v.items()}),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": "^[0-9]+$"},
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
        }
    ),
]
"""A value by age: ``{first age of the step: value}``, constant until the next step; ages
below the first step get 0. Written ``{0: 0.0035, 1: 0.0001, 15: 0.0004}`` in YAML."""


def _as_schedule(value: Any) -> dict[int, float]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping {age: value}")
    out: dict[int, float] = {}
    for k, v in value.items():
        try:
            age = int(k)
        except (TypeError, ValueError):
            raise ValueError(f"{k!r} is not an age (whole years)") from None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"at age {k}: {v!r} is not a number")
        out[age] = float(v)
    return out


# --------------------------------------------------------------------------------------------
# Small building blocks
# --------------------------------------------------------------------------------------------


class ByAge(_Frozen):
    """One value per age band of the model (0-15, 16-59, 60-74, 75+ years)."""

    age_0_15: float = Field(ge=0, description="Value for ages 0-15 (unit of the parent field).")
    age_16_59: float = Field(ge=0, description="Value for ages 16-59 (unit of the parent field).")
    age_60_74: float = Field(ge=0, description="Value for ages 60-74 (unit of the parent field).")
    age_75_plus: float = Field(ge=0, description="Value for ages 75+ (unit of the parent field).")

    def as_tuple(self) -> tuple[float, float, float, float]:
        """The four values in band order."""
        return (self.age_0_15, self.age_16_59, self.age_60_74, self.age_75_plus)


class AgeShares(ByAge):
    """Shares per age band; they must sum to 1."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> Self:
        total = sum(self.as_tuple())
        if abs(total - 1.0) > _TOL:
            raise ValueError(f"age shares must sum to 1 (they sum to {total:.6g})")
        return self


class RateByAge(ByAge):
    """A yearly rate per age band, at most one a day (365 a year)."""

    @model_validator(mode="after")
    def _at_most_daily(self) -> Self:
        problems = [
            ((name,), f"at most 365 a year (one a day), got {value:g}")
            for name, value in zip(type(self).model_fields, self.as_tuple(), strict=True)
            if value > 365.0
        ]
        raise_problems("RateByAge", problems)
        return self


class ShareByAge(ByAge):
    """A share in [0, 1] per age band."""

    @model_validator(mode="after")
    def _in_unit(self) -> Self:
        problems = [
            ((name,), f"a share must be in [0, 1], got {value}")
            for name, value in zip(type(self).model_fields, self.as_tuple(), strict=True)
            if value > 1.0
        ]
        raise_problems("ShareByAge", problems)
        return self


class WeekSessions(_Frozen):
    """Which half-day sessions are open on each weekday (``am``, ``pm``)."""

    mon: list[Literal["am", "pm"]] = Field(default=["am", "pm"], description="Monday sessions.")
    tue: list[Literal["am", "pm"]] = Field(default=["am", "pm"], description="Tuesday sessions.")
    wed: list[Literal["am", "pm"]] = Field(default=["am", "pm"], description="Wednesday sessions.")
    thu: list[Literal["am", "pm"]] = Field(default=["am", "pm"], description="Thursday sessions.")
    fri: list[Literal["am", "pm"]] = Field(default=["am", "pm"], description="Friday sessions.")
    sat: list[Literal["am", "pm"]] = Field(default=["am"], description="Saturday sessions.")
    sun: list[Literal["am", "pm"]] = Field(default=[], description="Sunday sessions.")

    def open_mask(self) -> list[list[bool]]:
        """7 x 2 booleans: weekday (Monday first) x (am, pm)."""
        days = (self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun)
        return [["am" in d, "pm" in d] for d in days]

    @property
    def count(self) -> int:
        """Open half-days per week."""
        return sum(sum(row) for row in self.open_mask())


class WeekdayProfile(_Frozen):
    """Relative intensity of requests by weekday (normalised to mean 1 by the model)."""

    mon: float = Field(default=1.25, ge=0, description="Monday relative intensity (1).")
    tue: float = Field(default=1.05, ge=0, description="Tuesday relative intensity (1).")
    wed: float = Field(default=1.0, ge=0, description="Wednesday relative intensity (1).")
    thu: float = Field(default=1.0, ge=0, description="Thursday relative intensity (1).")
    fri: float = Field(default=1.05, ge=0, description="Friday relative intensity (1).")
    sat: float = Field(default=0.45, ge=0, description="Saturday relative intensity (1).")
    sun: float = Field(default=0.2, ge=0, description="Sunday relative intensity (1).")

    def as_tuple(self) -> tuple[float, ...]:
        return (self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun)

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if sum(self.as_tuple()) <= 0:
            raise ValueError("at least one weekday must have a positive intensity")
        return self


def _flat_week() -> WeekdayProfile:
    return WeekdayProfile(mon=1.0, tue=1.0, wed=1.0, thu=1.0, fri=1.0, sat=1.0, sun=1.0)


class HourBandFactors(_Frozen):
    """One factor per band of the hour of arrival: night (00:00-08:00), morning (08:00-12:00),
    afternoon (12:00-20:00) and evening (20:00-24:00)."""

    night: float = Field(default=1.0, ge=0, description="00:00-08:00 (unit of the parent field).")
    morning: float = Field(default=1.0, ge=0, description="08:00-12:00 (unit of the parent field).")
    afternoon: float = Field(
        default=1.0, ge=0, description="12:00-20:00 (unit of the parent field)."
    )
    evening: float = Field(default=1.0, ge=0, description="20:00-24:00 (unit of the parent field).")

    def as_tuple(self) -> tuple[float, float, float, float]:
        """The four values in band order."""
        return (self.night, self.morning, self.afternoon, self.evening)


DEFAULT_HOUR_PROFILE: tuple[float, ...] = (
    (0.25,) * 7 + (0.6,) + (1.5,) * 4 + (1.2,) * 2 + (1.4,) * 6 + (1.0,) * 2 + (0.5,) * 2
)
"""Relative intensity of unscheduled needs by hour (00:00 first): low at night, highest in the
morning and afternoon; 24 % of a weekday's needs arise between 20:00 and 08:00."""


# --------------------------------------------------------------------------------------------
# Calendar, territory, population
# --------------------------------------------------------------------------------------------


class Calendar(_Frozen):
    """The simulated period and the working week."""

    start_date: dt.date = Field(
        default=dt.date(2025, 1, 6),
        ge=MIN_START_DATE,
        le=MAX_START_DATE,
        description="Calendar date of day 0 (ISO date). A Monday by default; no published "
        "figure, a choice.",
    )
    horizon_days: int = Field(
        default=456,
        gt=0,
        le=MAX_HORIZON_DAYS,
        description="Simulated days including the warm-up (days). Default: 91 days of warm-up "
        "then one year (365 days) of measurement. Set by horizon_years when that is given.",
    )
    horizon_years: int | None = Field(
        default=None,
        ge=1,
        le=MAX_HORIZON_YEARS,
        description="Measured years after the warm-up (years of 365 days); when given, it sets "
        "horizon_days = warmup_days + 365 x horizon_years (replacing horizon_days). Results "
        "are reported for the whole window and year by year (measurement year 1 starts at "
        "the end of the warm-up).",
    )
    warmup_days: int = Field(
        default=91,
        ge=0,
        description="Days before metrics start counting (days). No published figure: 13 weeks, "
        "longer than the longest planned lead time; check it with the MSER-5 helper.",
    )
    sessions: WeekSessions = Field(
        default_factory=WeekSessions,
        description="Half-days on which practices are open. Default Monday-Friday and Saturday "
        "morning (11 half-days); each GP works some of them (see gps.sessions_per_week).",
    )
    morning_start_hour: float = Field(
        default=8.0, ge=0, lt=24, description="Start of the morning session (hours, 0-24)."
    )
    afternoon_start_hour: float = Field(
        default=14.0, ge=0, lt=24, description="Start of the afternoon session (hours, 0-24)."
    )
    request_start_hour: float = Field(
        default=7.0,
        ge=0,
        lt=24,
        description="Requests (calls, online bookings) arrive uniformly between this hour and "
        "request_end_hour (hours, 0-24). No published figure.",
    )
    request_end_hour: float = Field(
        default=20.0,
        gt=0,
        le=24,
        description="End of the daily request window (hours, 0-24). No published figure.",
    )
    public_holidays: Literal["france", "none"] = Field(
        default="france",
        description="Public holidays without sessions: 'france' (the 11 French public holidays "
        "of every year in the horizon, computed) or 'none'.",
    )
    closed_days: list[dt.date] = Field(
        default_factory=list,
        description="Further days without sessions in the whole territory (ISO dates).",
    )

    @model_validator(mode="before")
    @classmethod
    def _years(cls, data: Any) -> Any:
        """``horizon_years`` sets ``horizon_days`` (replacing a ``horizon_days`` given too)."""
        if not isinstance(data, dict) or data.get("horizon_years") is None:
            return data
        years, warmup = data["horizon_years"], data.get("warmup_days", 91)
        if isinstance(years, bool) or not isinstance(years, int) or not isinstance(warmup, int):
            return data
        if not 1 <= years <= MAX_HORIZON_YEARS:  # refused at horizon_years alone
            return data
        return {**data, "horizon_days": warmup + 365 * years}

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.warmup_days >= self.horizon_days:
            problems.append(
                (
                    ("warmup_days",),
                    f"the warm-up ({self.warmup_days} days) must be shorter "
                    f"than the horizon ({self.horizon_days} days)",
                )
            )
        if self.afternoon_start_hour <= self.morning_start_hour:
            problems.append(
                (("afternoon_start_hour",), "the afternoon must start after the morning")
            )
        if self.request_end_hour <= self.request_start_hour:
            problems.append((("request_end_hour",), "the request window must end after it starts"))
        if self.sessions.count == 0:
            problems.append((("sessions",), "at least one half-day a week must be open"))
        raise_problems("Calendar", problems)
        return self

    @property
    def end_date(self) -> dt.date:
        """Calendar date of the last simulated day."""
        return self.start_date + dt.timedelta(days=self.horizon_days - 1)

    def day_of(self, when: int | dt.date) -> int:
        """Day number of a ``When`` value (days from ``start_date``)."""
        if isinstance(when, dt.date):
            return (when - self.start_date).days
        return int(when)


class Commune(_Frozen):
    """A commune of the territory (INSEE figures)."""

    insee: str = Field(
        pattern=r"^[0-9][0-9AB][0-9]{3}$", description="INSEE commune code (5 characters)."
    )
    name: str = Field(min_length=1, description="Commune name.")
    population: int = Field(
        ge=0, le=MAX_POPULATION, description="Municipal population (inhabitants, INSEE)."
    )
    lat: float | None = Field(
        default=None, ge=-90, le=90, description="Latitude of the town hall (degrees, WGS84)."
    )
    lon: float | None = Field(
        default=None, ge=-180, le=180, description="Longitude of the town hall (degrees, WGS84)."
    )
    growth_per_year: float | None = Field(
        default=None,
        ge=-0.1,
        le=0.1,
        description="Expected growth of this commune's population in the first year (1/year); "
        "default: population.growth_per_year. Sets the commune's in-migration.",
    )


class Territory(_Frozen):
    """Where people live and GPs practise."""

    name: str = Field(default="territory", min_length=1, description="Territory name.")
    communes: list[Commune] = Field(
        default_factory=list,
        description="Communes of the territory. Empty: one aspatial commune holding the whole "
        "population. Populations are used as given (the sum is the population size).",
    )
    distance_decay_km: float = Field(
        default=10.0,
        ge=0.01,
        le=10_000,
        description="Distance (km) over which the weight of a non-MT GP in a patient's choice "
        "falls by a factor e (weight = exp(-distance / decay)). No published figure.",
    )
    candidate_gps: int = Field(
        default=24,
        ge=1,
        le=256,
        description="How many of the nearest GPs a patient considers when the MT has no slot "
        "(GPs). No published figure.",
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        seen: dict[str, int] = {}
        for i, c in enumerate(self.communes):
            if c.insee in seen:
                problems.append(
                    (
                        ("communes", i, "insee"),
                        f"duplicate INSEE code {c.insee} (also at communes.{seen[c.insee]})",
                    )
                )
            seen.setdefault(c.insee, i)
        raise_problems("Territory", problems)
        return self


class Population(_Frozen):
    """The inhabitants: size, age structure, chronic conditions, declared GPs, turnover."""

    size: int | None = Field(
        default=None,
        ge=0,
        le=MAX_POPULATION,
        description="Inhabitants (people). Optional when the territory lists communes (their "
        "populations are summed); if both are given they must agree.",
    )
    age_shares: AgeShares = Field(
        default=AgeShares(age_0_15=0.185, age_16_59=0.515, age_60_74=0.19, age_75_plus=0.11),
        description="Share of inhabitants per age band (1, sums to 1). No figure in "
        "CALIBRATION.md: rounded from the French age pyramid (INSEE).",
    )
    female_share: Share = Field(
        default=0.516,
        description="Share of women (1). No figure in CALIBRATION.md: French population "
        "(INSEE), about 51.6 %.",
    )
    ald_share: ShareByAge = Field(
        default=ShareByAge(age_0_15=0.02, age_16_59=0.11, age_60_74=0.33, age_75_plus=0.58),
        description="Share with a long-term condition (ALD) per age band (1). No published "
        "figure by band: a rising profile giving about 19 % overall, close to the CNAM order "
        "of magnitude (assumption).",
    )
    without_mt_share: Share = Field(
        default=0.11,
        description="Initial share of adults (16+) without a declared GP (médecin traitant), "
        "ALD patients included (1). CNAM, 30 June 2021: 11 %. People without an ALD get the "
        "share that makes the overall share match; children get the same share as adults "
        "without an ALD (no published figure).",
    )
    without_mt_share_ald: Share = Field(
        default=0.054,
        description="Initial share of ALD patients without an MT (1). CNAM 2022: 5.4 %.",
    )
    death_probability_by_age: AgeSchedule = Field(
        default={
            0: 0.0035,
            1: 0.0001,
            15: 0.0004,
            25: 0.0006,
            35: 0.0011,
            45: 0.0027,
            55: 0.0065,
            65: 0.013,
            75: 0.03,
            85: 0.095,
            95: 0.33,
            105: 1.0,
        },
        description="Probability of dying within a year at each age ({first age of the step: "
        "probability}, 1/year). Derived: rounded death probabilities of the French life "
        "tables (INSEE), scaled so that the French age structure gives about 640,000 deaths "
        "a year (INSEE, bilan démographique 2023: 631,000; 2024: 646,000, for 68.4 million "
        "inhabitants). A territory may give its own.",
    )
    fertility_by_age: AgeSchedule = Field(
        default={16: 0.0206, 25: 0.089, 30: 0.117, 35: 0.0656, 40: 0.0075, 50: 0.0},
        description="Births per woman per year at each age of the mother (1/year). Derived: "
        "INSEE 2024 total fertility rate of 1.62 children per woman (bilan démographique "
        "2024; 663,000 births) spread over ages 16-49 by a profile peaking at 30-34 (the "
        "profile itself: no figure in CALIBRATION.md). Children born during a run stay under "
        "16, so only mothers present at the start or arriving have children.",
    )
    out_migration_by_age: AgeSchedule = Field(
        default={0: 0.05, 16: 0.06, 20: 0.12, 30: 0.06, 45: 0.03, 60: 0.025, 75: 0.02},
        description="Probability of moving out of the territory within a year at each age "
        "(1/year). No published figure for CPTS territories: a profile peaking at 20-29 "
        "(studies, first jobs) that averages about 5 % a year, the rate formerly fitted with "
        "demand.enrol_share so that the share without an MT is stable.",
    )
    growth_per_year: float = Field(
        default=0.0012,
        ge=-0.1,
        le=0.1,
        description="Expected population growth in the first year (1/year); in-migration is "
        "set to reach it given births, deaths and moves out (later years follow the ageing). "
        "INSEE population projections 2021-2070, central scenario: 67.4 million (2021) to "
        "69.3 million (2044), about +0.12 % a year. A commune may give its own "
        "(territory.communes[i].growth_per_year).",
    )
    in_migration_per_year: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Arrivals from outside the territory per inhabitant per year (1/year); "
        "default (null): derived from growth_per_year (expected moves out + deaths - births + "
        "growth). Arrivals have the age profile of out_migration_by_age applied to the "
        "population's age structure, and no MT.",
    )


def _dist_at_most(
    name: str, dist: Any, bound: float, unit: str
) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of a distribution whose parameters exceed ``bound`` (its samples then stay
    in range: a normal or exponential goes past its parameters only by a few spreads)."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for attr, shown in (
        ("value", "value"),
        ("low", "low"),
        ("mode", "mode"),
        ("high", "high"),
        ("mu", "mu"),
        ("sd", "sd"),
        ("mean_value", "mean"),
    ):
        value = getattr(dist, attr, None)
        if (
            isinstance(value, float)
            and value > bound
            and not (attr == "high" and value == float("inf"))
        ):
            loc: tuple[str | int, ...] = (name,) if attr == "value" else (name, shown)
            shown_bound = f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"
            out.append((loc, f"at most {shown_bound} {unit}, got {value:g}"))
    return out


# --------------------------------------------------------------------------------------------
# Demand
# --------------------------------------------------------------------------------------------


class ContactRates(_Frozen):
    """GP contacts wanted per inhabitant per year, by age band, without and with an ALD."""

    non_ald: RateByAge = Field(
        default=RateByAge(age_0_15=2.8, age_16_59=2.5, age_60_74=3.45, age_75_plus=4.7),
        description="Requests per person per year without an ALD (1/year). No published table "
        "by age (CALIBRATION.md): a rising profile, fitted so that GP acts per inhabitant are "
        "3.3-3.7 (DREES APL 2022, Cour des comptes 2025).",
    )
    ald: RateByAge = Field(
        default=RateByAge(age_0_15=4.7, age_16_59=6.75, age_60_74=7.3, age_75_plus=8.85),
        description="Requests per person per year with an ALD (1/year). No published table: "
        "about twice the non-ALD rate (assumption).",
    )


class Epidemic(_Frozen):
    """A winter epidemic (influenza-like illness) adding 24 h unscheduled needs."""

    attack_share: Share = Field(
        default=0.041,
        description="Share of inhabitants consulting a GP for the epidemic over one season (1). "
        "Souty et al. 2019: 4.1 %.",
    )
    duration_weeks: float = Field(
        default=9.0,
        ge=0.1,
        le=52,
        description="Length of the epidemic (weeks). Souty et al. 2019: about 9 weeks.",
    )
    peak_day_of_year: int = Field(
        default=35,
        ge=1,
        le=366,
        description="Day of the calendar year of the epidemic peak (day of year). No published "
        "date in CALIBRATION.md: early February, typical of French influenza seasons.",
    )


class Demand(_Frozen):
    """Requests for GP care: volume, kinds, timing, patience and routing attributes."""

    contacts_per_year: ContactRates = Field(
        default_factory=ContactRates, description="Request rates by age band and ALD."
    )
    unscheduled_share: Share = Field(
        default=0.40,
        description="Share of requests that are unscheduled needs (soins non programmés) (1). "
        "Published range 11-12 % (strict urgency, DREES 2006) to about 50 % (MG France 2024); "
        "fitted inside it so that half of appointments come within a day (DREES 2018).",
    )
    unscheduled_24h_share: Share = Field(
        default=0.5,
        description="Share of unscheduled needs that need care within 24 h, the rest within "
        "48 h (1). No published figure.",
    )
    weekday_profile: WeekdayProfile = Field(
        default_factory=WeekdayProfile,
        description="Relative intensity of planned requests by weekday (calls and online "
        "bookings to practices). No published GP figure: Mondays heavier, little on "
        "weekends, when practices are closed.",
    )
    unscheduled_weekday_profile: WeekdayProfile = Field(
        default_factory=_flat_week,
        description="Relative intensity by weekday of unscheduled needs and of emergencies, "
        "which arise whether practices are open or not. No published figure: flat (illness "
        "taken as independent of the weekday). The Monday peak of ED visits (+11 %, DREES ER "
        "1320, 2024) is left for the model to produce, and checked (docs/calibration.md).",
    )
    unscheduled_hour_profile: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: list(DEFAULT_HOUR_PROFILE),
        min_length=24,
        max_length=24,
        description="Relative intensity of unscheduled needs and emergencies by hour of the "
        "day, 24 values from 00:00 (1). They arise around the clock; planned requests arrive "
        "between calendar.request_start_hour and request_end_hour. No published figure: low "
        "at night and highest in the day, as urgent GP recourse is 'essentially diurnal' "
        "(DREES ER 471, 2006); 24 % of a weekday's needs arise between 20:00 and 08:00.",
    )
    seasonal_amplitude: float = Field(
        default=0.10,
        ge=0,
        lt=1,
        description="Relative amplitude of a yearly cosine in all demand, peaking in mid-January "
        "(1). No published figure.",
    )
    epidemic: Epidemic | None = Field(
        default_factory=Epidemic,
        description="Winter epidemic adding 24 h unscheduled needs (null: none).",
    )
    planned_asap_share: Share = Field(
        default=0.55,
        description="Share of planned requests wanting the earliest possible day (1); the others "
        "are booked ahead (renewals, check-ups). No published figure; fitted to DREES 2018 waits.",
    )
    planned_lead_days: Distribution = Field(
        default_factory=lambda: Triangular(low=1, mode=6, high=35),
        description="For planned requests booked ahead: days between the request and the "
        "desired earliest day (days). No published figure; fitted to DREES 2018 (routine check "
        "median 6 days, all requests mean 6 days).",
    )
    planned_patience_days: Distribution = Field(
        default_factory=lambda: Triangular(low=7, mode=21, high=60),
        description="How long past the desired day a planned request waits for a slot before it "
        "is forgone (days). No published figure.",
    )
    planned_mt_tolerance_days: float = Field(
        default=3.0,
        ge=0,
        le=MAX_DAYS,
        description="Days past the desired day a planned patient waits for their own MT; past "
        "it they take the earliest slot of the MT or a colleague of the practice (days). No "
        "published figure.",
    )
    home_visit_share_75_plus: Share = Field(
        default=0.25,
        description="Share of requests of people aged 75+ that are home visits, taking two "
        "slots (1). Derived: 15 M home visits of about 250 M GP acts in 2023 (Cour des comptes "
        "2025), concentrated on the oldest; a home visit lasts 37 min against 18 (DREES 2019).",
    )
    ed_share_unmet_24h: Share = Field(
        default=0.12,
        description="Share of 24 h needs that found no care in time and then go to the "
        "emergency department (1); the others go without care, and may ask again later "
        "(repeat_share). Fitted so that ED visits after a failed search for care are about "
        "6 % of all ED visits: DREES ER 889 (2014, survey of 11 June 2013), the absence of "
        "the patient's own GP is the reason given for 6 % of ED visits.",
    )
    ed_share_unmet_48h: Share = Field(
        default=0.04,
        description="The same for 48 h needs (1). No published figure: a third of the 24 h "
        "share, fitted with it.",
    )
    ed_direct_share_24h: Share = Field(
        default=0.09,
        description="Share of 24 h needs whose patient goes straight to the emergency "
        "department, whatever the GP agendas (1), before the age and hour factors. Fitted so "
        "that ED visits primary care could have handled are about 43 % of all ED visits "
        "(DREES 2013 survey) and ED visits about 310 per 1,000 inhabitants a year (20.9 M in "
        "2023, DREES ER 1320); six ED visits in ten are on the patient's own initiative "
        "(DREES ER 889, 2014).",
    )
    ed_direct_share_48h: Share = Field(
        default=0.03,
        description="The same for 48 h needs (1). No published figure: less severe needs go "
        "less often straight to the ED.",
    )
    ed_direct_age_factor: ByAge = Field(
        default=ByAge(age_0_15=1.5, age_16_59=1.0, age_60_74=0.8, age_75_plus=1.3),
        description="Factor on the direct ED share by age band (1). No published figure by "
        "band: ED use is highest for infants and people aged 75+ (DREES ER 889, 2014).",
    )
    ed_direct_hour_factor: HourBandFactors = Field(
        default=HourBandFactors(night=2.5, morning=0.8, afternoon=1.0, evening=1.5),
        description="Factor on the direct ED share by hour of the need (1). No published "
        "figure: higher at night and in the evening, when practices are closed.",
    )
    emergencies_per_year: RateByAge = Field(
        default=RateByAge(age_0_15=0.19, age_16_59=0.15, age_60_74=0.16, age_75_plus=0.32),
        description="Emergencies primary care could not handle, per person per year by age "
        "band (1/year): they go straight to the ED and use no primary-care resource. Derived: "
        "310 ED visits per 1,000 inhabitants a year (20.9 M in 2023, DREES ER 1320) of which "
        "57 % could not have been handled in primary care (DREES 2013 survey), about 177 per "
        "1,000; higher for children and people aged 75+ (DREES ER 889); the relative levels "
        "by band have no published figure.",
    )
    repeat_share: Share = Field(
        default=0.5,
        description="Share of unscheduled needs that found no care (and did not go to the ED) "
        "whose patient asks again later (1); the others are forgone. No published figure; "
        "42 % of urgent GP recourse comes two days or more after the first symptoms (DREES "
        "ER 607, 2007).",
    )
    repeat_delay_min_days: float = Field(
        default=1.0,
        ge=1.0,
        le=30.0,
        description="Shortest delay before a need is asked again (days, at least 1: the next "
        "day). No published figure.",
    )
    repeat_delay_max_days: float = Field(
        default=3.0,
        ge=1.0,
        le=30.0,
        description="Longest delay before a need is asked again (days); the delay is uniform "
        "between the two. No published figure.",
    )
    max_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Times a need is asked at most, the first included (requests); after the "
        "last it is forgone. No published figure.",
    )
    sore_throat_share: Share = Field(
        default=0.06,
        description="Share of unscheduled needs that are a sore throat (1). No published figure.",
    )
    cystitis_share: Share = Field(
        default=0.03,
        description="Share of unscheduled needs that are a cystitis (1); only women have one. "
        "No published figure.",
    )
    enrol_share: Share = Field(
        default=0.9,
        description="Share of patients without an MT who ask to enrol after a consultation with "
        "a GP who takes new patients and has room (1). No published figure; fitted so that "
        "the share without an MT is stable without policy (most people want an MT: visits "
        "outside the coordinated pathway are reimbursed 30 % instead of 70 %).",
    )
    unscheduled_tries_other_gps: bool = Field(
        default=True,
        description="Whether an unscheduled need whose MT and practice are full tries other "
        "GPs of the territory who see non-enrolled patients before the shared rota.",
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.sore_throat_share + self.cystitis_share > 1 + _TOL:
            problems.append(
                (("cystitis_share",), "sore_throat_share + cystitis_share must be <= 1")
            )
        for name in ("planned_lead_days", "planned_patience_days"):
            d = getattr(self, name)
            lows = [getattr(d, a) for a in ("value", "low") if hasattr(d, a)]
            if lows and min(lows) < 0:
                problems.append(((name,), "days cannot be negative"))
            problems.extend(_dist_at_most(name, d, MAX_DAYS, "days"))
        if sum(self.unscheduled_hour_profile) <= 0:
            problems.append(
                (("unscheduled_hour_profile",), "at least one hour must have a positive intensity")
            )
        if self.repeat_delay_max_days < self.repeat_delay_min_days:
            problems.append((("repeat_delay_max_days",), "must be >= repeat_delay_min_days"))
        raise_problems("Demand", problems)
        return self


# --------------------------------------------------------------------------------------------
# GPs and practices
# --------------------------------------------------------------------------------------------

PracticeKind = Literal["solo", "group", "msp", "centre"]


class PracticeMix(_Frozen):
    """Shares of generated GPs by kind of practice, and practice sizes."""

    solo: Share = Field(default=0.35, description="Share of GPs in solo offices (1).")
    group: Share = Field(default=0.35, description="Share of GPs in group offices (1).")
    msp: Share = Field(
        default=0.20, description="Share of GPs in multi-professional health houses (MSP) (1)."
    )
    centre: Share = Field(
        default=0.10, description="Share of GPs in health centres (salaried GPs) (1)."
    )
    group_size: int = Field(default=3, ge=2, le=MAX_GPS, description="GPs per group office (GPs).")
    msp_size: int = Field(default=5, ge=2, le=MAX_GPS, description="GPs per MSP (GPs).")
    centre_size: int = Field(
        default=6, ge=2, le=MAX_GPS, description="GPs per health centre (GPs)."
    )

    @model_validator(mode="after")
    def _sum(self) -> Self:
        total = self.solo + self.group + self.msp + self.centre
        if abs(total - 1.0) > _TOL:
            raise ValueError(f"practice shares must sum to 1 (they sum to {total:.6g})")
        return self


class PracticeSpec(_Frozen):
    """An explicit practice (for GPs listed one by one)."""

    id: str = Field(min_length=1, description="Practice identifier, referenced by GPs.")
    kind: PracticeKind = Field(default="group", description="Kind of practice.")
    commune: str | None = Field(
        default=None, description="INSEE code of its commune (default: the most populous)."
    )
    name: str | None = Field(default=None, description="Practice name.")


class GPSpec(_Frozen):
    """One GP listed explicitly."""

    id: str = Field(min_length=1, description="GP identifier (unique).")
    practice: str | None = Field(
        default=None, description="Practice id (see gps.practices); none: a solo office."
    )
    commune: str | None = Field(
        default=None,
        description="INSEE code of the commune where the GP practises (default: the "
        "practice's commune, else the most populous commune).",
    )
    fte: float = Field(default=1.0, gt=0, le=1.5, description="Full-time equivalent (1).")
    list_capacity: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LIST_CAPACITY,
        description="Maximum adult MT patients (people). Default: gps.list_capacity_per_fte "
        "mean times FTE.",
    )
    accepts_new_patients: bool = Field(
        default=False,
        description="Whether the GP takes new MT patients while under capacity (a patient "
        "without an MT may then see it for a first consultation).",
    )
    sees_occasional_unscheduled: bool = Field(
        default=True,
        description="Whether the GP sees the unscheduled needs of patients who are not on its "
        "list (occasional patients: without an MT, or whose MT has no slot).",
    )
    sees_occasional_planned: bool = Field(
        default=True,
        description="Whether the GP sees the planned requests of patients who are not on its list.",
    )
    age: int | None = Field(default=None, ge=25, le=80, description="Age (years).")
    start: When = Field(default=0, description="First working day (day or date).")
    leave: When | None = Field(
        default=None, description="Day the GP stops practising (day or date); none: stays."
    )


class GPPool(_Frozen):
    """The GPs of the territory: listed one by one (``roster``) and/or generated (``count``)."""

    count: int | None = Field(
        default=None,
        ge=0,
        le=MAX_GPS,
        description="Number of GPs to generate (GPs). If neither count nor roster is given, "
        "the count is derived from density_per_100k.",
    )
    density_per_100k: float = Field(
        default=78.0,
        ge=0,
        le=10_000_000,
        description="Liberal GPs per 100,000 inhabitants used when count is not given "
        "(GPs/100k). DREES 2021: 78 per 100,000.",
    )
    roster: list[GPSpec] = Field(default_factory=list, description="GPs listed one by one.")
    practices: list[PracticeSpec] = Field(
        default_factory=list, description="Explicit practices referenced by the roster."
    )
    fte: Distribution = Field(
        default_factory=lambda: Triangular(low=0.75, mode=1.0, high=1.0),
        description="Full-time equivalent of generated GPs (1). No published figure: a "
        "triangular distribution of mean 0.92, fitted so that mean MT lists are 900-1,050 "
        "adults per FTE GP (CNAM 2021: 960 per GP).",
    )
    sessions_per_week: float = Field(
        default=9.5,
        gt=0,
        le=14,
        description="Half-day sessions worked per week by a full-time GP (half-days/week); "
        "scaled by FTE. DREES GP panel 2019: 9.5 half-days.",
    )
    slots_per_session: float = Field(
        default=13.2,
        gt=0,
        le=5000,
        description="Consultation slots per half-day session (slots). Derived then fitted: "
        "about 5,000 acts a year for a full-time GP (CNAM) over 45.8 working weeks (52 - 6.2 "
        "weeks of leave, DREES 2019) x 9.5 half-days is 11.5 acts per half-day; 13.2 slots "
        "give 4,600-5,400 acts per FTE at the simulated utilisation (about 88 %).",
    )
    initial_booked_share: Share = Field(
        default=0.7,
        description="Share of regular slots already booked on day 0 in the first session, "
        "falling linearly to 0 over initial_booked_weeks (1): the initial backlog, so that the "
        "warm-up starts near the steady state. No published figure.",
    )
    initial_booked_weeks: float = Field(
        default=4.0,
        ge=0,
        le=520,
        description="Weeks over which the initial backlog falls to 0 (weeks). No published figure.",
    )
    weeks_of_leave: float = Field(
        default=6.2,
        ge=0,
        le=26,
        description="Weeks of leave a year (weeks): 3 weeks in summer, the rest in one-week "
        "blocks. DREES GP panel 2019: 6.2 weeks.",
    )
    list_capacity_per_fte: Distribution = Field(
        default_factory=lambda: Normal(mu=1060.0, sd=250.0, low=400.0, high=2500.0),
        description="Maximum adult MT list per FTE of generated GPs (people/FTE). No published "
        "figure for the maximum; fitted so that mean lists are about 960-1,000 adults per FTE "
        "GP and 11 % of adults have no MT (CNAM 2021), with the lists of the GPs installed "
        "in the last newcomer_ramp_years still growing.",
    )
    accepts_new_patients_share: Share = Field(
        default=0.35,
        description="Share of generated GPs whose list is open (under capacity) on day 0 (1). "
        "DREES panel 2022: 65 % of GPs refuse new MT patients. During the run every generated "
        "GP takes new MT patients while its list is under capacity. Taking new MT patients "
        "and seeing occasional patients are separate decisions (sees_occasional_*).",
    )
    sees_occasional_unscheduled_share: Share = Field(
        default=0.75,
        description="Share of generated GPs who see the unscheduled needs of occasional "
        "patients, not on their list (without an MT, or whose MT has no slot), when they have "
        "a slot (1). No published figure for unscheduled needs alone: 46 % of GPs are led to "
        "refuse occasional patients at times (DREES, Études et Résultats, May 2024, GP panel "
        "2019), a separate and less frequent adaptation than refusing new MT patients (DREES "
        "ER 1267, 2023); 96 % of GPs organise same-day care (DREES 2020). Assumption: most "
        "still see an occasional patient's urgent need.",
    )
    sees_occasional_planned_share: Share = Field(
        default=0.54,
        description="Share of generated GPs who see the planned requests of occasional "
        "patients (1). DREES, Études et Résultats, May 2024 (GP panel 2019): 46 % of GPs are "
        "led to refuse occasional patients, so 54 % are not. The GPs who see occasional "
        "planned requests also see occasional unscheduled needs when that share is larger.",
    )
    open_list_initial_fill: Share = Field(
        default=0.95,
        description="Share of list capacity filled on day 0 for GPs whose list is open (1); "
        "closed lists start full. No published figure.",
    )
    aged_60_plus_share: Share = Field(
        default=0.34,
        description="Share of generated GPs aged 60+ on day 0 (1). CNAM 2021: 34 % of liberal "
        "GPs. Scales the steps of age_profile from 60 on (the others share the rest).",
    )
    age_profile: AgeSchedule = Field(
        default={30: 0.17, 40: 0.21, 50: 0.28, 60: 0.15, 65: 0.12, 70: 0.07, 80: 0.0},
        description="Relative weight of each age step of generated GPs on day 0 (ages uniform "
        "within a step; the last step ends the profile). 34 % aged 60+ (CNAM 2021); the split "
        "within the other ages has no published figure for liberal GPs (CNOM 2017: 20 % of "
        "all practising doctors under 40).",
    )
    retirement_by_age: AgeSchedule = Field(
        default={60: 0.03, 65: 0.09, 70: 0.10, 80: 1.0},
        description="Probability that a GP retires within a year at each age (1/year). "
        "Derived: with the default age profile, 3.1 % of GPs retire in the first year, the "
        "70 % of the 2,327 cessations among 52,149 liberal GPs in 2022 that were retirements "
        "(CNAM); the profile by age has no published figure beyond the mean age at the end of "
        "liberal practice, 67 in 2017 (DREES 2018, cumul emploi-retraite).",
    )
    retirement_scale: float = Field(
        default=1.0,
        ge=0,
        le=10,
        description="Multiplier of retirement_by_age at every age (1; probabilities above 1 "
        "count as 1): a planner's stress test of faster or slower retirements (e.g. 0.5 to 2). "
        "No published figure.",
    )
    other_departure_rate: float = Field(
        default=0.0134,
        ge=0,
        le=1,
        description="Probability that a GP stops practising in the territory for another "
        "reason (move, salaried work, illness) within a year, at any age (1/year). Derived: "
        "the 30 % of the 2,327 cessations of 2022 that were not retirements, among 52,149 "
        "GPs (CNAM).",
    )
    installations_per_100k: float = Field(
        default=3.45,
        ge=0,
        le=100,
        description="GPs installing in the territory each year per 100,000 inhabitants on "
        "day 0 (1/year), before attractiveness and policies. CNAM 2022: 2,357 installations "
        "of liberal GPs for 68.3 million inhabitants (INSEE).",
    )
    attractiveness: float = Field(
        default=1.0,
        ge=0,
        le=10,
        description="Multiplier of installations_per_100k for this territory (1 = national "
        "average). No published figure: set it from the territory's observed installations "
        "(e.g. 0.5 for a territory that attracts half the national rate).",
    )
    newcomer_age: Distribution = Field(
        default_factory=lambda: Triangular(low=28, mode=32, high=45),
        description="Age of a GP when installing (years). Mean 35: the CNOM atlas 2014 gives "
        "34.2 years as the mean age of newly installed doctors; the spread has no published "
        "figure.",
    )
    newcomer_list_capacity: int = Field(
        default=1100,
        ge=0,
        le=MAX_LIST_CAPACITY,
        description="Full list capacity of an installing GP per FTE (people/FTE). No published "
        "figure.",
    )
    newcomer_start_share: Share = Field(
        default=0.4,
        description="Share of the full list capacity an installing GP takes at first; it grows "
        "linearly to the full capacity over newcomer_ramp_years (1). No published figure.",
    )
    newcomer_ramp_years: float = Field(
        default=3.0,
        ge=0,
        le=15,
        description="Years over which an installing GP's list capacity grows to its full "
        "value (years). No published figure. The generated GPs of day 0 who installed less "
        "than this long ago (their age at installation drawn from newcomer_age, below their "
        "age) start part way through it, as in the steady state of the installation flow.",
    )
    newcomer_practice_mix: PracticeMix = Field(
        default_factory=lambda: PracticeMix(solo=0.15, group=0.35, msp=0.35, centre=0.15),
        description="Kinds of practice installing GPs join (newcomers of a commune and kind "
        "practise together). No published figure: young GPs favour group practice.",
    )
    practice_mix: PracticeMix = Field(
        default_factory=PracticeMix,
        description="Kinds and sizes of practices of generated GPs. No published figure.",
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        ids: dict[str, int] = {}
        for i, g in enumerate(self.roster):
            if g.id in ids:
                problems.append((("roster", i, "id"), f"duplicate GP id {g.id!r}"))
            ids.setdefault(g.id, i)
        pids: set[str] = set()
        for i, p in enumerate(self.practices):
            if p.id in pids:
                problems.append((("practices", i, "id"), f"duplicate practice id {p.id!r}"))
            pids.add(p.id)
        for i, g in enumerate(self.roster):
            if g.practice is not None and g.practice not in pids:
                problems.append(
                    (
                        ("roster", i, "practice"),
                        f"unknown practice {g.practice!r} (not in gps.practices)",
                    )
                )
        for name in ("fte", "list_capacity_per_fte", "newcomer_age"):
            d = getattr(self, name)
            lows = [getattr(d, a) for a in ("value", "low") if hasattr(d, a)]
            if lows and min(lows) < 0:
                problems.append(((name,), "cannot be negative"))
        problems.extend(_dist_at_most("fte", self.fte, 1.5, "FTE"))
        problems.extend(
            _dist_at_most(
                "list_capacity_per_fte", self.list_capacity_per_fte, MAX_LIST_CAPACITY, "people"
            )
        )
        # An age at installation past every default retirement age (80) is an input error.
        problems.extend(_dist_at_most("newcomer_age", self.newcomer_age, 80, "years"))
        raise_problems("GPPool", problems)
        return self


# --------------------------------------------------------------------------------------------
# Out-of-hours care
# --------------------------------------------------------------------------------------------


class OutOfHoursCapacity(_Frozen):
    """Acts the out-of-hours service can give per 100,000 inhabitants in each kind of period."""

    night: float = Field(
        default=8.0,
        ge=0,
        le=MAX_DAILY_ACTS,
        description="Per night, from night_start_hour to night_end_hour (acts per 100,000 "
        "inhabitants per night).",
    )
    saturday_afternoon: float = Field(
        default=30.0,
        ge=0,
        le=MAX_DAILY_ACTS,
        description="Per Saturday afternoon, from saturday_start_hour to night_start_hour "
        "(acts per 100,000 inhabitants).",
    )
    sunday_holiday: float = Field(
        default=70.0,
        ge=0,
        le=MAX_DAILY_ACTS,
        description="Per Sunday, public holiday or territory closed day, from night_end_hour "
        "to night_start_hour (acts per 100,000 inhabitants).",
    )


class OutOfHours(_Frozen):
    """Out-of-hours care (permanence des soins ambulatoires, PDSA): GPs on call, maisons
    médicales de garde, SOS Médecins, regulated through the 15 or the 116 117."""

    night_start_hour: int = Field(
        default=20,
        ge=12,
        le=24,
        description="Hour at which the night period starts, every day (hour). PDSA: 20:00 "
        "(DREES 2020 note on same-day care, definition box; Code de la santé publique).",
    )
    night_end_hour: int = Field(
        default=8,
        ge=0,
        le=12,
        description="Hour at which the night period ends (hour). PDSA: 08:00.",
    )
    saturday_start_hour: int = Field(
        default=12,
        ge=0,
        le=24,
        description="Hour at which the weekend period starts on Saturdays (hour). PDSA: "
        "Saturday 12:00 to Monday 08:00.",
    )
    public_holidays: bool = Field(
        default=True,
        description="Public holidays and territory closed days (calendar) are out-of-hours "
        "days, 08:00-20:00 as well as the night. PDSA: yes.",
    )
    capacity_per_100k: OutOfHoursCapacity = Field(
        default_factory=OutOfHoursCapacity,
        description="Acts per period per 100,000 inhabitants. No published figure by period. "
        "Order of magnitude: the urgent-care associations alone (SOS Médecins and the like) "
        "gave 5 % of the 35 M urgent or unscheduled GP recourses of 2004, about 1.75 M acts "
        "or 2,800 per 100,000 inhabitants a year (DREES ER 471, 2006); assumption: the whole "
        "service (GPs on call, maisons médicales de garde) gives about three times that. The "
        "defaults, 8 a night, 30 a Saturday afternoon and 70 a Sunday or holiday, make about "
        "8,900 acts per 100,000 inhabitants a year.",
    )

    @model_validator(mode="after")
    def _hours(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.night_start_hour <= self.night_end_hour:
            problems.append((("night_start_hour",), "must come after night_end_hour"))
        if not self.night_end_hour <= self.saturday_start_hour <= self.night_start_hour:
            problems.append(
                (
                    ("saturday_start_hour",),
                    "must lie between night_end_hour and night_start_hour",
                )
            )
        raise_problems("OutOfHours", problems)
        return self


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------


_FUNDER = (
    "Who pays the policy's own costs: 'amo' (the health insurance; default: the CPTS contract "
    "(ACI), the medical-assistant aid and Asalée are funded by the Assurance Maladie), 'ars' "
    "(the ARS's regional intervention fund, FIR), 'state' or 'local' (local authorities)."
)


class _Policy(_Frozen):
    start: When = Field(
        default=0, description="Day the policy starts (day or date); 0 = from the beginning."
    )
    end: When | None = Field(
        default=None,
        description="Day the policy stops (day or date), e.g. the end of a five-year "
        "contract; none: it runs to the horizon.",
    )
    funder: Funder = Field(default="amo", description=_FUNDER)


class UnscheduledSlots(_Policy):
    """Slots reserved for unscheduled care in every session, and a shared CPTS rota."""

    reserved_share: float = Field(
        default=0.2,
        ge=0,
        le=0.9,
        description=N_(
            "Share of each session's slots reserved for unscheduled needs (1). No published figure."
        ),
    )
    release_time_hours: float = Field(
        default=18.0,
        ge=0,
        lt=24,
        description=N_("Clock time at which reserved slots still free are released (hours, 0-24)."),
    )
    release_day: Literal["previous", "same"] = Field(
        default="previous",
        description=N_(
            "Release on the day before the session ('previous', e.g. the evening "
            "before) or on its own day ('same')."
        ),
    )
    unused: Literal["return", "lose"] = Field(
        default="return",
        description=N_("What happens to released slots: 'return' to general booking, or 'lose'."),
    )
    shared_rota: bool = Field(
        default=False,
        description=N_(
            "CPTS shared unscheduled-care rota (SAS offer): any participating GP's "
            "reserved slot serves any patient of the territory."
        ),
    )
    rota_participation_share: Share = Field(
        default=1.0, description=N_("Share of GPs whose reserved slots are on the rota (1).")
    )
    sas: bool = Field(
        default=False,
        description=N_(
            "Service d'accès aux soins (SAS) on the rota: a regulator routes an unscheduled "
            "need that found no slot to a rota GP's slot within sas_window_hours of the call "
            "(reserved or regular), whether the need was for 24 h or 48 h. Needs a shared rota."
        ),
    )
    sas_window_hours: float = Field(
        default=48.0,
        gt=0,
        le=96,
        description="How far ahead the SAS looks for a slot (hours). SAS target: an "
        "appointment within 48 h when the MT is not available.",
    )

    @model_validator(mode="after")
    def _sas_needs_rota(self) -> Self:
        if self.sas and not self.shared_rota:
            raise_problems(
                "UnscheduledSlots",
                [(("sas",), "the SAS routes needs to rota GPs: set shared_rota: true")],
            )
        return self

    rota_cost_per_year_eur: float = Field(
        default=0.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Cost of running the rota (coordination, regulation) (EUR/year). No "
            "published figure; CPTS ACI ceilings are EUR 220k-450k a year for all missions (2019)."
        ),
    )


class TeleEligibility(_Frozen):
    """Share of requests that can be handled by teleconsultation, by kind and age band."""

    planned: ShareByAge = Field(
        default=ShareByAge(age_0_15=0.15, age_16_59=0.4, age_60_74=0.25, age_75_plus=0.1),
        description="Planned requests (1). No published figure; users aged 15-44 are 45 % of "
        "teleconsultations (DREES ER 1249).",
    )
    unscheduled_24h: ShareByAge = Field(
        default=ShareByAge(age_0_15=0.3, age_16_59=0.5, age_60_74=0.35, age_75_plus=0.15),
        description="Unscheduled 24 h needs (1). No published figure.",
    )
    unscheduled_48h: ShareByAge = Field(
        default=ShareByAge(age_0_15=0.3, age_16_59=0.5, age_60_74=0.35, age_75_plus=0.15),
        description="Unscheduled 48 h needs (1). No published figure.",
    )


class Teleconsultation(_Policy):
    """Teleconsultation by territory GPs (their time) and by an external platform."""

    gp_daily_capacity: float = Field(
        default=0.0,
        ge=0,
        le=MAX_DAILY_ACTS,
        description=N_(
            "Teleconsultations a day offered by territory GPs (acts/day); each takes "
            "minutes_per_act of GP time away from office slots."
        ),
    )
    platform_daily_capacity: float = Field(
        default=0.0,
        ge=0,
        le=MAX_DAILY_ACTS,
        description=N_(
            "Teleconsultations a day offered by an external platform (acts/day); never "
            "the patient's MT, uses no territory GP time."
        ),
    )
    minutes_per_act: float = Field(
        default=10.0,
        ge=1,
        le=480,
        description="Length of a teleconsultation (min). DREES: about 10 min.",
    )
    consultation_minutes: float = Field(
        default=18.0,
        ge=1,
        le=480,
        description="Length of an office consultation, to convert GP time (min). DREES 2019.",
    )
    eligible: TeleEligibility = Field(
        default_factory=TeleEligibility, description="Who can be served remotely."
    )
    open_days: Literal["weekdays", "all"] = Field(
        default="all",
        description="Days with teleconsultation capacity: 'weekdays' (Monday-Saturday) or 'all'.",
    )
    cost_per_act_eur: float = Field(
        default=25.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Fee of one teleconsultation, TCG (EUR). EUR 25: kept for the five years of the "
            "2024 medical convention while the office consultation went to EUR 30 (Assurance "
            "Maladie communiqué of 17 December 2024, as reported by KPS on 23 December 2024). "
            "The health insurance pays its share (costs.reimbursement)."
        ),
    )
    platform_fixed_cost_per_year_eur: float = Field(
        default=0.0, ge=0, le=MAX_EUR, description="Fixed cost of the platform contract (EUR/year)."
    )
    first_choice_share: ShareByAge = Field(
        default=ShareByAge(age_0_15=0.06, age_16_59=0.06, age_60_74=0.04, age_75_plus=0.02),
        description="Share of eligible requests whose patient tries a teleconsultation first, "
        "before any GP slot (1). Fitted with first_choice_without_mt_factor so that patients "
        "aged 15-44 are about 45 % of teleconsultation users and patients without an MT about "
        "27.6 % of platform users (DREES ER 1249).",
    )
    first_choice_without_mt_factor: float = Field(
        default=5.0,
        ge=0,
        description="Factor on first_choice_share for patients without an active MT (1). "
        "Fitted as above (DREES ER 1249: 27.6 % of platform users have no MT).",
    )
    followup_share: Share = Field(
        default=0.15,
        description="Share of teleconsultations after which the patient needs an in-person "
        "consultation (1): a new request of the same kind the next day, which cannot be "
        "remote. No published figure.",
    )


class MedicalAssistants(_Policy):
    """Medical assistants (assistants médicaux) working with volunteering GPs."""

    count_fte: float | None = Field(
        default=None,
        ge=0,
        le=2 * MAX_GPS,
        description=N_("Total assistant FTE, spread at fte_per_gp over volunteering GPs (FTE)."),
    )
    fte_per_gp: float = Field(
        default=1.0,
        ge=0.01,
        le=2,
        description=N_("Assistant FTE per participating GP (FTE). The CNAM aid is halved at 0.5."),
    )
    all_gps: bool = Field(
        default=False,
        description="Give an assistant to every GP (count_fte is then ignored). GPs with an "
        "assistant take new MT patients from the policy start while under capacity (the CNAM "
        "contract requires a larger list).",
    )
    acts_gain: float = Field(
        default=0.025,
        ge=0,
        le=1,
        description="Relative gain in slots per session once phased in (1), calibrated on the "
        "net effect: CNAM Dec 2024 (402 GPs vs 18,600 controls) observed acts per day +7.2 % "
        "after 4 years against +0.5 % for controls, +6.7 points net, which includes the acts "
        "of the larger list; with the list gain below, a 2.5 % slot gain gives a 4-year "
        "difference-in-differences of acts of about +6.9 points in the model "
        "(tests/validation/test_costs.py).",
    )
    list_gain: float = Field(
        default=0.129,
        ge=0,
        le=2,
        description="Relative gain in MT list capacity once phased in, net of what GPs "
        "without an assistant gained (1). CNAM Dec 2024: MT list +19.5 % after 4 years (1,318 "
        "-> 1,576) against +6.6 % for controls, +12.9 points net (the gross +19.5 % includes "
        "the trend controls share).",
    )
    phase_in_years: float = Field(
        default=4.0,
        ge=0,
        le=100,
        description=N_(
            "Years over which the gains grow linearly to their full value (years). CNAM "
            "observed the gains after 4 years; 0 = immediate."
        ),
    )
    cnam_aid_per_fte_eur: list[Annotated[float, Field(ge=0, le=MAX_EUR)]] = Field(
        default=[38000.0, 28000.0, 22000.0],
        min_length=1,
        description="CNAM aid per FTE by contract year; the last value applies to later years "
        "(EUR/FTE-year). CNAM convention 2024: 38,000, 28,000, then 22,000.",
    )
    employer_cost_per_fte_year_eur: float = Field(
        default=40000.0,
        ge=0,
        le=MAX_EUR,
        description="Salary cost of one assistant FTE to the GP (EUR/FTE-year). No published "
        "figure. Reported in the breakdown as the GP's net cost (salary minus aid).",
    )


class Nurses(_Policy):
    """Asalée or advanced-practice (IPA) nurses working with GPs."""

    fte: float = Field(
        default=1.0, ge=0, le=2 * MAX_GPS, description=N_("Nurse FTE in the territory (FTE).")
    )
    kind: Literal["asalee", "ipa"] = Field(
        default="asalee",
        description=N_(
            "Asalée (health-education nurse, salaried by the Asalée association, funded by the "
            "health insurance) or IPA (liberal advanced-practice nurse paid by follow-up "
            "forfaits). Both take over ALD follow-ups of the GPs they work with; defaults of "
            "capacity and cost depend on the kind."
        ),
    )
    gps_per_fte: float = Field(
        default=5.0,
        ge=0.01,
        le=MAX_GPS,
        description="GPs a nurse FTE works with (GPs/FTE). Asalée financing convention: 1 FTE "
        "nurse per 5 FTE GPs.",
    )
    ald_followup_share: Share = Field(
        default=0.4,
        description="Share of the planned requests of ALD patients of associated GPs that the "
        "nurse takes over, within its capacity (1). No published figure of the share itself: "
        "calibrated so that the follow-ups an Asalée nurse FTE takes over free 72-80 GP days a "
        "year (two sessions of slots each), the assumption of the Asalée financing convention "
        "(tests/validation/test_costs.py).",
    )
    consultation_minutes: float | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Length of a nurse follow-up (min). Default by kind: IPA 37.5, the middle "
        "of the published 30-45 min of an IPA consultation (CALIBRATION.md; a marked default, "
        "no single figure); Asalée 40 (no published figure). With patient_minutes_per_day it "
        "sets the daily capacity when acts_per_fte_day is not given.",
    )
    patient_minutes_per_day: float = Field(
        default=360.0,
        gt=0,
        le=1440,
        description="Minutes a nurse FTE spends with patients per working day (min/day). No "
        "published figure: 6 hours.",
    )
    acts_per_fte_day: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="Follow-ups a nurse FTE can do per working day (acts/day). Default: "
        "patient_minutes_per_day / consultation_minutes (IPA 9.6, Asalée 9; no published "
        "figure). The Asalée default puts the GP days saved per nurse FTE within the 72-80 "
        "days a year of the financing convention (tests/validation/test_costs.py).",
    )
    list_capacity_gain: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Relative gain in list capacity of each associated GP on top of the "
        "follow-ups the nurse takes over (1). Default 0 for both kinds: the 72-80 GP days a "
        "year an Asalée nurse FTE saves (financing convention) are the follow-ups it takes "
        "over, which the model already frees in the GPs' agendas; a list gain derived from "
        "the same days would count that time twice (CALIBRATION.md, policy evaluations as net "
        "effects). Set it only for an effect measured net of the follow-ups.",
    )
    cost_per_fte_year_eur: float | None = Field(
        default=None,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Cost per nurse FTE-year to the funder (EUR/FTE-year). Default by kind: Asalée "
            "58,000 (the health insurance's 2024 funding of the Asalée association, about EUR "
            "90 M for 1,550 FTE, AFP May 2024); IPA 0 (a liberal IPA is paid by the follow-up "
            "forfaits, fee_per_followup_eur)."
        ),
    )
    fee_per_followup_eur: float | None = Field(
        default=None,
        ge=0,
        le=MAX_EUR,
        description="Fee of a follow-up billed to the health insurance (EUR). Default by kind: "
        "IPA 50, the quarterly follow-up forfait of amendment 9 to the nurses' convention "
        "(2022), counted once per follow-up (an upper bound: a forfait covers a quarter); "
        "Asalée 0 (free to the patient: the nurse is salaried).",
    )

    @property
    def effective_list_gain(self) -> float:
        """List-capacity gain: the field, or 0 (the nurse's time is counted once)."""
        return self.list_capacity_gain if self.list_capacity_gain is not None else 0.0

    @property
    def effective_minutes(self) -> float:
        """Length of a follow-up: the field, or the default of the kind."""
        if self.consultation_minutes is not None:
            return self.consultation_minutes
        return 37.5 if self.kind == "ipa" else 40.0

    @property
    def effective_acts_per_fte_day(self) -> float:
        """Daily capacity per FTE: the field, or patient time over the follow-up length."""
        if self.acts_per_fte_day is not None:
            return self.acts_per_fte_day
        return self.patient_minutes_per_day / self.effective_minutes

    @property
    def effective_cost_per_fte_year(self) -> float:
        """Cost per FTE-year: the field, or the default of the kind."""
        if self.cost_per_fte_year_eur is not None:
            return self.cost_per_fte_year_eur
        return 58000.0 if self.kind == "asalee" else 0.0

    @property
    def effective_fee(self) -> float:
        """Fee per follow-up: the field, or the default of the kind."""
        if self.fee_per_followup_eur is not None:
            return self.fee_per_followup_eur
        return 50.0 if self.kind == "ipa" else 0.0


class Pharmacists(_Policy):
    """Pharmacists handling minor unscheduled needs (rules of June 2024)."""

    handled_share: Share = Field(
        default=0.5,
        description=N_(
            "Share of eligible needs whose patient goes to a pharmacist when no GP "
            "slot is found in time (1). No published figure."
        ),
    )
    sore_throat_min_age: int = Field(
        default=10,
        ge=0,
        le=99,
        description="Minimum age for a sore throat (years). 2024 rules: 10.",
    )
    cystitis_min_age: int = Field(
        default=16, ge=0, le=99, description="Minimum age for a cystitis, women only (years). 16."
    )
    cystitis_max_age: int = Field(
        default=65, ge=0, le=99, description="Maximum age for a cystitis, women only (years). 65."
    )
    cost_per_act_eur: float = Field(
        default=15.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Fee of an act with an antibiotic dispensed without prescription (EUR): EUR 15 "
            "(EUR 10 for a test alone; June 2024 rules, La Revue du Praticien, 18 June 2024). "
            "The health insurance pays its share (costs.reimbursement.pharmacist_rate)."
        ),
    )
    followup_share: Share = Field(
        default=0.1,
        description="Share of pharmacist acts after which the patient is referred to a GP "
        "(1): a new request the next day, in person. No published figure; the June 2024 "
        "protocols refer to a doctor when the test or the questionnaire says so.",
    )

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.cystitis_max_age < self.cystitis_min_age:
            raise ValueError("cystitis_max_age must be >= cystitis_min_age")
        return self


class Installation(_Frozen):
    """GPs arriving on a date: an incentive contract, a new health centre, a new MSP."""

    date: When = Field(default=0, description=N_("Arrival day (day or date)."))
    count: int = Field(default=1, ge=1, le=MAX_GPS, description=N_("GPs arriving (GPs)."))
    commune: str | None = Field(
        default=None, description="INSEE code of their commune (default: the most populous)."
    )
    practice: str | None = Field(
        default=None,
        description="Existing practice id to join; none: a new practice of practice_kind.",
    )
    practice_kind: PracticeKind = Field(
        default="centre", description=N_("Kind of the new practice they open.")
    )
    fte: float = Field(default=1.0, gt=0, le=1.5, description="FTE of each GP (1).")
    list_capacity: int = Field(
        default=1100,
        ge=0,
        le=MAX_LIST_CAPACITY,
        description="List capacity of each GP (people). No published figure.",
    )
    accepts_new_patients: bool = Field(
        default=True,
        description="Whether they take new MT patients while under capacity.",
    )
    incentive_cost_eur: float = Field(
        default=0.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "One-off incentive per GP at arrival (EUR): installation aid, health-centre "
            "premises. No figure in CALIBRATION.md."
        ),
    )
    cost_per_year_eur: float = Field(
        default=0.0,
        ge=0,
        le=MAX_EUR,
        description="Recurring cost per GP while practising (EUR/year): PTMG income guarantee, "
        "CESP allowance, salaried-centre deficit. No figure in CALIBRATION.md.",
    )
    funder: Funder = Field(
        default="amo",
        description="Who pays these costs: 'amo' (e.g. the health insurance's installation "
        "aid), 'ars' (FIR), 'state' or 'local' (e.g. premises of a health centre).",
    )


class Retirement(_Frozen):
    """GPs leaving on a date (named in the roster, or drawn among GPs aged 60+)."""

    date: When = Field(default=0, description=N_("Departure day (day or date)."))
    gp_ids: list[str] = Field(default_factory=list, description="Roster ids of the GPs leaving.")
    count: int = Field(
        default=0,
        ge=0,
        le=MAX_GPS,
        description=N_("GPs drawn at random among those aged 60+ (GPs)."),
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.gp_ids and self.count == 0:
            raise ValueError("give gp_ids or a count > 0")
        return self


class MTAccess(_Policy):
    """The CPTS mission to find an MT for patients without one."""

    monthly_capacity: int = Field(
        default=100,
        ge=0,
        le=MAX_POPULATION,
        description=N_(
            "Patients without an MT the CPTS can match to a GP with room each month "
            "(people/month). No published figure."
        ),
    )
    ald_priority: bool = Field(
        default=True,
        description=N_("Match ALD patients first (as the CNAM 2023-2024 action plan did)."),
    )
    include_closed_lists: bool = Field(
        default=False,
        description="Also match onto GPs who do not take new patients, while under capacity.",
    )
    cost_per_year_eur: float = Field(
        default=0.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Fixed cost of the mission (EUR/year), e.g. its share of the CPTS ACI "
            "funding. No published figure."
        ),
    )
    cost_per_match_eur: float = Field(
        default=0.0, ge=0, le=MAX_EUR, description="Cost per patient matched (EUR/patient)."
    )


class GPAttraction(_Policy):
    """Attracting GPs: an MSP or health centre opening, installation-aid contracts, hosting
    interns. Each raises the yearly rate of installations from its start to its end."""

    msp_openings: int = Field(
        default=1,
        ge=0,
        le=100,
        description=N_("MSPs or health centres opening at the start (practices)."),
    )
    msp_kind: Literal["msp", "centre"] = Field(
        default="msp", description="Kind of the practices opening: 'msp' or 'centre'."
    )
    msp_commune: str | None = Field(
        default=None,
        description="INSEE code of their commune (default: the most populous commune).",
    )
    gps_per_msp_per_100k: float = Field(
        default=4.2,
        ge=0,
        le=100,
        description="Extra GPs one opening attracts over msp_effect_years, per 100,000 "
        "inhabitants of the territory (GPs). IRDES (Chevillard and Mousquès, 2020) found MSPs "
        "in under-served areas followed by 4.1 to 4.4 more young GPs (as reported by Concours "
        "pluripro); taken per 100,000 inhabitants: an assumption.",
    )
    msp_effect_years: float = Field(
        default=5.0,
        gt=0,
        le=15,
        description="Years over which an opening's extra GPs install, evenly (years). No "
        "published figure.",
    )
    aid_contracts_per_year: float = Field(
        default=0.0,
        ge=0,
        le=1000,
        description=N_("Installation-aid contracts signed each year (GPs/year)."),
    )
    aid_additional_share: Share = Field(
        default=0.5,
        description="Share of aided GPs who would not have installed in the territory without "
        "the aid (1). No published figure.",
    )
    aid_per_contract_eur: float = Field(
        default=10000.0,
        ge=0,
        description=N_(
            "Aid per contract, once (EUR). 2024 convention: EUR 5,000-10,000 for a GP "
            "settling in an under-served zone."
        ),
    )
    intern_hosts: int = Field(
        default=0,
        ge=0,
        le=10000,
        description=N_("GPs hosting interns (maîtres de stage) in the territory (GPs)."),
    )
    installations_per_host_year: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Extra installations a year per hosting GP (GPs/year): interns tend to "
        "install where they trained. No published figure.",
    )
    opening_cost_eur: float = Field(
        default=0.0,
        ge=0,
        description="Cost of each opening to the public payer, once (EUR): premises, "
        "start-up aid. No figure in CALIBRATION.md.",
    )
    cost_per_host_year_eur: float = Field(
        default=0.0,
        ge=0,
        description="Cost per hosting GP per year (EUR/year). No figure in CALIBRATION.md.",
    )


class Policies(_Frozen):
    """The policy mix; every block is optional."""

    unscheduled_slots: UnscheduledSlots | None = Field(
        default=None, description="Reserved slots for unscheduled care and a shared rota."
    )
    teleconsultation: Teleconsultation | None = Field(
        default=None, description="Teleconsultation capacity."
    )
    medical_assistants: MedicalAssistants | None = Field(
        default=None, description="Medical assistants."
    )
    nurses: Nurses | None = Field(default=None, description="Asalée or IPA nurses.")
    pharmacists: Pharmacists | None = Field(
        default=None, description="Pharmacists for minor unscheduled needs."
    )
    installations: list[Installation] = Field(
        default_factory=list, description="GPs arriving on dates."
    )
    retirements: list[Retirement] = Field(default_factory=list, description="GPs leaving on dates.")
    mt_access: MTAccess | None = Field(
        default=None, description="Finding an MT for patients without one."
    )
    gp_attraction: GPAttraction | None = Field(
        default=None,
        description="Attracting GPs: MSP openings, installation-aid contracts, interns.",
    )

    def active(self) -> list[str]:
        """Names of the policy blocks that are on."""
        names = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is not None and value != []:
                names.append(name)
        return names


#: The policy blocks with a ``start`` (every block but installations and retirements, which
#: carry their own dates), in schema order.
DATED_POLICY_BLOCKS: tuple[str, ...] = tuple(
    name
    for name, field in Policies.model_fields.items()
    if any(isinstance(t, type) and issubclass(t, _Policy) for t in get_args(field.annotation))
)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


class Scenario(_Frozen):
    """One territory and one policy mix."""

    name: str = Field(default="scenario", min_length=1, description="Scenario name.")
    description: str = Field(default="", description="Free text for the reader.")
    sources: list[str] = Field(
        default_factory=list, description="Where the figures of this file come from."
    )
    calendar: Calendar = Field(default_factory=Calendar, description="Simulated period.")
    territory: Territory = Field(default_factory=Territory, description="The territory.")
    population: Population = Field(default_factory=Population, description="The inhabitants.")
    demand: Demand = Field(default_factory=Demand, description="Requests for GP care.")
    gps: GPPool = Field(default_factory=GPPool, description="The GPs.")
    out_of_hours: OutOfHours | None = Field(
        default_factory=OutOfHours,
        description="Out-of-hours care (PDSA) serving unscheduled needs that arise out of "
        "hours (null: none).",
    )
    policies: Policies = Field(default_factory=Policies, description="The policy mix.")
    costs: Costs = Field(
        default_factory=Costs,
        description="Whose costs are counted, fees, reimbursement and discounting.",
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        cal = self.calendar
        communes = {c.insee for c in self.territory.communes}
        commune_total = sum(c.population for c in self.territory.communes)
        if self.population.size is None and not self.territory.communes:
            problems.append((("population", "size"), "give population.size or territory.communes"))
        if (
            self.population.size is not None
            and self.territory.communes
            and self.population.size != commune_total
        ):
            problems.append(
                (
                    ("population", "size"),
                    f"{self.population.size} differs from the sum of "
                    f"commune populations ({commune_total})",
                )
            )

        def in_horizon(loc: tuple[str | int, ...], when: int | dt.date | None) -> None:
            if when is None:
                return
            day = cal.day_of(when)
            if not 0 <= day < cal.horizon_days:
                shown = when.isoformat() if isinstance(when, dt.date) else f"day {when}"
                problems.append(
                    (
                        loc,
                        f"{shown} is outside the horizon ({cal.start_date.isoformat()} to "
                        f"{cal.end_date.isoformat()}, days 0-{cal.horizon_days - 1})",
                    )
                )

        def known_commune(loc: tuple[str | int, ...], code: str | None) -> None:
            if code is not None and code not in communes:
                problems.append((loc, f"commune {code!r} is not in territory.communes"))

        for i, p in enumerate(self.gps.practices):
            known_commune(("gps", "practices", i, "commune"), p.commune)
        roster_ids = {g.id for g in self.gps.roster}
        for i, g in enumerate(self.gps.roster):
            known_commune(("gps", "roster", i, "commune"), g.commune)
            in_horizon(("gps", "roster", i, "start"), g.start)
            if g.leave is not None:
                in_horizon(("gps", "roster", i, "leave"), g.leave)
                if cal.day_of(g.leave) <= cal.day_of(g.start):
                    problems.append((("gps", "roster", i, "leave"), "must come after start"))
        practice_ids = {p.id for p in self.gps.practices}
        pol = self.policies
        for name in DATED_POLICY_BLOCKS:
            block = getattr(pol, name)
            if block is not None:
                in_horizon(("policies", name, "start"), block.start)
                if block.end is not None and cal.day_of(block.end) <= cal.day_of(block.start):
                    problems.append((("policies", name, "end"), "must come after start"))
        att = pol.gp_attraction
        if att is not None:
            known_commune(("policies", "gp_attraction", "msp_commune"), att.msp_commune)
        for i, inst in enumerate(pol.installations):
            in_horizon(("policies", "installations", i, "date"), inst.date)
            known_commune(("policies", "installations", i, "commune"), inst.commune)
            if inst.practice is not None and inst.practice not in practice_ids:
                problems.append(
                    (
                        ("policies", "installations", i, "practice"),
                        f"unknown practice {inst.practice!r} (not in gps.practices)",
                    )
                )
        for i, ret in enumerate(pol.retirements):
            in_horizon(("policies", "retirements", i, "date"), ret.date)
            for j, gid in enumerate(ret.gp_ids):
                if gid not in roster_ids:
                    problems.append(
                        (
                            ("policies", "retirements", i, "gp_ids", j),
                            f"unknown GP id {gid!r} (not in gps.roster)",
                        )
                    )
        if commune_total > MAX_POPULATION:
            problems.append(
                (
                    ("territory", "communes"),
                    f"the communes hold {commune_total:,} inhabitants; at most "
                    f"{MAX_POPULATION:,} (docs/reliability.md)",
                )
            )
        elif self.gp_count > MAX_GPS:
            problems.append(
                (
                    ("gps",),
                    f"{self.gp_count:,} GPs (listed, generated and arriving); at most "
                    f"{MAX_GPS:,} (docs/reliability.md)",
                )
            )
        ma = pol.medical_assistants
        if ma is not None and ma.count_fte is None and not ma.all_gps:
            problems.append(
                (
                    ("policies", "medical_assistants", "count_fte"),
                    "give count_fte or set all_gps: true",
                )
            )
        raise_problems("Scenario", problems)
        return self

    # ----------------------------------------------------------------------------------------

    @property
    def population_size(self) -> int:
        """Inhabitants: ``population.size`` or the sum of commune populations."""
        if self.population.size is not None:
            return self.population.size
        return sum(c.population for c in self.territory.communes)

    @property
    def generated_gp_count(self) -> int:
        """GPs generated from the pool (besides the roster)."""
        if self.gps.count is not None:
            return self.gps.count
        if self.gps.roster:
            return 0
        return round(self.population_size * self.gps.density_per_100k / 1e5)

    @property
    def gp_count(self) -> int:
        """GPs listed or generated, plus those arriving through installations."""
        arriving = sum(inst.count for inst in self.policies.installations)
        return len(self.gps.roster) + self.generated_gp_count + arriving

    def summary(self) -> dict[str, Any]:
        """A few headline facts, for ``accesssim validate`` and reports."""
        return {
            "name": self.name,
            "territory": self.territory.name,
            "communes": max(len(self.territory.communes), 1),
            "population": self.population_size,
            "gps": self.gp_count,
            "policies": self.policies.active(),
        }
