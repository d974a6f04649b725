"""Medical assistants (assistants médicaux): more consultations per session and larger MT
lists for the GPs who employ one, phased in over the years; costed as the CNAM aid."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model.costing import line, recurring
from accesssim.model.policies.base import Describe, Lever, Policy, pick
from accesssim.wording import fmt_eur, num, pct

__all__ = ["POLICY", "MedicalAssistantsParams"]

# The CNAM aid by contract year (CNAM convention 2024), for the app's cost wording.
_DEFAULT_AID = (38000.0, 28000.0, 22000.0)


@dataclass(frozen=True)
class MedicalAssistantsParams:
    start: int
    count_fte: float
    fte_per_gp: float
    all_gps: bool
    acts_gain: float
    list_gain: float
    phase_in_years: float
    cnam_aid_per_fte_eur: tuple[float, ...]
    employer_cost_per_fte_year_eur: float
    funder: str


class MedicalAssistants(Policy):
    key = "medical_assistants"
    order = 30
    label = N_("Medical assistants (assistants médicaux)")
    short = N_("medical assistants")
    what = N_(
        "More consultations (+6.7 % a day, net of other GPs) and larger MT lists (+12.9 %, "
        "net) for the GPs who employ one, reached after the phase-in (CNAM 2024)."
    )
    levers = (
        Lever("count_fte", N_("Assistants in the territory"), "number", N_("FTE"), step=0.5),
        Lever(
            "fte_per_gp",
            N_("Assistant time per participating GP"),
            "number",
            N_("FTE per GP"),
            minimum=0.1,
            maximum=2.0,
            step=0.1,
        ),
        Lever(
            "phase_in_years",
            N_("Years until the full gains"),
            "number",
            N_("years"),
            maximum=10.0,
            step=0.5,
        ),
    )

    example: ClassVar[Any] = {"all_gps": True, "phase_in_years": 0}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> MedicalAssistantsParams:
        return MedicalAssistantsParams(
            start=day_of(block.start),
            count_fte=block.count_fte or 0.0,
            fte_per_gp=block.fte_per_gp,
            all_gps=block.all_gps,
            acts_gain=block.acts_gain,
            list_gain=block.list_gain,
            phase_in_years=block.phase_in_years,
            cnam_aid_per_fte_eur=tuple(block.cnam_aid_per_fte_eur),
            employer_cost_per_fte_year_eur=block.employer_cost_per_fte_year_eur,
            funder=block.funder,
        )

    def choose_gps(self, p: MedicalAssistantsParams, sup: Any, streams: Any) -> None:
        if not sup.n:
            return
        active = np.flatnonzero(sup.active_on(p.start))
        if p.all_gps:
            chosen = active
        else:
            k = min(int(math.floor(p.count_fte / p.fte_per_gp + 1e-9)), active.size)
            chosen = pick(streams.key("policies.medical_assistants"), active, sup.key, k)
        sup.ma_share[chosen] = p.fte_per_gp
        days = np.arange(sup.ma_phase.size)
        if p.phase_in_years > 0:
            phase = (days - p.start) / (365.0 * p.phase_in_years)
        else:
            phase = np.where(days >= p.start, 1.0, 0.0)
        sup.ma_phase[:] = np.clip(phase, 0.0, 1.0) * (days >= p.start)

    def slot_gain(
        self, p: MedicalAssistantsParams, sup: Any, cal: Any
    ) -> tuple[np.ndarray, np.ndarray] | None:
        if not sup.ma_share.any():
            return None
        # Half an FTE, half the gain.
        return p.acts_gain * np.minimum(sup.ma_share, 1.0), sup.ma_phase[
            np.arange(cal.n_sessions) // 2
        ]

    def takes_new_patients(
        self, p: MedicalAssistantsParams, sup: Any
    ) -> tuple[np.ndarray, int] | None:
        return sup.ma_share > 0, p.start

    def list_capacity(
        self, p: MedicalAssistantsParams, sup: Any, cap: np.ndarray, day: int
    ) -> np.ndarray:
        phase = sup.ma_phase[min(day, sup.ma_phase.size - 1)]
        return cap * (1.0 + p.list_gain * np.minimum(sup.ma_share, 1.0) * phase)

    def capacity_changes(self, p: MedicalAssistantsParams) -> tuple[bool, tuple[int, ...]]:
        return p.phase_in_years > 0, (p.start,)

    def cost(self, p: MedicalAssistantsParams, run: Any) -> list[Any]:
        n = run.cal.horizon_days
        days = np.arange(n)
        year = np.maximum(days - p.start, 0) // 365  # contract year - 1
        aid = np.asarray(p.cnam_aid_per_fte_eur, dtype=float)
        fte = float(run.sup.ma_share.sum())
        paid = np.where(days >= p.start, aid[np.minimum(year, aid.size - 1)] / 365.0 * fte, 0.0)
        salary = recurring(n, p.start, p.employer_cost_per_fte_year_eur * fte)
        return [
            self.own(p, run, paid),
            # The GP's net cost of employing the assistants: reported, never in a perspective.
            line(f"{self.key}_gp_net_cost", "gp", salary - paid),
        ]

    def describe(self, p: MedicalAssistantsParams, ctx: Describe) -> list[tuple[str, int | None]]:
        who = (
            _("every GP")
            if p.all_gps
            else _("{fte} FTE in total, {per} FTE per GP").format(
                fte=num(p.count_fte), per=num(p.fte_per_gp)
            )
        )
        aid = " / ".join(fmt_eur(a) for a in p.cnam_aid_per_fte_eur)
        words = _(
            "Assistants for {who}. Once phased in ({years} years): +{acts} consultations per "
            "session and +{lists} MT list. CNAM aid {aid} per FTE-year (contract years 1, 2, "
            "3+)."
        ).format(
            who=who,
            years=num(p.phase_in_years),
            acts=pct(p.acts_gain),
            lists=pct(p.list_gain),
            aid=aid,
        )
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        fte = float(values["count_fte"] or 0.0)
        return _(
            "Cost to the payer: the CNAM aid, {aid} per FTE-year (contract years 1, 2, 3+), "
            "{period}: about {first} in the first year for {fte} FTE."
        ).format(
            aid=" / ".join(fmt_eur(a) for a in _DEFAULT_AID),
            period=period,
            first=fmt_eur(fte * _DEFAULT_AID[0]),
            fte=num(fte),
        )


POLICY = MedicalAssistants()
