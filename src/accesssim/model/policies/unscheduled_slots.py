"""Same-day slots: a share of every session kept for soins non programmés, released at a set
time, and a shared CPTS rota (the SAS offer) on which any participating GP's reserved slots
serve any patient of the territory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.model.policies.base import Describe, Lever, Policy, years_active
from accesssim.wording import hours, num, pct

__all__ = ["POLICY", "UnscheduledSlotsParams"]


@dataclass(frozen=True)
class UnscheduledSlotsParams:
    start: int
    reserved_share: float
    release_time_hours: float
    release_previous_day: bool
    lose_unused: bool
    shared_rota: bool
    rota_participation_share: float
    rota_cost_per_year_eur: float


class UnscheduledSlots(Policy):
    key = "unscheduled_slots"
    order = 10
    label = "Same-day slots (soins non programmés)"
    short = "same-day slots"
    title = "Same-day slots and a shared CPTS rota (soins non programmés)"
    what = (
        "Slots kept free in every GP session for needs to be seen within 24-48 h; with a "
        "shared rota they serve any patient of the territory, not only the GP's own."
    )
    levers = (
        Lever(
            "reserved_share",
            "Share of each session kept for soins non programmés",
            "percent",
            "% of slots",
            maximum=90.0,
            step=1.0,
        ),
        Lever(
            "release_day",
            "Reserved slots still free are released",
            "choice",
            choices=(("same", "on the day of the session"), ("previous", "the day before")),
        ),
        Lever(
            "release_time_hours", "Release time", "hour", "hour of the day", maximum=23.5, step=0.5
        ),
        Lever(
            "unused",
            "Released slots",
            "choice",
            choices=(("return", "return to general booking"), ("lose", "are lost")),
        ),
        Lever(
            "shared_rota",
            "Shared CPTS rota (SAS offer): any GP's reserved slot serves any patient",
            "toggle",
        ),
        Lever(
            "rota_participation_share",
            "GPs on the rota",
            "percent",
            "% of GPs",
            maximum=100.0,
            step=5.0,
        ),
        Lever(
            "rota_cost_per_year_eur",
            "Cost of the rota",
            "number",
            "EUR/year",
            step=1000.0,
            cost=True,
        ),
    )

    example: ClassVar[Any] = {"reserved_share": 0.3, "shared_rota": True}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> UnscheduledSlotsParams:
        return UnscheduledSlotsParams(
            start=day_of(block.start),
            reserved_share=block.reserved_share,
            release_time_hours=block.release_time_hours,
            release_previous_day=block.release_day == "previous",
            lose_unused=block.unused == "lose",
            shared_rota=block.shared_rota,
            rota_participation_share=block.rota_participation_share,
            rota_cost_per_year_eur=block.rota_cost_per_year_eur,
        )

    def choose_gps(self, p: UnscheduledSlotsParams, sup: Any, streams: Any) -> None:
        if p.shared_rota and sup.n:
            u = streams["policies.rota"].random(sup.n)
            sup.rota[:] = u < p.rota_participation_share

    def reserved_share(self, p: UnscheduledSlotsParams, cal: Any) -> np.ndarray | None:
        if p.reserved_share <= 0:
            return None
        sess_day = np.arange(cal.n_sessions) // 2
        return np.where(sess_day >= p.start, p.reserved_share, 0.0)

    def release(self, p: UnscheduledSlotsParams, cal: Any) -> tuple[np.ndarray, bool]:
        sess_day = np.arange(cal.n_sessions) // 2
        offset = -1.0 if p.release_previous_day else 0.0
        return sess_day + offset + p.release_time_hours / 24.0, p.lose_unused

    def kernel_params(self, p: UnscheduledSlotsParams) -> dict[str, float]:
        return {"rota_start": p.start} if p.shared_rota else {}

    def cost(self, p: UnscheduledSlotsParams, run: Any) -> dict[str, float]:
        if not p.shared_rota:
            return {self.key: 0.0}
        return {self.key: p.rota_cost_per_year_eur * years_active(run.cal, p.start)}

    def describe(self, p: UnscheduledSlotsParams, ctx: Describe) -> list[tuple[str, int | None]]:
        day = "the day before the session" if p.release_previous_day else "the same day"
        after = "are lost" if p.lose_unused else "go back to general booking"
        words = (
            f"{pct(p.reserved_share)} of every session's slots are kept for soins non "
            f"programmés; those still free at {hours(p.release_time_hours)} {day} {after}."
        )
        if p.shared_rota:
            words += (
                f" Shared CPTS rota (SAS offer): the reserved slots of "
                f"{pct(p.rota_participation_share)} of GPs serve any patient of the "
                f"territory; rota cost EUR {num(p.rota_cost_per_year_eur)} a year."
            )
        else:
            words += " No shared rota: reserved slots serve the GP's own patients."
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        if values["shared_rota"]:
            return (
                f"Cost: the rota, EUR {values['rota_cost_per_year_eur']:,.0f} a "
                f"year, pro rata {period}. Reserved slots themselves cost nothing."
            )
        return "Cost: none (reserved slots cost nothing; a shared rota has a yearly cost)."


POLICY = UnscheduledSlots()
