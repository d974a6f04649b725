"""The ``costs:`` block of a scenario: whose costs are counted, the fees of the acts the model
counts, the reimbursement rules and the discount rate.

Every figure names its source (most were read through official or press pages quoting them;
docs/policies.md, "How costs are counted", gives the arithmetic). Fees of acts that belong to
one policy (teleconsultation, pharmacist, nurse acts) are fields of that policy's block.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from accesssim.i18n import N_

__all__ = ["Costs", "Fees", "OutOfHours", "Reimbursement"]

Perspective = Literal["amo", "public", "patient"]
Funder = Literal["amo", "ars", "state", "local"]


MAX_EUR = 1e9
"""Largest amount of one fee (EUR): the bound of every cost field (schema.MAX_EUR)."""


def _no_bool(cls: type[BaseModel], value: object, info: ValidationInfo) -> object:
    from accesssim.scenario.schema import _refuse_bool_for_number  # schema imports this module

    return _refuse_bool_for_number(cls, value, info)


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False
    )

    _no_bool = field_validator("*", mode="before")(classmethod(_no_bool))


class OutOfHours(_Frozen):
    """Supplements of GP acts in the out-of-hours periods (permanence des soins ambulatoires,
    PDSA: weekdays 20:00-08:00, Saturday from 12:00, Sundays and public holidays). An act of the
    out-of-hours service (an ``out_of_hours`` outcome: regulated by the centre 15 or the SAS)
    is priced as an office consultation (the G act of its date) plus the supplement of its
    period; the Assurance Maladie page on the permanence des soins (ameli.fr, May 2023) states
    that these regulated supplements are fixed by the convention médicale and unchanged."""

    weekend_holiday_eur: float = Field(
        default=26.5,
        ge=0,
        le=MAX_EUR,
        description="Supplement of an office consultation, home visit or out-of-hours service "
        "act on Saturday afternoon, Sunday or a public holiday (EUR). Regulated PDSA supplement "
        "CRD, EUR 26.50 (convention médicale; unchanged by the 2024 convention, which changed no "
        "PDSA supplement).",
    )
    night_eur: float = Field(
        default=42.5,
        ge=0,
        le=MAX_EUR,
        description="Supplement of an office consultation, home visit or out-of-hours service "
        "act at night, 20:00-00:00 and 06:00-08:00 (EUR). Regulated PDSA supplement CRN, "
        "EUR 42.50 (convention médicale; unchanged by the 2024 convention).",
    )
    deep_night_eur: float = Field(
        default=51.5,
        ge=0,
        le=MAX_EUR,
        description="The same, 00:00-06:00 (EUR). Regulated PDSA supplement CRM, EUR 51.50 "
        "(convention médicale; unchanged by the 2024 convention).",
    )
    teleconsultation_eur: float = Field(
        default=0.0,
        ge=0,
        le=MAX_EUR,
        description="Supplement of a teleconsultation in the out-of-hours periods (EUR). 0: the "
        "2024 convention no longer lets teleconsultations carry the in-person night and Sunday "
        "supplements (press, June 2024); no published figure of what replaces them.",
    )


class Fees(_Frozen):
    """Fees of the GP and emergency acts the model counts (sector 1, tarif opposable)."""

    office_consultation_eur: float = Field(
        default=30.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "GP office consultation, the G act (EUR). EUR 30 from 22 December 2024 (convention "
            "médicale 2024-2029, approved by the arrêté of 20 June 2024)."
        ),
    )
    office_consultation_before_eur: float = Field(
        default=26.5,
        ge=0,
        le=MAX_EUR,
        description="The G act before office_consultation_from (EUR). EUR 26.50 (since "
        "December 2023; EUR 25 in 2017-2023).",
    )
    office_consultation_from: dt.date = Field(
        default=dt.date(2024, 12, 22),
        description="First day of office_consultation_eur (ISO date). 22 December 2024.",
    )
    under_6_supplement_eur: float = Field(
        default=5.0,
        ge=0,
        le=MAX_EUR,
        description="Supplement of a GP act for a child under 6 (EUR). The G act for under-6s "
        "is EUR 35 from 22 December 2024 (EUR 31.50 before): EUR 5 on top of the G act.",
    )
    home_visit_supplement_eur: float = Field(
        default=10.0,
        ge=0,
        le=MAX_EUR,
        description="Travel supplement of a justified home visit, MD (EUR). EUR 10 since the "
        "2002 arrêté (visit = G + MD; EUR 35 = 25 + 10 in the 2017 sector-1 tariff).",
    )
    out_of_hours: OutOfHours = Field(
        default_factory=OutOfHours, description="Supplements of out-of-hours acts."
    )
    sas_supplement_eur: float = Field(
        default=15.0,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Supplement of a GP act for a patient of another GP, booked within 48 h through "
            "the regulation of the service d'accès aux soins (SAS) (EUR): the SNP supplement, "
            "EUR 15 (NGAP article 14.1.3 since May 2023; Assurance Maladie, 2022). Counted for "
            "the acts the SAS regulation books (unscheduled_slots.sas), outside out-of-hours "
            "periods; a rota slot the patient finds without the regulation does not carry it."
        ),
    )
    ed_visit_eur: float = Field(
        default=161.5,
        ge=0,
        le=MAX_EUR,
        description=N_(
            "Cost to the health insurance of an emergency-department visit not followed by "
            "admission (EUR); the patient's flat fee comes on top. Default: Cour des comptes "
            "(report of 2014), EUR 161.50 a visit from the 2011 receipts of ED activity (EUR 2.5 "
            "bn for 15.5 M visits): the lower of the two published figures, as the visits the "
            "model avoids are minor ones while both figures average all visits; CNAM 2025 "
            "(about EUR 800 M a year of extra cost for the ED visits primary care could have "
            "handled, some 9 M of the 20.9 M visits) puts such a visit near EUR 90 above a GP "
            "act (derived). Upper figure: DGOS, EUR 5.6 bn for the 20.9 M visits of 2023, about "
            "EUR 268 a visit (derived), for a sensitivity analysis. Counted for every ED visit of "
            "a need primary care could have handled, after a failed search or direct; "
            "emergencies beyond primary care are not priced (a fifth of ED visits end in "
            "admission, DREES ER 889, 2014; no policy of the model changes them)."
        ),
    )
    ed_patient_fee_eur: float = Field(
        default=19.61,
        ge=0,
        le=MAX_EUR,
        description="Patient's flat fee of an ED visit not followed by admission, forfait "
        "patient urgences (EUR). EUR 19.61 since 1 January 2022.",
    )
    ed_patient_fee_reduced_eur: float = Field(
        default=8.49,
        ge=0,
        le=MAX_EUR,
        description="The same, reduced, for patients with an ALD (EUR). EUR 8.49.",
    )


class Reimbursement(_Frozen):
    """What the health insurance (AMO) pays of a fee."""

    pathway_rate: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Share of the fee paid by the AMO in the coordinated care pathway (1): "
        "70 % (Code de la sécurité sociale; CNAM).",
    )
    outside_pathway_rate: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="The same outside the pathway, patients aged 16+ without an MT or seen by "
        "another GP for a planned request (1): 30 %.",
    )
    urgent_care_in_pathway: bool = Field(
        default=True,
        description="Count an unscheduled need seen by another GP, on the rota or by "
        "teleconsultation as in the pathway (the urgent-care exception of the coordinated "
        "pathway, Code de la sécurité sociale art. L162-5-3; SAS consultations are in the "
        "pathway). false: outside, at outside_pathway_rate.",
    )
    ald_rate: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share paid for a patient with a long-term condition, ALD (1): 100 %.",
    )
    nurse_rate: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Share of a nurse act paid for a patient without an ALD (1): 60 %, the rate "
        "of auxiliaires médicaux. The model's nurse follow-ups are of ALD patients (ald_rate).",
    )
    pharmacist_rate: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Share of the pharmacist's sore-throat or cystitis act paid for a patient "
        "without an ALD (1). No published figure: the rate of medical acts, 70 %.",
    )
    flat_participation_eur: float = Field(
        default=2.0,
        ge=0,
        le=MAX_EUR,
        description="Flat participation the AMO keeps on each GP act of an adult (EUR): EUR 2 "
        "since 15 May 2024 (EUR 1 before); not on nurse or pharmacist acts, not for children "
        "(the model counts it from age 16, where the pathway rules start, not 18).",
    )


class Costs(_Frozen):
    """Whose costs are counted, at which fees and rates, and how later years are weighted."""

    perspective: Perspective = Field(
        default="amo",
        description=N_(
            "Whose costs the cost metrics and the cost-effectiveness add up: 'amo' (the health "
            "insurance, Assurance Maladie obligatoire), 'public' (every public funder: AMO, ARS "
            "and its regional fund FIR, the State, local authorities) or 'patient' (what "
            "patients pay out of pocket before any complementary insurance)."
        ),
    )
    discount_rate: float = Field(
        default=0.025,
        ge=0,
        le=0.2,
        description=N_(
            "Annual rate at which costs and effects of later years are discounted (1): the "
            "year-y value is divided by (1 + rate)^(y - 1), the first measured year being 1. "
            "HAS, Choix méthodologiques pour l'évaluation économique à la HAS (validated 2 July "
            "2020), section 1.7: 2.5 % a year (falling to 1.5 % beyond 30 years, past the "
            "model's 10-year limit)."
        ),
    )
    fees: Fees = Field(default_factory=Fees, description="Fees of the acts.")
    reimbursement: Reimbursement = Field(
        default_factory=Reimbursement, description="What the health insurance pays of them."
    )
