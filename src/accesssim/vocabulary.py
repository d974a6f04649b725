"""The words of the model, in one place: request kinds, outcomes, counters, weekly columns and
the metric specifications (name, unit, definition, label, which direction is better).

Plain Python (no numba, no numpy): the booking kernel takes its integer codes from here, and
the results store, the comparisons, the report, the command line and the app take their names,
units and labels from here. Metric and column names are the stable English identifiers of
every file and JSON document; labels are what a planner reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from accesssim.i18n import N_

__all__ = [
    "ACT_NAMES",
    "ALD_OFFSET",
    "BETTER",
    "DAY_PARTS",
    "FINAL_OUTCOMES",
    "HEADLINE_METRICS",
    "HOUR_BANDS",
    "HOUR_BAND_LABELS",
    "KIND_NAMES",
    "LABELS",
    "METRICS",
    "METRIC_NAMES",
    "METRIC_SPECS",
    "N_DAY_PARTS",
    "N_GP_KINDS",
    "OUTCOME_LABELS",
    "OUTCOME_NAMES",
    "PAYERS",
    "PERSPECTIVES",
    "SHORT_LABELS",
    "WEEKDAY_NAMES",
    "WEEKLY_COLUMNS",
    "Act",
    "CommuneTally",
    "Counter",
    "Daily",
    "FSum",
    "Kind",
    "MetricSpec",
    "Outcome",
    "PayClass",
    "Weekly",
]


class Kind(IntEnum):
    """Kinds of request: a planned one, an unscheduled need to be seen within 24 h or 48 h
    (needs primary care can meet), or an emergency primary care could not handle (it goes
    straight to the emergency department and uses no primary-care resource)."""

    PLANNED = 0
    U24 = 1
    U48 = 2
    EMERGENCY = 3


KIND_NAMES: tuple[str, ...] = ("planned", "unscheduled_24h", "unscheduled_48h", "emergency")
"""Names of :class:`Kind` in code order (the ``kind`` column of the outcome tables)."""

N_GP_KINDS = 3
"""Kinds of request for GP care (planned, 24 h, 48 h): the first three of :class:`Kind`."""

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekdays, Monday first (the ``weekday`` column of the tables by weekday of arrival)."""

HOUR_BANDS: tuple[tuple[str, int, int], ...] = (
    ("00-08", 0, 8),
    ("08-12", 8, 12),
    ("12-20", 12, 20),
    ("20-24", 20, 24),
)
"""Bands of the hour of arrival (name, first hour, end hour): night, morning, afternoon and
evening, cut where the out-of-hours periods start and end (08:00, 12:00 on Saturdays, 20:00)."""

HOUR_BAND_LABELS: dict[str, str] = {
    "00-08": N_("night (00:00-08:00)"),
    "08-12": N_("morning (08:00-12:00)"),
    "12-20": N_("afternoon (12:00-20:00)"),
    "20-24": N_("evening (20:00-24:00)"),
}
"""How each hour band reads."""


class Outcome(IntEnum):
    """How a request ends: every request ends in exactly one outcome."""

    OWN_MT = 0
    OTHER_GP = 1
    TELE = 2
    PHARMACIST = 3
    NURSE = 4
    ED = 5  # the emergency department after a failed search for care
    FORGONE = 6
    PENDING = 7
    ED_DIRECT = 8  # straight to the emergency department, without looking for primary care
    OUT_OF_HOURS = 9  # seen by the out-of-hours service (permanence des soins, PDSA)
    RETRY = 10  # forgone for now: the patient asks again later (a new request)


OUTCOME_NAMES: tuple[str, ...] = (
    "own_mt",
    "other_gp",
    "teleconsultation",
    "pharmacist",
    "nurse",
    "ed",
    "forgone",
    "pending",
    "ed_direct",
    "out_of_hours",
    "asked_again",
)
"""Names of :class:`Outcome` in code order (the ``outcome`` column of the outcome tables)."""

OUTCOME_LABELS: dict[str, str] = {
    "own_mt": N_("own MT"),
    "other_gp": N_("other GP"),
    "teleconsultation": N_("teleconsultation"),
    "pharmacist": N_("pharmacist"),
    "nurse": N_("nurse"),
    "out_of_hours": N_("out-of-hours care (PDSA)"),
    "ed_direct": N_("emergency department, directly"),
    "ed": N_("emergency department, after a failed search"),
    "forgone": N_("forgone care"),
    "asked_again": N_("asked again later"),
    "pending": N_("pending at the end"),
}
"""How each outcome reads (English; shown translated by :func:`accesssim.wording.outcome_label`)."""

FINAL_OUTCOMES: tuple[str, ...] = tuple(o for o in OUTCOME_LABELS if o != "asked_again")
"""Outcomes that end a need (``asked_again`` is followed by another request of the same need),
in reading order."""


class Counter(IntEnum):
    """Integer tallies of the booking kernel (requests arriving in the measurement window,
    except ``RELEASED`` and ``RESERVED_USED``, which count slots of measured sessions)."""

    ENROL = 0  # enrolments with a GP after a consultation
    COLLEAGUE = 1  # seen by a colleague of the MT's practice
    OTHER = 2  # seen by another GP who sees non-enrolled patients
    ROTA = 3  # seen in a shared-rota reserved slot
    OWN_RESERVED = 4  # unscheduled need seen by the MT in a reserved slot
    TELE_GP = 5  # teleconsultation by a territory GP
    TELE_PLATFORM = 6  # teleconsultation by the platform
    HOME = 7  # home visits
    RELEASED = 8  # reserved slots released unused
    RESERVED_USED = 9  # reserved slots used
    U24_MET = 10  # unscheduled needs met (GP, teleconsultation, pharmacist, out of hours)
    U48_MET = 11  # ... within 48 h (both from the need's first request)
    SAS = 12  # seen in a slot found by the SAS regulation (48 h window)
    TELE_FIRST = 13  # teleconsultations chosen first, before any GP slot
    TELE_15_44 = 14  # teleconsultations of patients aged 15-44
    PLATFORM_NO_MT = 15  # platform teleconsultations of patients without an active MT
    REPEAT = 16  # requests that are a need asked again (attempt 2 or later)
    FOLLOWUP = 17  # in-person follow-ups requested after a teleconsultation or pharmacist act
    DEFERRED = 18  # needs arising out of hours that waited for practices to open


class Weekly(IntEnum):
    """Columns of the weekly series accumulated by the kernel (by week of arrival)."""

    REQUESTS = 0
    PLANNED = 1
    PLANNED_SEEN = 2
    PLANNED_WAIT = 3
    UNSCHEDULED = 4
    U24_MET = 5
    U48_MET = 6
    ED = 7
    FORGONE = 8
    TELE = 9


WEEKLY_COLUMNS: tuple[str, ...] = (
    "requests",
    "planned",
    "planned_seen",
    "planned_wait_days_sum",
    "unscheduled",
    "unscheduled_24h_met",
    "unscheduled_48h_met",
    "ed",
    "forgone",
    "teleconsultation",
)
"""Names of :class:`Weekly` in code order (columns of ``weekly.parquet``)."""


class CommuneTally(IntEnum):
    """Columns of the kernel's tallies by commune of the patient (requests arriving in the
    measurement window): the per-commune results of the maps."""

    UNSCHEDULED = 0  # unscheduled needs
    U48_MET = 1  # ... met (GP, teleconsultation, pharmacist) within 48 h
    ED = 2  # requests ending at the emergency department


class Daily(IntEnum):
    """Columns of the kernel's tallies by day of arrival (every day of the run): the effects of
    a year of the horizon."""

    UNSCHEDULED = 0  # unscheduled needs (that ended: a need asked again counts once)
    U48_MET = 1  # ... met (GP, teleconsultation, pharmacist, out of hours) within 48 h of onset
    ED = 2  # needs ending at the emergency department (after a search or direct)


class Act(IntEnum):
    """What the payer is billed for: the acts the kernel counts by day, part of the day and
    patient class (``Tallies.acts``), each costed by :mod:`accesssim.model.costing`."""

    OFFICE = 0  # GP consultation in the office (the G act)
    HOME = 1  # GP home visit (G plus the travel supplement)
    TELE_GP = 2  # teleconsultation by a territory GP
    TELE_PLATFORM = 3  # teleconsultation by a platform
    PHARMACIST = 4  # pharmacist's sore-throat or cystitis act
    NURSE = 5  # policy nurse follow-up (Asalée or IPA)
    ED = 6  # emergency-department visit not followed by admission (after a search or direct)
    SAS = 7  # supplement of a GP act booked through the SAS regulation
    OUT_OF_HOURS = 8  # act of the out-of-hours service (PDSA), regulated


ACT_NAMES: tuple[str, ...] = (
    "office_consultation",
    "home_visit",
    "teleconsultation_gp",
    "teleconsultation_platform",
    "pharmacist_act",
    "nurse_followup",
    "ed_visit",
    "sas_supplement",
    "out_of_hours_act",
)
"""Names of :class:`Act` in code order (the ``item`` column of the cost tables)."""


class PayClass(IntEnum):
    """Who the patient of an act is, for the reimbursement rules: age, ALD and whether the act
    is in the coordinated care pathway (parcours de soins coordonnés). ``ALD`` is added to the
    class (``class + ALD_OFFSET``) for a patient with a long-term condition."""

    ADULT_PATHWAY = 0  # aged 16+, seen by their MT or a colleague of the MT's practice
    ADULT_URGENT = 1  # aged 16+, unscheduled need seen outside the pathway
    ADULT_OUTSIDE = 2  # aged 16+, planned request seen outside the pathway (or no MT)
    CHILD = 3  # aged 6-15 (no pathway rule before 16)
    INFANT = 4  # aged 0-5 (the G act carries the under-6 supplement)
    ALD_ADULT_PATHWAY = 5
    ALD_ADULT_URGENT = 6
    ALD_ADULT_OUTSIDE = 7
    ALD_CHILD = 8
    ALD_INFANT = 9


ALD_OFFSET = 5
"""``PayClass`` of a patient with an ALD = the class without ALD + ``ALD_OFFSET``."""

DAY_PARTS: tuple[str, ...] = ("08-12", "12-20", "20-24 and 06-08", "00-06")
"""Parts of the day an act is counted in (hours): morning, afternoon, evening and early
morning, deep night. The out-of-hours periods (permanence des soins ambulatoires, PDSA:
weekdays 20:00-08:00, Saturday from 12:00, Sundays and public holidays; DREES 2020 note on
same-day care; decree 2010-809) are whole parts: the last two every day, the afternoon on
Saturdays, every part on Sundays and public holidays. The deep night is apart because its
regulated supplement is higher (CRM, EUR 51.50, against CRN, EUR 42.50)."""

N_DAY_PARTS = len(DAY_PARTS)
"""Parts of the day (rows of ``Tallies.acts`` per day)."""

PAYERS: tuple[str, ...] = ("amo", "ars", "state", "local", "patient", "gp")
"""Who pays a cost line: the health insurance (Assurance Maladie obligatoire, AMO), the ARS
(its regional intervention fund, FIR), the State, local authorities, the patient (out of
pocket, before any complementary insurance) and the GP (the employer of a medical assistant)."""

PERSPECTIVES: dict[str, tuple[str, ...]] = {
    "amo": ("amo",),
    "public": ("amo", "ars", "state", "local"),
    "patient": ("patient",),
}
"""Cost perspectives: the payers whose costs they add up."""


class FSum(IntEnum):
    """Float sums of the kernel: waits by kind (``WAIT_PLANNED + kind``) and planned excess
    waits."""

    WAIT_PLANNED = 0  # sum of exact waits (days) of requests seen, by kind
    WAIT_U24 = 1
    WAIT_U48 = 2
    EXCESS = 3  # sum of excess waits of planned requests (days)
    EXCESS_N = 4  # planned requests in that sum


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its stable name, unit, definition, planner-facing labels and direction.

    ``better`` is +1 when a higher value is better for patients (or the payer, for costs), -1
    when lower is better, 0 when neither. ``headline`` ranks the metrics a planner reads first
    (``accesssim compare`` prints them by default, in that order); 0 for the others.
    """

    name: str
    unit: str
    definition: str
    label: str
    short: str | None = None
    better: int = 0
    headline: int = 0


METRIC_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "wait_planned_mean_days",
        "days",
        N_(
            "Mean delay from request to appointment of planned requests that got one (GP, "
            "teleconsultation or nurse), in calendar days (DREES 2018 definition)."
        ),
        N_("Planned requests: mean delay to the appointment"),
        N_("Planned: mean delay"),
        -1,
        1,
    ),
    MetricSpec(
        "wait_planned_median_days",
        "days",
        N_("Median of the same delays."),
        N_("Planned requests: median delay to the appointment"),
        N_("Planned: median delay"),
        -1,
        2,
    ),
    MetricSpec(
        "wait_planned_p90_days",
        "days",
        N_("90th percentile of the same delays."),
        N_("Planned requests: delay within which 90 % are seen"),
        None,
        -1,
    ),
    MetricSpec(
        "excess_wait_planned_mean_days",
        "days",
        N_(
            "Mean wait of planned requests beyond the desired day (what a shortage of GP time "
            "adds to the lead time the patient wanted)."
        ),
        N_("Planned requests: mean wait beyond the day wanted"),
        None,
        -1,
    ),
    MetricSpec(
        "third_next_available_days",
        "days",
        N_("Mean over GPs and weekly snapshots of the time to the third free regular slot."),
        N_("Third next available slot"),
        None,
        -1,
    ),
    MetricSpec(
        "unscheduled_within_24h_share",
        "share",
        N_(
            "Share of unscheduled needs (24 h and 48 h) seen by a GP, a teleconsultation, a "
            "pharmacist or the out-of-hours service within 24 hours of their first request."
        ),
        N_("Soins non programmés seen within 24 h"),
        N_("Same-day needs seen within 24 h"),
        1,
        3,
    ),
    MetricSpec(
        "unscheduled_within_48h_share",
        "share",
        N_("The same within 48 hours (the SAS target)."),
        N_("Soins non programmés seen within 48 h"),
        N_("Same-day needs seen within 48 h"),
        1,
        4,
    ),
    MetricSpec(
        "ed_visits_per_1000",
        "per 1000 inhabitants per year",
        N_(
            "Emergency-department visits for needs primary care could have handled, straight "
            "to the ED or after a failed search for care."
        ),
        N_("Emergency-department (ED) visits primary care could have handled"),
        N_("ED visits"),
        -1,
        5,
    ),
    MetricSpec(
        "forgone_care_share",
        "share",
        N_(
            "Share of requests for GP care (needs, counted once however often they are asked) "
            "ending in forgone care."
        ),
        N_("Requests ending without care (forgone)"),
        N_("Forgone care"),
        -1,
        6,
    ),
    MetricSpec(
        "teleconsultation_share",
        "share",
        N_("Teleconsultations as a share of GP acts (office, home visits and remote)."),
        N_("Teleconsultations among GP acts"),
        N_("Teleconsultation share"),
        0,
        7,
    ),
    MetricSpec(
        "gp_utilisation",
        "share",
        N_("Booked slots over offered slots, sessions in the window."),
        N_("GP slots booked"),
        N_("GP slots booked"),
        0,
        12,
    ),
    MetricSpec(
        "reserved_slots_unused_share",
        "share",
        N_("Reserved slots still free at their release time, over reserved slots offered."),
        N_("Reserved same-day slots still free at release"),
    ),
    MetricSpec(
        "mt_coverage_start",
        "share",
        N_("Share of adults (16+) with a declared GP at the end of the warm-up."),
        N_("Adults with a médecin traitant (MT), end of warm-up"),
    ),
    MetricSpec(
        "mt_coverage_end",
        "share",
        N_("The same at the horizon."),
        N_("Adults with a médecin traitant (MT), at the end"),
        N_("Adults with an MT"),
        1,
        8,
    ),
    MetricSpec(
        "mt_coverage_ald_end",
        "share",
        N_("Share of adults with an ALD who have an MT, at the horizon."),
        N_("Adults with an ALD who have an MT, at the end"),
        N_("ALD adults with an MT"),
        1,
        9,
    ),
    MetricSpec(
        "patients_without_mt_end",
        "people",
        N_("Adults without an MT at the horizon."),
        N_("Adults without an MT, at the end"),
        N_("Adults without an MT"),
        -1,
        10,
    ),
    MetricSpec(
        "gp_acts_per_inhabitant",
        "acts per inhabitant per year",
        N_("GP acts (office, home, teleconsultation) per inhabitant."),
        N_("GP acts per inhabitant"),
        N_("GP acts per inhabitant"),
        0,
        11,
    ),
    MetricSpec(
        "total_cost_eur",
        "EUR",
        N_(
            "Cost to the scenario's perspective (costs.perspective: the health insurance, AMO, "
            "by default) over the measurement window, discounted: the acts the model counts "
            "(GP consultations and visits, teleconsultations, pharmacist and nurse acts, ED "
            "visits) plus the policies' own costs; see docs/policies.md."
        ),
        N_("Cost to the payer: care and policies (discounted)"),
        N_("Cost to the payer"),
        -1,
        13,
    ),
    MetricSpec(
        "care_cost_eur",
        "EUR",
        N_(
            "The part of the cost that pays for acts (GP consultations and visits, "
            "teleconsultations, pharmacist and nurse acts, ED visits), discounted."
        ),
        N_("Cost of the acts to the payer (discounted)"),
        N_("Cost of acts"),
        -1,
    ),
    MetricSpec(
        "policy_cost_eur",
        "EUR",
        N_(
            "The part of the cost that pays for the policies themselves (aid, salaries, "
            "contracts, incentives), discounted (one-off costs when they occur)."
        ),
        N_("Cost of the policies themselves to the payer (discounted)"),
        N_("Policy cost"),
        -1,
    ),
    MetricSpec(
        "wait_all_mean_days",
        "days",
        N_("Mean delay from request to appointment, planned and unscheduled requests."),
        N_("All requests: mean delay to the appointment"),
        None,
        -1,
    ),
    MetricSpec(
        "wait_all_median_days",
        "days",
        N_("Median of the same delays."),
        N_("All requests: median delay to the appointment"),
        None,
        -1,
    ),
    MetricSpec(
        "wait_all_within_1day_share",
        "share",
        N_("Share of appointments on the day of the request or the next day."),
        N_("All requests: seen the same or the next day"),
        None,
        1,
    ),
    MetricSpec(
        "wait_unscheduled_median_days",
        "days",
        N_("Median delay of unscheduled needs that were seen."),
        N_("Soins non programmés: median delay"),
        None,
        -1,
    ),
    MetricSpec(
        "acts_per_fte_gp",
        "acts per FTE-year",
        N_("GP acts of territory GPs per full-time equivalent per year."),
        N_("GP acts per full-time GP"),
    ),
    MetricSpec(
        "mt_list_per_fte",
        "adults per FTE",
        N_("Adult MT patients per FTE GP at the horizon."),
        N_("MT list per full-time GP"),
    ),
    MetricSpec(
        "requests_per_inhabitant",
        "per inhabitant per year",
        N_("Requests for GP care."),
        N_("Requests for GP care per inhabitant"),
    ),
    MetricSpec(
        "pharmacist_acts_per_1000",
        "per 1000 inhabitants per year",
        N_("Pharmacist acts."),
        N_("Pharmacist acts"),
    ),
    MetricSpec(
        "nurse_acts_per_1000",
        "per 1000 inhabitants per year",
        N_("Policy nurse follow-ups."),
        N_("Nurse follow-ups (policy nurses)"),
    ),
    MetricSpec(
        "enrolments_per_1000",
        "per 1000 inhabitants per year",
        N_("New MT declarations after a consultation."),
        N_("New MT declarations"),
    ),
    MetricSpec(
        "ed_visits_total_per_1000",
        "per 1000 inhabitants per year",
        N_(
            "All emergency-department visits: those primary care could have handled and "
            "emergencies it could not."
        ),
        N_("Emergency-department visits, all"),
        None,
        -1,
    ),
    MetricSpec(
        "ed_avoidable_share",
        "share",
        N_("Share of ED visits that primary care could have handled."),
        N_("ED visits primary care could have handled, share of all"),
        None,
        -1,
    ),
    MetricSpec(
        "ed_after_search_share",
        "share",
        N_("Share of ED visits that follow a failed search for primary care."),
        N_("ED visits after a failed search for care, share of all"),
        None,
        -1,
    ),
    MetricSpec(
        "ed_monday_excess",
        "share",
        N_(
            "ED visits per Monday of the window over ED visits per other day, minus 1 (by day "
            "of arrival at the ED; the DREES ER 1320 measure)."
        ),
        N_("ED visits on Mondays above the other days"),
    ),
    MetricSpec(
        "ed_fri_sat_share",
        "share",
        N_("Share of ED visits arriving on a Friday or a Saturday."),
        N_("ED visits on Fridays and Saturdays, share of all"),
    ),
    MetricSpec(
        "out_of_hours_acts_per_1000",
        "per 1000 inhabitants per year",
        N_("Acts of the out-of-hours service (permanence des soins ambulatoires)."),
        N_("Out-of-hours acts (PDSA)"),
    ),
    MetricSpec(
        "asked_again_per_1000",
        "per 1000 inhabitants per year",
        N_("Unscheduled needs forgone for a time that were asked again later (new requests)."),
        N_("Needs asked again after going without care"),
        None,
        -1,
    ),
    MetricSpec(
        "followups_per_1000",
        "per 1000 inhabitants per year",
        N_("In-person follow-ups requested after a teleconsultation or a pharmacist act."),
        N_("In-person follow-ups after a remote or pharmacist act"),
    ),
    MetricSpec(
        "tele_users_15_44_share",
        "share",
        N_("Share of teleconsultations whose patient is aged 15-44."),
        N_("Teleconsultations of patients aged 15-44, share"),
    ),
    MetricSpec(
        "platform_users_without_mt_share",
        "share",
        N_("Share of platform teleconsultations whose patient has no active MT."),
        N_("Platform teleconsultations of patients without an MT, share"),
    ),
)
"""Every metric of a replication, in the order of the result tables."""

METRICS: dict[str, tuple[str, str]] = {m.name: (m.unit, m.definition) for m in METRIC_SPECS}
"""Metric name -> (unit, definition). Names are stable: they are the interface."""

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)

HEADLINE_METRICS: tuple[str, ...] = tuple(
    m.name for m in sorted(METRIC_SPECS, key=lambda m: m.headline) if m.headline
)
"""The metrics a planner reads first: ``accesssim compare`` shows them by default."""

LABELS: dict[str, str] = {m.name: m.label for m in METRIC_SPECS}
"""Plain-language labels of the metrics."""

SHORT_LABELS: dict[str, str] = {m.name: m.short for m in METRIC_SPECS if m.short}
"""Shorter labels for crowded figures (the forest plot)."""

BETTER: dict[str, int] = {m.name: m.better for m in METRIC_SPECS if m.better}
"""+1 when a higher value is better, -1 when lower is better; absent: neither."""
