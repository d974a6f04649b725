"""The result of one replication."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accesssim.vocabulary import HEADLINE_METRICS, METRIC_NAMES, METRICS

__all__ = ["HEADLINE_METRICS", "METRICS", "METRIC_NAMES", "RunResult", "metrics_markdown"]


def metrics_markdown() -> str:
    """docs/metrics.md: the metric reference, generated from :data:`METRICS`."""
    lines = [
        "# Metrics",
        "",
        "<!-- Generated from accesssim.vocabulary.METRIC_SPECS by `python tools/gen_docs.py`; "
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
        "",
        "## Communes",
        "",
        "`communes.parquet` holds, for every commune (one row for an aspatial territory): "
        "`insee`, `name`, `population`, `lat`, `lon`; at the horizon `mt_coverage` (share of "
        "adults with an MT), `adults` and `without_mt` (adults without an MT); over the "
        "measurement window, by the patient's commune: `unscheduled` (unscheduled needs), "
        "`unscheduled_48h_met` and `unscheduled_within_48h_share` (met within 48 h), "
        "`ed_visits` and `ed_visits_per_1000` (ED visits per 1,000 inhabitants per year). The "
        "report and the app map them.",
        "",
        "## Costs and years",
        "",
        "`costs.parquet` holds one row per year of the measurement window (year 1 starts at the "
        "end of the warm-up; every 365 days a new year), cost `item` (an act: "
        "`office_consultation`, `home_visit`, `teleconsultation_gp`, `teleconsultation_platform`, "
        "`pharmacist_act`, `nurse_followup`, `ed_visit`, `sas_supplement`; or a policy's own "
        "cost, by its block name) and `payer` (`amo`, `ars`, `state`, `local`, `patient`, `gp`): "
        "`eur` and `eur_discounted` (costs.discount_rate). `yearly.parquet` holds the effects by "
        "year: `unscheduled`, `unscheduled_met_48h` and `ed_visits` of requests made that year, "
        "`adults_without_mt_end` at its end, `discount_factor` and `days`. "
        "[policies.md](policies.md) says how each cost is counted.",
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
        Policy -> its own costs in euros over the measurement window, discounted, for the
        scenario's perspective (``total``: their sum; ``*_gp_net_cost``: the GP's, reported).
    cost_lines
        The cost table: columns ``year`` (of the measurement window, from 1), ``item`` (an act
        of :data:`~accesssim.vocabulary.ACT_NAMES` or a policy's item), ``payer``
        (:data:`~accesssim.vocabulary.PAYERS`), ``eur`` and ``eur_discounted``.
    yearly
        Effects by year of the measurement window: columns ``year``, ``measure``
        (``unscheduled``, ``unscheduled_met_48h``, ``ed_visits``, ``adults_without_mt_end``,
        ``discount_factor``, ``days``) and ``value``.
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
    cost_lines: dict[str, list] = field(default_factory=dict)
    yearly: dict[str, list] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, np.ndarray] | None = None
