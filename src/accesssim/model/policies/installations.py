"""GP installations: GPs arriving on a date (an incentive contract, a new health centre or
MSP), joining a practice or opening one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.wording import num

__all__ = ["POLICY", "InstallationParams"]

_NEVER = np.iinfo(np.int32).max
_PRACTICE_WORDS = {
    "solo": "a solo office",
    "group": "a group office",
    "msp": "a multi-professional health house (MSP)",
    "centre": "a health centre (salaried GPs)",
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


class Installations(Policy):
    key = "installations"
    order = 60
    label = "GP installations"
    short = "installations"
    title = "GPs arriving (installation, new health centre)"
    entry = True
    what = (
        "New GPs with empty lists who take new MT patients, in the most populous commune; "
        "added to any arrivals the baseline already has."
    )
    levers = (
        Lever("count", "GPs arriving", "integer", "GPs, 0 = none", maximum=200.0),
        Lever("date", "Arrival date", "date"),
        Lever(
            "practice_kind",
            "They open",
            "choice",
            choices=(
                ("centre", "a health centre (salaried GPs)"),
                ("msp", "a health house (MSP)"),
                ("group", "a group office"),
                ("solo", "solo offices"),
            ),
        ),
        Lever(
            "incentive_cost_eur",
            "Installation incentive",
            "number",
            "EUR per GP, once",
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

    def cost(self, p: tuple[InstallationParams, ...], run: Any) -> dict[str, float]:
        cal, sup = run.cal, run.sup
        total = 0.0
        for k, inst in enumerate(p):
            gps = np.flatnonzero(sup.installed == k)
            if inst.day < cal.horizon_days:
                total += inst.incentive_cost_eur * gps.size
            for g in gps:
                lo = max(cal.warmup_days, int(sup.start_day[g]))
                hi = min(cal.horizon_days, int(sup.leave_day[g]))
                total += inst.cost_per_year_eur * max(hi - lo, 0) / 365.0
        return {self.key: total}

    def describe(
        self, p: tuple[InstallationParams, ...], ctx: Describe
    ) -> list[tuple[str, int | None]]:
        rows: list[tuple[str, int | None]] = []
        for inst in p:
            where = ctx.commune(inst.commune)
            if inst.practice is not None:
                joins = f"join practice {inst.practice}"
            else:
                joins = f"open {_PRACTICE_WORDS.get(inst.practice_kind, inst.practice_kind)}"
            words = (
                f"{inst.count} GP(s) ({num(inst.fte)} FTE each) {joins} in {where}, list "
                f"capacity {inst.list_capacity:,} adults each, "
                + ("taking new MT patients" if inst.accepts_new_patients else "lists closed")
                + f"; incentive EUR {num(inst.incentive_cost_eur)} per GP once, "
                f"EUR {num(inst.cost_per_year_eur)} per GP a year."
            )
            rows.append((words, inst.day))
        return rows

    def events(self, p: tuple[InstallationParams, ...]) -> list[tuple[int, str]]:
        return [(inst.day, f"+{inst.count} GP") for inst in p if inst.day > 0]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        total = values["count"] * values["incentive_cost_eur"]
        return f"Cost: the incentive once, at arrival: EUR {total:,.0f} for these GPs."


POLICY = Installations()
