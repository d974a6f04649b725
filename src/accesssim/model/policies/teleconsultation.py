"""Teleconsultation: a daily capacity offered by the territory's GPs (taken from their office
time) and by an external platform (never the patient's MT, no territory GP time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model.costing import recurring
from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.model.pools import daily_pool
from accesssim.wording import fmt_eur, num

__all__ = ["POLICY", "TeleconsultationParams"]


@dataclass(frozen=True)
class TeleconsultationParams:
    start: int
    gp_daily_capacity: float
    platform_daily_capacity: float
    minutes_per_act: float
    consultation_minutes: float
    eligible: tuple[tuple[float, ...], ...]  # [kind][band]
    platform_every_day: bool
    cost_per_act_eur: float
    platform_fixed_cost_per_year_eur: float
    funder: str
    first_choice_share: tuple[float, ...] = (0.0,) * 4  # per band
    first_choice_without_mt_factor: float = 1.0
    followup_share: float = 0.0


class Teleconsultation(Policy):
    key = "teleconsultation"
    order = 20
    label = N_("Teleconsultation")
    short = N_("teleconsultation")
    what = N_(
        "Remote consultations, chosen first by some patients and otherwise tried after every "
        "GP slot; GP teleconsultations take time from office slots, the platform's do not."
    )
    levers = (
        Lever(
            "gp_daily_capacity",
            N_("Teleconsultations by the territory's GPs"),
            "number",
            N_("acts/day"),
            step=0.5,
        ),
        Lever(
            "platform_daily_capacity",
            N_("Teleconsultations by an external platform"),
            "number",
            N_("acts/day"),
            step=1.0,
        ),
        Lever(
            "cost_per_act_eur",
            N_("Cost per teleconsultation"),
            "number",
            N_("EUR/act"),
            step=1.0,
            cost=True,
        ),
    )

    example: ClassVar[Any] = {"gp_daily_capacity": 5, "platform_daily_capacity": 20}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> TeleconsultationParams:
        el = block.eligible
        return TeleconsultationParams(
            start=day_of(block.start),
            gp_daily_capacity=block.gp_daily_capacity,
            platform_daily_capacity=block.platform_daily_capacity,
            minutes_per_act=block.minutes_per_act,
            consultation_minutes=block.consultation_minutes,
            eligible=(
                el.planned.as_tuple(),
                el.unscheduled_24h.as_tuple(),
                el.unscheduled_48h.as_tuple(),
            ),
            platform_every_day=block.open_days == "all",
            cost_per_act_eur=block.cost_per_act_eur,
            platform_fixed_cost_per_year_eur=block.platform_fixed_cost_per_year_eur,
            funder=block.funder,
            first_choice_share=block.first_choice_share.as_tuple(),
            first_choice_without_mt_factor=block.first_choice_without_mt_factor,
            followup_share=block.followup_share,
        )

    def time_kept(
        self, p: TeleconsultationParams, cal: Any, slots_per_day: Callable[[], np.ndarray]
    ) -> np.ndarray | None:
        if p.gp_daily_capacity <= 0:
            return None
        per_day_slots = slots_per_day()
        days = np.arange(cal.n_days)
        need = p.gp_daily_capacity * p.minutes_per_act / p.consultation_minutes
        with np.errstate(divide="ignore", invalid="ignore"):
            keep = np.where(
                (days >= p.start) & (per_day_slots > 0),
                np.clip(1.0 - need / per_day_slots, 0.0, 1.0),
                1.0,
            )
        return keep[np.arange(cal.n_sessions) // 2]

    def fill_pools(
        self,
        p: TeleconsultationParams,
        cal: Any,
        has_sessions: np.ndarray,
        pools: dict[str, np.ndarray],
    ) -> None:
        pools["tele_gp"] = daily_pool(cal, p.gp_daily_capacity, p.start, has_sessions)
        plat_days = np.ones(cal.n_days, bool) if p.platform_every_day else cal.weekday < 6
        pools["tele_platform"] = daily_pool(cal, p.platform_daily_capacity, p.start, plat_days)
        pools["tele_elig"][:] = np.array(p.eligible)
        pools["tele_first"][:] = np.array(p.first_choice_share)

    def kernel_params(self, p: TeleconsultationParams) -> dict[str, float]:
        return {
            "tele_followup": p.followup_share,
            "tele_first_no_mt": p.first_choice_without_mt_factor,
        }

    def cost(self, p: TeleconsultationParams, run: Any) -> list[Any]:
        # Its acts (cost_per_act_eur each) are costed with the other acts (items
        # teleconsultation_gp and teleconsultation_platform); here the platform contract.
        n = run.cal.horizon_days
        return [self.own(p, run, recurring(n, p.start, p.platform_fixed_cost_per_year_eur))]

    def describe(self, p: TeleconsultationParams, ctx: Describe) -> list[tuple[str, int | None]]:
        parts = []
        if p.gp_daily_capacity:
            parts.append(_("{n} a day by territory GPs").format(n=num(p.gp_daily_capacity)))
        if p.platform_daily_capacity:
            parts.append(
                _("{n} a day by an external platform").format(n=num(p.platform_daily_capacity))
            )
        cap = _(" and ").join(parts) if parts else _("no daily capacity")
        days = _("every day") if p.platform_every_day else _("Monday to Saturday")
        words = _("Teleconsultations: {cap}, {days}; {eur} per act").format(
            cap=cap, days=days, eur=fmt_eur(p.cost_per_act_eur)
        )
        if p.platform_fixed_cost_per_year_eur:
            words += _(", platform contract {eur} a year").format(
                eur=fmt_eur(p.platform_fixed_cost_per_year_eur)
            )
        return [(words + ".", p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        return _(
            "Cost: {eur} per teleconsultation used (GP and platform), {period}; capacity left "
            "unused costs nothing."
        ).format(eur=fmt_eur(values["cost_per_act_eur"]), period=period)


POLICY = Teleconsultation()
