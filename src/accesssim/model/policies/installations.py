"""GP installations: GPs arriving on a date (an incentive contract, a new health centre or
MSP), joining a practice or opening one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model.costing import line, recurring
from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.wording import fmt_eur, num

__all__ = ["POLICY", "InstallationParams"]

_NEVER = np.iinfo(np.int32).max
_PRACTICE_WORDS = {
    "solo": N_("a solo office"),
    "group": N_("a group office"),
    "msp": N_("a multi-professional health house (MSP)"),
    "centre": N_("a health centre (salaried GPs)"),
}


@dataclass(frozen=True)
class InstallationParams:
    day: int
    count: int
    commune: str | None
    practice: str | None
    practice_kind: str
    fte: float
    list_capacity: int
    accepts_new_patients: bool
    incentive_cost_eur: float
    cost_per_year_eur: float
    funder: str


class Installations(Policy):
    key = "installations"
    order = 60
    label = N_("GP installations")
    short = N_("installations")
    title = N_("GPs arriving (installation, new health centre)")
    entry = True
    what = N_(
        "New GPs with empty lists who take new MT patients, in the most populous commune; "
        "added to any arrivals the baseline already has."
    )
    levers = (
        Lever("count", N_("GPs arriving"), "integer", N_("GPs, 0 = none"), maximum=200.0),
        Lever("date", N_("Arrival date"), "date"),
        Lever(
            "practice_kind",
            N_("They open"),
            "choice",
            choices=(
                ("centre", N_("a health centre (salaried GPs)")),
                ("msp", N_("a health house (MSP)")),
                ("group", N_("a group office")),
                ("solo", N_("solo offices")),
            ),
        ),
        Lever(
            "incentive_cost_eur",
            N_("Installation incentive"),
            "number",
            N_("EUR per GP, once"),
            step=1000.0,
            cost=True,
        ),
    )

    example: ClassVar[Any] = [{"count": 2}]

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> tuple[InstallationParams, ...]:
        return tuple(
            InstallationParams(
                day=day_of(inst.date),
                count=inst.count,
                commune=inst.commune,
                practice=inst.practice,
                practice_kind=inst.practice_kind,
                fte=inst.fte,
                list_capacity=inst.list_capacity,
                accepts_new_patients=inst.accepts_new_patients,
                incentive_cost_eur=inst.incentive_cost_eur,
                cost_per_year_eur=inst.cost_per_year_eur,
                funder=inst.funder,
            )
            for inst in block
        )

    def add_gps(self, p: tuple[InstallationParams, ...], b: Any, params: Any) -> None:
        for k, inst in enumerate(p):
            if inst.practice is not None:
                prac = b.practice_index[inst.practice]
                commune = b.p_commune[prac]
            else:
                commune = params.territory.index(inst.commune)
                prac = b.practice(inst.practice_kind, commune)
            for j in range(inst.count):
                b.add(
                    practice=prac,
                    commune=commune,
                    fte=inst.fte,
                    cap=inst.list_capacity,
                    accepts=inst.accepts_new_patients,
                    open=True,
                    others=True,
                    old=False,
                    start=inst.day,
                    leave=_NEVER,
                    label=f"installation{k}-{j}",
                    installed=k,
                )

    def cost(self, p: tuple[InstallationParams, ...], run: Any) -> list[Any]:
        cal, sup = run.cal, run.sup
        n = cal.horizon_days
        by_funder: dict[str, np.ndarray] = {}
        for k, inst in enumerate(p):
            per_day = by_funder.setdefault(inst.funder, np.zeros(n))
            gps = np.flatnonzero(sup.installed == k)
            if inst.day < n:
                # One-off: on its day, or on the first measured day when it falls in the warm-up.
                per_day[min(max(inst.day, cal.warmup_days), n - 1)] += (
                    inst.incentive_cost_eur * gps.size
                )
            for g in gps:
                per_day += recurring(
                    n, int(sup.start_day[g]), inst.cost_per_year_eur, int(sup.leave_day[g])
                )
        if not by_funder:
            return super().cost(p, run)
        return [line(self.key, funder, per_day) for funder, per_day in by_funder.items()]

    def describe(
        self, p: tuple[InstallationParams, ...], ctx: Describe
    ) -> list[tuple[str, int | None]]:
        rows: list[tuple[str, int | None]] = []
        for inst in p:
            where = ctx.commune(inst.commune)
            if inst.practice is not None:
                joins = _("join practice {practice}").format(practice=inst.practice)
            else:
                kind = _PRACTICE_WORDS.get(inst.practice_kind)
                joins = _("open {kind}").format(kind=_(kind) if kind else inst.practice_kind)
            words = _(
                "{n} GP(s) ({fte} FTE each) {joins} in {where}, list capacity {cap} adults "
                "each, {lists}; incentive {once} per GP once, {yearly} per GP a year."
            ).format(
                n=inst.count,
                fte=num(inst.fte),
                joins=joins,
                where=where,
                cap=num(inst.list_capacity),
                lists=_("taking new MT patients")
                if inst.accepts_new_patients
                else _("lists closed"),
                once=fmt_eur(inst.incentive_cost_eur),
                yearly=fmt_eur(inst.cost_per_year_eur),
            )
            rows.append((words, inst.day))
        return rows

    def events(self, p: tuple[InstallationParams, ...]) -> list[tuple[int, str]]:
        return [(inst.day, _("+{n} GP").format(n=inst.count)) for inst in p if inst.day > 0]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        total = values["count"] * values["incentive_cost_eur"]
        return _("Cost: the incentive once, at arrival: {eur} for these GPs.").format(
            eur=fmt_eur(total)
        )


POLICY = Installations()
