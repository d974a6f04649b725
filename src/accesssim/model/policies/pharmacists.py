"""Pharmacists handling minor unscheduled needs (rules of June 2024: a sore throat from age
10, a cystitis of women aged 16-65) when no GP slot is found in time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.vocabulary import Outcome
from accesssim.wording import num, pct

__all__ = ["POLICY", "PharmacistsParams"]


@dataclass(frozen=True)
class PharmacistsParams:
    start: int
    handled_share: float
    sore_throat_min_age: int
    cystitis_min_age: int
    cystitis_max_age: int
    cost_per_act_eur: float


class Pharmacists(Policy):
    key = "pharmacists"
    order = 50
    label = "Pharmacists"
    short = "pharmacists"
    title = "Pharmacists (sore throat, cystitis: June 2024 rules)"
    what = (
        "A pharmacist handles a sore throat (age 10+) or a cystitis (women 16-65) "
        "that found no GP slot in time."
    )
    levers = (
        Lever(
            "handled_share",
            "Eligible minor needs handled by a pharmacist when no GP is free",
            "percent",
            "%",
            maximum=100.0,
            step=5.0,
        ),
        Lever(
            "cost_per_act_eur", "Cost per pharmacist act", "number", "EUR/act", step=1.0, cost=True
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
        )

    def kernel_params(self, p: PharmacistsParams) -> dict[str, float]:
        return {
            "pharm_start": p.start,
            "pharm_share": p.handled_share,
            "sore_min_age": p.sore_throat_min_age,
            "cyst_min_age": p.cystitis_min_age,
            "cyst_max_age": p.cystitis_max_age,
        }

    def cost(self, p: PharmacistsParams, run: Any) -> dict[str, float]:
        acts = int(run.tallies.counts[1, :, Outcome.PHARMACIST].sum())
        return {self.key: p.cost_per_act_eur * acts}

    def describe(self, p: PharmacistsParams, ctx: Describe) -> list[tuple[str, int | None]]:
        words = (
            f"Pharmacists handle {pct(p.handled_share)} of eligible minor needs when no GP "
            f"slot is found in time (sore throat from age {p.sore_throat_min_age}, cystitis "
            f"of women aged {p.cystitis_min_age}-{p.cystitis_max_age}); "
            f"EUR {num(p.cost_per_act_eur)} per act."
        )
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        return f"Cost: EUR {values['cost_per_act_eur']:,.0f} per act, {period}."


POLICY = Pharmacists()
