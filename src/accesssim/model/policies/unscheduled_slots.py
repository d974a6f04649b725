"""Same-day slots: a share of every session kept for soins non programmés, released at a set
time, and a shared CPTS rota (the SAS offer) on which any participating GP's reserved slots
serve any patient of the territory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model import keyed
from accesssim.model.costing import recurring
from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.wording import fmt_eur, hours, num, pct

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
    funder: str
    sas: bool = False
    sas_window_hours: float = 48.0


class UnscheduledSlots(Policy):
    key = "unscheduled_slots"
    order = 10
    label = N_("Same-day slots (soins non programmés)")
    short = N_("same-day slots")
    title = N_("Same-day slots and a shared CPTS rota (soins non programmés)")
    what = N_(
        "Slots kept free in every GP session for needs to be seen within 24-48 h; with a "
        "shared rota they serve any patient of the territory, not only the GP's own."
    )
    levers = (
        Lever(
            "reserved_share",
            N_("Share of each session kept for soins non programmés"),
            "percent",
            N_("% of slots"),
            maximum=90.0,
            step=1.0,
        ),
        Lever(
            "release_day",
            N_("Reserved slots still free are released"),
            "choice",
            choices=(("same", N_("on the day of the session")), ("previous", N_("the day before"))),
        ),
        Lever(
            "release_time_hours",
            N_("Release time"),
            "hour",
            N_("hour of the day"),
            maximum=23.5,
            step=0.5,
        ),
        Lever(
            "unused",
            N_("Released slots"),
            "choice",
            choices=(("return", N_("return to general booking")), ("lose", N_("are lost"))),
        ),
        Lever(
            "shared_rota",
            N_("Shared CPTS rota (SAS offer): any GP's reserved slot serves any patient"),
            "toggle",
        ),
        Lever(
            "sas",
            N_("SAS regulation: unmet needs routed to a rota GP's slot within 48 h"),
            "toggle",
        ),
        Lever(
            "rota_participation_share",
            N_("GPs on the rota"),
            "percent",
            N_("% of GPs"),
            maximum=100.0,
            step=5.0,
        ),
        Lever(
            "rota_cost_per_year_eur",
            N_("Cost of the rota"),
            "number",
            N_("EUR/year"),
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
            funder=block.funder,
            sas=block.sas,
            sas_window_hours=block.sas_window_hours,
        )

    def choose_gps(self, p: UnscheduledSlotsParams, sup: Any, streams: Any) -> None:
        if p.shared_rota and sup.n:
            u = keyed.uniforms(streams.key("policies.rota"), sup.key, 0)
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
        if not p.shared_rota:
            return {}
        return {
            "rota_start": p.start,
            "sas": int(p.sas),
            "sas_window": p.sas_window_hours / 24.0,
        }

    def cost(self, p: UnscheduledSlotsParams, run: Any) -> list[Any]:
        eur = p.rota_cost_per_year_eur if p.shared_rota else 0.0
        return [self.own(p, run, recurring(run.cal.horizon_days, p.start, eur))]

    def describe(self, p: UnscheduledSlotsParams, ctx: Describe) -> list[tuple[str, int | None]]:
        day = _("the day before the session") if p.release_previous_day else _("the same day")
        after = _("are lost") if p.lose_unused else _("go back to general booking")
        words = _(
            "{share} of every session's slots are kept for soins non programmés; those still "
            "free at {time} {day} {after}."
        ).format(
            share=pct(p.reserved_share), time=hours(p.release_time_hours), day=day, after=after
        )
        if p.shared_rota:
            words += " " + _(
                "Shared CPTS rota (SAS offer): the reserved slots of {share} of GPs serve any "
                "patient of the territory; rota cost {eur} a year."
            ).format(share=pct(p.rota_participation_share), eur=fmt_eur(p.rota_cost_per_year_eur))
            if p.sas:
                words += " " + _(
                    "The SAS regulation routes an unscheduled need that found no slot to a rota "
                    "GP's slot within {hours} hours."
                ).format(hours=num(p.sas_window_hours))
        else:
            words += " " + _("No shared rota: reserved slots serve the GP's own patients.")
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        if values["shared_rota"]:
            return _(
                "Cost: the rota, {eur} a year, pro rata {period}. Reserved slots themselves "
                "cost nothing."
            ).format(eur=fmt_eur(values["rota_cost_per_year_eur"]), period=period)
        return _("Cost: none (reserved slots cost nothing; a shared rota has a yearly cost).")


POLICY = UnscheduledSlots()
