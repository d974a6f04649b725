"""Pharmacists handling minor unscheduled needs (rules of June 2024: a sore throat from age
10, a cystitis of women aged 16-65) when no GP slot is found in time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from accesssim.i18n import N_, _
from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.wording import fmt_eur, pct

__all__ = ["POLICY", "PharmacistsParams"]


@dataclass(frozen=True)
class PharmacistsParams:
    start: int
    handled_share: float
    sore_throat_min_age: int
    cystitis_min_age: int
    cystitis_max_age: int
    cost_per_act_eur: float
    funder: str
    followup_share: float = 0.0


class Pharmacists(Policy):
    key = "pharmacists"
    order = 50
    label = N_("Pharmacists")
    short = N_("pharmacists")
    title = N_("Pharmacists (sore throat, cystitis: June 2024 rules)")
    what = N_(
        "A pharmacist handles a sore throat (age 10+) or a cystitis (women 16-65) "
        "that found no GP slot in time."
    )
    levers = (
        Lever(
            "handled_share",
            N_("Eligible minor needs handled by a pharmacist when no GP is free"),
            "percent",
            N_("%"),
            maximum=100.0,
            step=5.0,
        ),
        Lever(
            "cost_per_act_eur",
            N_("Cost per pharmacist act"),
            "number",
            N_("EUR/act"),
            step=1.0,
            cost=True,
        ),
    )

    example: ClassVar[Any] = {"handled_share": 1.0}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> PharmacistsParams:
        return PharmacistsParams(
            start=day_of(block.start),
            handled_share=block.handled_share,
            sore_throat_min_age=block.sore_throat_min_age,
            cystitis_min_age=block.cystitis_min_age,
            cystitis_max_age=block.cystitis_max_age,
            cost_per_act_eur=block.cost_per_act_eur,
            funder=block.funder,
            followup_share=block.followup_share,
        )

    def kernel_params(self, p: PharmacistsParams) -> dict[str, float]:
        return {
            "pharm_start": p.start,
            "pharm_share": p.handled_share,
            "sore_min_age": p.sore_throat_min_age,
            "cyst_min_age": p.cystitis_min_age,
            "cyst_max_age": p.cystitis_max_age,
            "pharm_followup": p.followup_share,
        }

    def cost(self, p: PharmacistsParams, run: Any) -> list[Any]:
        # Its acts (cost_per_act_eur each) are costed with the other acts (item
        # pharmacist_act); the policy itself costs nothing more.
        return super().cost(p, run)

    def describe(self, p: PharmacistsParams, ctx: Describe) -> list[tuple[str, int | None]]:
        words = _(
            "Pharmacists handle {share} of eligible minor needs when no GP slot is found in "
            "time (sore throat from age {throat}, cystitis of women aged {lo}-{hi}); {eur} per "
            "act."
        ).format(
            share=pct(p.handled_share),
            throat=p.sore_throat_min_age,
            lo=p.cystitis_min_age,
            hi=p.cystitis_max_age,
            eur=fmt_eur(p.cost_per_act_eur),
        )
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        return _("Cost: {eur} per act, {period}.").format(
            eur=fmt_eur(values["cost_per_act_eur"]), period=period
        )


POLICY = Pharmacists()
