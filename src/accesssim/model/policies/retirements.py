"""GP retirements: GPs leaving on a date, named in the roster or drawn among those aged 60+;
their patients lose their MT and look for another."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model.policies.base import Describe, Lever, Policy, pick

__all__ = ["POLICY", "RetirementParams"]


@dataclass(frozen=True)
class RetirementParams:
    day: int
    gp_ids: tuple[str, ...]
    count: int


class Retirements(Policy):
    key = "retirements"
    order = 70
    label = N_("GP departures")
    short = N_("retirements")
    title = N_("GPs leaving (retirements)")
    entry = True
    what = N_(
        "GPs drawn among those aged 60+ stop practising and are not replaced; their "
        "patients lose their MT and look for another."
    )
    levers = (
        Lever("count", N_("GPs aged 60+ leaving"), "integer", N_("GPs, 0 = none"), maximum=200.0),
        Lever("date", N_("Departure date"), "date"),
    )

    example: ClassVar[Any] = [{"count": 1}]

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> tuple[RetirementParams, ...]:
        return tuple(
            RetirementParams(day=day_of(r.date), gp_ids=tuple(r.gp_ids), count=r.count)
            for r in block
        )

    def set_departures(
        self, p: tuple[RetirementParams, ...], sup: Any, params: Any, streams: Any
    ) -> None:
        roster_index = {g.id: i for i, g in enumerate(params.gps.roster)}
        stream = streams.key("policies.retirements")
        leave_day, start_day, old = sup.leave_day, sup.start_day, sup.aged_60_plus
        for entry, ret in enumerate(p):
            day = ret.day
            for gid in ret.gp_ids:
                i = roster_index[gid]
                leave_day[i] = min(leave_day[i], max(day, start_day[i] + 1))
            if ret.count > 0:
                # GPs aged 60+ practising that day, drawn (keyed by GP); then younger ones.
                present = (start_day <= day) & (leave_day > day)
                eligible = pick(stream, np.flatnonzero(old & present), sup.key, ret.count, entry)
                if eligible.size < ret.count:
                    younger = np.flatnonzero(~old & present)
                    more = pick(stream, younger, sup.key, ret.count - eligible.size, entry)
                    eligible = np.concatenate([eligible, more])
                leave_day[eligible] = day

    def cost(self, p: tuple[RetirementParams, ...], run: Any) -> list[Any]:
        return super().cost(p, run)

    def describe(
        self, p: tuple[RetirementParams, ...], ctx: Describe
    ) -> list[tuple[str, int | None]]:
        rows: list[tuple[str, int | None]] = []
        for ret in p:
            who = []
            if ret.gp_ids:
                who.append(_("GP(s) {ids}").format(ids=", ".join(ret.gp_ids)))
            if ret.count:
                who.append(_("{n} GP(s) aged 60+ drawn at random").format(n=ret.count))
            words = _(
                "{who} stop practising; their patients lose their MT and look for another."
            ).format(who=_(" and ").join(who))
            rows.append((words, ret.day))
        return rows

    def events(self, p: tuple[RetirementParams, ...]) -> list[tuple[int, str]]:
        return [(r.day, _("-{n} GP").format(n=len(r.gp_ids) + r.count)) for r in p if r.day > 0]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        return _("Cost: none to the payer (the loss shows in access, not in euros).")


POLICY = Retirements()
