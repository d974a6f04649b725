"""The contract of a policy module: :class:`Policy` and its hooks.

Every hook has a default that does nothing, so a policy implements only what it changes. The
model calls the hooks of the policies that are on, in ``order``, at fixed points of a run:

========================  =====================================================================
hook                      when, and what it may change
========================  =====================================================================
``compile``               once per scenario: the pydantic block -> a frozen record
``add_gps``               building supply: GPs (and practices) it adds
``set_departures``        building supply: departure days of existing GPs
``choose_gps``            building supply: which GPs take part (flags on ``Supply``)
``slot_gain``             building agendas: a per-GP x per-session multiplier of slots
``time_kept``             building agendas: share of GP time left for office slots per session
``reserved_share``        building agendas: share of each session's slots kept for same-day care
``release``               reserved slots: release time of each session, and whether unused
                          ones are lost
``takes_new_patients``    GPs who take new MT patients from a day on (besides willing ones)
``list_capacity``         each day: the effective list capacity of every GP
``capacity_changes``      whether list capacities change every day, or on which days
``fill_pools``            daily pools outside agendas (teleconsultations, nurse follow-ups)
``kernel_params``         thresholds of the booking kernel (start days, shares, ages)
``processes``             SimPy processes of its own during the run, acting at midnight of
                          ``process_days``
``cost``                  its own cost lines: euros per day, by item and payer (the acts it
                          changes are costed centrally, :mod:`accesssim.model.costing`)
========================  =====================================================================

and, for planners: ``label``, ``short``, ``what``, ``levers``, ``describe``, ``events`` and
``cost_words``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from accesssim.i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.calendar import SessionCalendar
    from accesssim.model.engine import Run
    from accesssim.model.params import RunParams
    from accesssim.model.supply import Supply, SupplyBuilder
    from accesssim.rng import Streams

__all__ = ["Describe", "Lever", "Policy", "pick", "years_active"]

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.costing import CostLine


@dataclass(frozen=True)
class Lever:
    """One control of a policy block as a planner sets it (the app shows these).

    ``widget`` is how it is shown: ``percent`` (a share shown in %), ``number``, ``integer``,
    ``toggle``, ``choice`` (``choices``: (value, words)), ``date`` or ``hour``. ``cost`` marks
    a lever that prices the policy rather than shaping it.
    """

    field: str
    label: str
    widget: str
    unit: str = ""
    minimum: float = 0.0
    maximum: float | None = None
    step: float = 1.0
    choices: tuple[tuple[str, str], ...] = ()
    cost: bool = False


@dataclass(frozen=True)
class Describe:
    """What a policy's description needs to know of the territory."""

    start_date: dt.date
    territory: str
    communes: Mapping[str, str]  # INSEE code -> name
    largest_commune: str | None  # name of the most populous commune, None without communes

    def when(self, day: int) -> str:
        """A day as a date in words and a day number."""
        from accesssim.wording import fmt_date

        date = self.start_date + dt.timedelta(days=day)
        return _("{date} (day {day})").format(date=fmt_date(date), day=day)

    def commune(self, insee: str | None) -> str:
        """A commune's name (the most populous one when ``insee`` is None)."""
        if not self.communes:
            return self.territory
        if insee is None:
            return _("{name} (the most populous commune)").format(name=self.largest_commune)
        return self.communes.get(insee, insee)


def pick(
    stream: np.uint64, among: np.ndarray, keys: np.ndarray, k: int, counter: int = 0
) -> np.ndarray:
    """``k`` entities of ``among`` (indices into ``keys``) drawn without replacement: those
    whose keyed uniforms are smallest. One more entity changes the pick only if it is drawn."""
    from accesssim.model import keyed

    u = keyed.uniforms(stream, keys[among], counter)
    return among[np.argsort(u, kind="stable")[:k]]


def years_active(cal: SessionCalendar, start_day: int) -> float:
    """Years of the measurement window during which a policy started on ``start_day`` runs."""
    lo = max(cal.warmup_days, start_day)
    return max(cal.horizon_days - lo, 0) / 365.0


class Policy:
    """One policy block. Subclasses set the class attributes and override the hooks they need."""

    key: ClassVar[str]
    """The block's name under ``policies:`` in a scenario file."""
    order: ClassVar[int]
    """Position among policies (the order of the schema's ``Policies`` block)."""
    label: ClassVar[str]
    """Its name for planners."""
    short: ClassVar[str]
    """A short name (markers on time series)."""
    title: ClassVar[str] = ""
    """The heading of its controls in the app (default: ``label``)."""
    what: ClassVar[str] = ""
    """One sentence: what it does."""
    levers: ClassVar[tuple[Lever, ...]] = ()
    """The controls a planner moves in the app."""
    entry: ClassVar[bool] = False
    """True for list blocks (``installations``, ``retirements``): the app adds one entry."""
    example: ClassVar[Any] = None
    """A block (as in a scenario file) that switches the policy on with a visible effect on a
    small territory; the generic tests (common random numbers, strategies) use it."""

    # -- compile -----------------------------------------------------------------------------

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> Any:  # pragma: no cover
        """The record of ``block`` (dates turned into day numbers with ``day_of``)."""
        raise NotImplementedError

    # -- supply --------------------------------------------------------------------------------

    def add_gps(self, p: Any, b: SupplyBuilder, params: RunParams) -> None:
        """Add GPs to the supply being built."""

    def set_departures(self, p: Any, sup: Supply, params: RunParams, streams: Streams) -> None:
        """Change departure days (``sup.leave_day``)."""

    def choose_gps(self, p: Any, sup: Supply, streams: Streams) -> None:
        """Pick the GPs that take part (flags and shares on ``sup``)."""

    def slot_gain(
        self, p: Any, sup: Supply, cal: SessionCalendar
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """``(gain per GP, phase per session)``: slots x (1 + gain x phase)."""
        return None

    def time_kept(
        self, p: Any, cal: SessionCalendar, slots_per_day: Callable[[], np.ndarray]
    ) -> np.ndarray | None:
        """Share of GP time kept for office slots, per session (``slots_per_day()`` gives the
        territory's office slots per day before this policy)."""
        return None

    def reserved_share(self, p: Any, cal: SessionCalendar) -> np.ndarray | None:
        """Share of each session's slots kept for unscheduled care."""
        return None

    def release(self, p: Any, cal: SessionCalendar) -> tuple[np.ndarray, bool] | None:
        """``(release time per session, lose unused)`` of reserved slots."""
        return None

    # -- the run -------------------------------------------------------------------------------

    def takes_new_patients(self, p: Any, sup: Supply) -> tuple[np.ndarray, int] | None:
        """``(GPs, from day)``: GPs who take new MT patients from that day while under
        capacity, whether or not they were willing before."""
        return None

    def list_capacity(self, p: Any, sup: Supply, cap: np.ndarray, day: int) -> np.ndarray:
        """Effective list capacity of every GP on ``day`` (float64, before rounding down)."""
        return cap

    def capacity_changes(self, p: Any) -> tuple[bool, tuple[int, ...]]:
        """``(changes every day, days on which it changes)`` of :meth:`list_capacity`."""
        return False, ()

    def fill_pools(
        self, p: Any, cal: SessionCalendar, has_sessions: np.ndarray, pools: dict[str, np.ndarray]
    ) -> None:
        """Fill the daily pools (``tele_gp``, ``tele_platform``, ``nurse``, ``tele_elig``)."""

    def kernel_params(self, p: Any) -> dict[str, float]:
        """Fields of :class:`~accesssim.model.records.KernelParams` it sets."""
        return {}

    def processes(self, p: Any, run: Run) -> list[Callable[[], Iterator[Any]]]:
        """SimPy processes of its own (generator functions of no argument)."""
        return []

    def process_days(self, p: Any, run: Run) -> list[int] | None:
        """The days at whose midnight its processes act (None: any day). Requests of the days
        between two such days are booked at once."""
        return None

    # -- cost ----------------------------------------------------------------------------------

    def cost(self, p: Any, run: Run) -> list[CostLine]:
        """Its own cost lines (euros per simulated day, by item and payer; item ``key`` at
        least, paid by the block's ``funder``). The acts it changes (consultations,
        teleconsultations, pharmacist, nurse and ED acts) are costed centrally from the
        kernel's tallies (:mod:`accesssim.model.costing`); only what the policy itself costs
        goes here (aid, salaries, contracts, incentives). Lines are summed by year of the
        measurement window; days of the warm-up are not counted."""
        return [self.own(p, run, np.zeros(run.cal.horizon_days))]

    def own(self, p: Any, run: Run, per_day: np.ndarray, item: str | None = None) -> CostLine:
        """A line of the policy's own costs (``item`` defaults to its key), paid by its
        ``funder`` (the health insurance when the block has none)."""
        from accesssim.model.costing import line

        return line(item or self.key, getattr(p, "funder", "amo"), per_day)

    # -- for planners --------------------------------------------------------------------------

    def describe(self, p: Any, ctx: Describe) -> list[tuple[str, int | None]]:
        """What it does with its parameters, in words, with its start day (one row per entry)."""
        return []

    def events(self, p: Any) -> list[tuple[int, str]]:
        """Dated changes to mark on time series: ``(day, label)``."""
        start = getattr(p, "start", 0)
        return [(start, _("{what} start").format(what=_(self.short)))] if start > 0 else []

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        """How it is costed, with the values of its levers (``period``: "over the measured
        year" or "over the measured N days", in the current language)."""
        return ""
