"""The result of one replication."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["HEADLINE_METRICS", "METRICS", "METRIC_NAMES", "RunResult", "metrics_markdown"]

METRICS: dict[str, tuple[str, str]] = {
    "wait_planned_mean_days": (
        "days",
        "Mean delay from request to appointment of planned requests that got one (GP, "
        "teleconsultation or nurse), in calendar days (DREES 2018 definition).",
    ),
    "wait_planned_median_days": ("days", "Median of the same delays."),
    "wait_planned_p90_days": ("days", "90th percentile of the same delays."),
    "excess_wait_planned_mean_days": (
        "days",
        "Mean wait of planned requests beyond the desired day (what a shortage of GP time "
        "adds to the lead time the patient wanted).",
    ),
    "third_next_available_days": (
        "days",
        "Mean over GPs and weekly snapshots of the time to the third free regular slot.",
    ),
    "unscheduled_within_24h_share": (
        "share",
        "Share of unscheduled needs (24 h and 48 h) seen by a GP, a teleconsultation or a "
        "pharmacist within 24 hours of the request.",
    ),
    "unscheduled_within_48h_share": ("share", "The same within 48 hours (the SAS target)."),
    "ed_visits_per_1000": (
        "per 1000 inhabitants per year",
        "Emergency-department visits for needs primary care could have handled.",
    ),
    "forgone_care_share": ("share", "Share of all requests ending in forgone care."),
    "teleconsultation_share": (
        "share",
        "Teleconsultations as a share of GP acts (office, home visits and remote).",
    ),
    "gp_utilisation": ("share", "Booked slots over offered slots, sessions in the window."),
    "reserved_slots_unused_share": (
        "share",
        "Reserved slots still free at their release time, over reserved slots offered.",
    ),
    "mt_coverage_start": (
        "share",
        "Share of adults (16+) with a declared GP at the end of the warm-up.",
    ),
    "mt_coverage_end": ("share", "The same at the horizon."),
    "mt_coverage_ald_end": ("share", "Share of adults with an ALD who have an MT, at the horizon."),
    "patients_without_mt_end": ("people", "Adults without an MT at the horizon."),
    "gp_acts_per_inhabitant": (
        "acts per inhabitant per year",
        "GP acts (office, home, teleconsultation) per inhabitant.",
    ),
    "policy_cost_eur": (
        "EUR",
        "Cost of the policy mix to the public payer over the measurement window (one-off "
        "costs when they occur); see docs/policies.md.",
    ),
    "wait_all_mean_days": (
        "days",
        "Mean delay from request to appointment, planned and unscheduled requests.",
    ),
    "wait_all_median_days": ("days", "Median of the same delays."),
    "wait_all_within_1day_share": (
        "share",
        "Share of appointments on the day of the request or the next day.",
    ),
    "wait_unscheduled_median_days": ("days", "Median delay of unscheduled needs that were seen."),
    "acts_per_fte_gp": (
        "acts per FTE-year",
        "GP acts of territory GPs per full-time equivalent per year.",
    ),
    "mt_list_per_fte": ("adults per FTE", "Adult MT patients per FTE GP at the horizon."),
    "requests_per_inhabitant": ("per inhabitant per year", "Requests for GP care."),
    "pharmacist_acts_per_1000": ("per 1000 inhabitants per year", "Pharmacist acts."),
    "nurse_acts_per_1000": ("per 1000 inhabitants per year", "Policy nurse follow-ups."),
    "enrolments_per_1000": (
        "per 1000 inhabitants per year",
        "New MT declarations after a consultation.",
    ),
}
"""Metric name -> (unit, definition). Names are stable: they are the interface."""

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)

HEADLINE_METRICS: tuple[str, ...] = (
    "wait_planned_mean_days",
    "wait_planned_median_days",
    "unscheduled_within_24h_share",
    "unscheduled_within_48h_share",
    "ed_visits_per_1000",
    "forgone_care_share",
    "teleconsultation_share",
    "mt_coverage_end",
    "mt_coverage_ald_end",
    "patients_without_mt_end",
    "gp_acts_per_inhabitant",
    "gp_utilisation",
    "policy_cost_eur",
)
"""The metrics a planner reads first: ``accesssim compare`` shows them by default."""


def metrics_markdown() -> str:
    """docs/metrics.md: the metric reference, generated from :data:`METRICS`."""
    lines = [
        "# Metrics",
        "",
        "<!-- Generated from accesssim.model.result.METRICS by `python tools/gen_docs.py`; "
        "a test fails when it is stale. -->",
        "",
        "Every replication reports these metrics over the measurement window: from the end of "
        "the warm-up (`calendar.warmup_days`) to the horizon (`calendar.horizon_days`), one "
        "year by default. Rates per inhabitant are per year. A request belongs to the window "
        "when it arrives in it; GP acts and slots when the appointment falls in it. A ratio "
        "whose denominator is empty is NaN (undefined), never a made-up 0. `accesssim run` "
        "reports the mean and the 95 % confidence interval (Student t over replications).",
        "",
        "The names are stable: they are the interface of the result tables, the comparisons "
        "and the sweeps.",
        "",
        "| metric | unit | definition |",
        "|---|---|---|",
    ]
    for name, (unit, text) in METRICS.items():
        lines.append(f"| `{name}` | {unit} | {text} |")
    lines += [
        "",
        "## Outcomes",
        "",
        "Every request ends in exactly one outcome: `own_mt` (seen by the declared GP), "
        "`other_gp` (a colleague of the practice, another GP of the territory, or a shared-rota "
        "slot), `teleconsultation`, `pharmacist`, `nurse`, `ed` (emergency department), "
        "`forgone`, or `pending` (an appointment booked after the horizon). The outcome tables "
        "(`outcomes.parquet`) count them by request kind (`planned`, `unscheduled_24h`, "
        "`unscheduled_48h`) for the measurement window and for the whole run; the whole-run "
        "counts add up to the requests generated.",
        "",
        "## Weekly series",
        "",
        "`weekly.parquet` holds, for every week of the run (warm-up included), by arrival week: "
        "`requests`, `planned`, `planned_seen`, `planned_wait_days_sum`, "
        "`wait_planned_mean_days`, `unscheduled`, `unscheduled_24h_met`, `unscheduled_48h_met`, "
        "`unscheduled_within_24h_share`, `unscheduled_within_48h_share`, `ed`, `forgone`, "
        "`teleconsultation`; and at the start of the week: `coverage` and `coverage_ald` (share "
        "of adults, and of adults with an ALD, with an MT), `without_mt` (adults), `backlog` "
        "(appointments booked for later sessions) and `third_next_available` (days).",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RunResult:
    """Everything one replication produced.

    Attributes
    ----------
    scenario_name, seed, replication
        What was run: ``simulate(scenario, seed, replication)`` reproduces it exactly.
    metrics
        Metric name -> value, over the measurement window (after warm-up); see METRIC_NAMES.
    weekly
        Column name -> array over the weeks of the whole run (warm-up included).
    outcomes
        int64 [3 kinds, 8 outcomes] for requests arriving in the measurement window.
    outcomes_all
        The same over the whole run; its sum equals ``requests_generated.sum()``.
    requests_generated
        int64 [3 kinds]: requests generated over the whole run.
    wait_histogram
        int64 [3 kinds, max_wait + 1]: days from request to appointment, measured requests
        seen by a GP, teleconsultation or nurse (the last bin holds longer waits).
    costs
        Policy -> euros over the measurement window (one-off costs when they occur).
    communes
        Per-commune table at the end: insee, name, population, lat, lon, mt_coverage.
    diagnostics
        Internal figures for tests and validation (overbooking, list excess, ...).
    requests
        Per-request log (only with ``record_requests=True``): arrival time, kind, person,
        desired day, outcome, appointment time, GP.
    """

    scenario_name: str
    seed: int
    replication: int
    metrics: dict[str, float]
    weekly: dict[str, np.ndarray]
    outcomes: np.ndarray
    outcomes_all: np.ndarray
    requests_generated: np.ndarray
    wait_histogram: np.ndarray
    costs: dict[str, float]
    communes: dict[str, Any]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, np.ndarray] | None = None
