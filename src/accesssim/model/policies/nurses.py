"""Asalée or advanced-practice (IPA) nurses: they take over a share of the follow-ups of
chronic (ALD) patients of the GPs they work with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model.costing import recurring
from accesssim.model.policies.base import Describe, Lever, Policy, pick
from accesssim.model.pools import daily_pool
from accesssim.wording import fmt_eur, num, pct

__all__ = ["POLICY", "NursesParams"]


@dataclass(frozen=True)
class NursesParams:
    start: int
    fte: float
    asalee: bool
    gps_per_fte: float
    ald_followup_share: float
    acts_per_fte_day: float
    list_capacity_gain: float
    cost_per_fte_year_eur: float
    consultation_minutes: float
    fee_per_followup_eur: float
    funder: str


class Nurses(Policy):
    key = "nurses"
    order = 40
    label = N_("Nurses (Asalée / IPA)")
    short = N_("nurses")
    what = N_(
        "Nurses take over part of the follow-ups of chronic (ALD) patients of the GPs "
        "they work with."
    )
    levers = (
        Lever("fte", N_("Nurses"), "number", N_("FTE"), step=0.5),
        Lever(
            "kind",
            N_("Kind of nurse"),
            "choice",
            choices=(
                ("asalee", N_("Asalée (salaried, funded by the health insurance)")),
                ("ipa", N_("advanced practice, IPA (paid per follow-up)")),
            ),
        ),
    )

    example: ClassVar[Any] = {"fte": 1.0, "ald_followup_share": 1.0}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> NursesParams:
        return NursesParams(
            start=day_of(block.start),
            fte=block.fte,
            asalee=block.kind == "asalee",
            gps_per_fte=block.gps_per_fte,
            ald_followup_share=block.ald_followup_share,
            acts_per_fte_day=block.effective_acts_per_fte_day,
            list_capacity_gain=block.effective_list_gain,
            cost_per_fte_year_eur=block.effective_cost_per_fte_year,
            consultation_minutes=block.effective_minutes,
            fee_per_followup_eur=block.effective_fee,
            funder=block.funder,
        )

    def choose_gps(self, p: NursesParams, sup: Any, streams: Any) -> None:
        if not sup.n or p.fte <= 0:
            return
        active = np.flatnonzero(sup.active_on(p.start))
        k = min(int(round(p.fte * p.gps_per_fte)), active.size)
        chosen = pick(streams.key("policies.nurses"), active, sup.key, k)
        sup.nurse_gp[chosen] = True

    def list_capacity(self, p: NursesParams, sup: Any, cap: np.ndarray, day: int) -> np.ndarray:
        if day < p.start:
            return cap
        return cap * np.where(sup.nurse_gp, 1.0 + p.list_capacity_gain, 1.0)

    def capacity_changes(self, p: NursesParams) -> tuple[bool, tuple[int, ...]]:
        return True, ()

    def fill_pools(
        self, p: NursesParams, cal: Any, has_sessions: np.ndarray, pools: dict[str, np.ndarray]
    ) -> None:
        if p.fte > 0:
            weekdays = (cal.weekday < 5) & ~cal.closed_day
            pools["nurse"] = daily_pool(cal, p.fte * p.acts_per_fte_day, p.start, weekdays)

    def kernel_params(self, p: NursesParams) -> dict[str, float]:
        return {"nurse_start": p.start, "nurse_share": p.ald_followup_share}

    def cost(self, p: NursesParams, run: Any) -> list[Any]:
        # The salaries (Asalée); an IPA's follow-up fees are costed with the other acts
        # (item nurse_followup).
        n = run.cal.horizon_days
        return [self.own(p, run, recurring(n, p.start, p.cost_per_fte_year_eur * p.fte))]

    def describe(self, p: NursesParams, ctx: Describe) -> list[tuple[str, int | None]]:
        kind = _("Asalée") if p.asalee else _("advanced-practice (IPA)")
        words = _(
            "{fte} FTE {kind} nurse(s), one FTE per {gps} GPs; they take over {share} of the "
            "ALD follow-ups of their GPs (up to {acts} a day per FTE, {minutes} min each); "
            "{eur} per FTE-year and {fee} per follow-up."
        ).format(
            fte=num(p.fte),
            kind=kind,
            gps=num(p.gps_per_fte),
            share=pct(p.ald_followup_share),
            acts=num(round(p.acts_per_fte_day, 1)),
            minutes=num(p.consultation_minutes),
            eur=fmt_eur(p.cost_per_fte_year_eur),
            fee=fmt_eur(p.fee_per_followup_eur),
        )
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        from accesssim.scenario.schema import Nurses as Block

        block = Block(**{k: v for k, v in values.items() if k in Block.model_fields})
        fte, per = block.fte, block.effective_cost_per_fte_year
        return _(
            "Cost: {per} per FTE-year, so {total} a year for {fte} FTE, pro rata {period}, and "
            "{fee} per follow-up billed to the health insurance."
        ).format(
            per=fmt_eur(per),
            total=fmt_eur(fte * per),
            fte=num(fte),
            period=period,
            fee=fmt_eur(block.effective_fee),
        )


POLICY = Nurses()
