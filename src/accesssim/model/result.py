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
        "`other_gp` (a colleague of the practice, another GP of the territory, a shared-rota "
        "slot or a slot found by the SAS), `out_of_hours` (the out-of-hours service, PDSA), "
        "`teleconsultation`, `pharmacist`, `nurse`, `ed_direct` (straight to the emergency "
        "department), `ed` (the emergency department after a failed search for care), "
        "`forgone`, `asked_again` (forgone for now: the same need comes back as a new request "
        "a few days later) or `pending` (an appointment, or the next request of the need, after "
        "the horizon). A need ends once: its last request's outcome is not `asked_again`. The "
        "outcome tables (`outcomes.parquet`) count them by request kind (`planned`, "
        "`unscheduled_24h`, `unscheduled_48h`, and `emergency`: emergencies primary care could "
        "not handle, which go straight to the ED) for the measurement window and for the whole "
        "run; the whole-run counts add up to the requests generated plus the requests carried "
        "to a later day (needs asked again and in-person follow-ups). A need arising out of "
        "hours that waits for practices to open is one request, counted when it is asked.",
        "",
        "`outcomes_weekday.parquet` and `outcomes_hour.parquet` count the measured requests by "
        "kind, outcome and weekday of arrival (`mon` ... `sun`) or band of the hour of arrival "
        "(`00-08`, `08-12`, `12-20`, `20-24`); an ED visit arrives at the ED when its request "
        "is made. `accesssim run --format json` gives their means per replication "
        "(`outcomes_by_weekday`, `outcomes_by_hour_band`), `accesssim compare --format json` "
        "the same per scenario (`outcome_profiles`).",
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
        "`ed_visits` and `ed_visits_per_1000` (ED visits for needs primary care could have "
        "handled, per 1,000 inhabitants per year). The report and the app map them.",
        "",
        "## Costs and years",
        "",
        "`costs.parquet` holds one row per year of the measurement window (year 1 starts at the "
        "end of the warm-up; every 365 days a new year), cost `item` (an act: "
        "`office_consultation`, `home_visit`, `teleconsultation_gp`, `teleconsultation_platform`, "
        "`pharmacist_act`, `nurse_followup`, `ed_visit`, `sas_supplement`, `out_of_hours_act`; "
        "or a policy's own cost, by its block name) and `payer` (`amo`, `ars`, `state`, "
        "`local`, `patient`, `gp`): `eur` and `eur_discounted` (costs.discount_rate). "
        "`yearly.parquet` holds the effects by year: `unscheduled`, `unscheduled_met_48h` and "
        "`ed_visits` of needs ended by a request made that year (needs primary care could have "
        "handled; a need asked again counts once), `adults_without_mt_end` at its end, "
        "`discount_factor` and `days`. [policies.md](policies.md) says how each cost is counted.",
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
        int64 [4 kinds, 11 outcomes] for requests arriving in the measurement window (kinds and
        outcomes of :mod:`accesssim.vocabulary`).
    outcomes_all
        The same over the whole run; its sum equals ``requests_generated.sum() +
        requests_carried``.
    requests_generated
        int64 [4 kinds]: new requests generated over the whole run.
    requests_carried
        Requests the bookings carried to later days over the whole run (needs asked again,
        in-person follow-ups).
    outcomes_by_weekday
        int64 [4 kinds, 7 weekdays (Monday first), 11 outcomes]: measured requests by weekday
        of arrival.
    outcomes_by_hour
        int64 [4 kinds, 4 hour bands, 11 outcomes]: measured requests by band of the hour of
        arrival (:data:`accesssim.vocabulary.HOUR_BANDS`).
    wait_histogram
        int64 [3 kinds, max_wait + 1]: days from a need's first request to its appointment,
        measured requests seen by a GP, teleconsultation or nurse (the last bin holds longer
        waits).
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
    requests_carried: int = 0
    outcomes_by_weekday: np.ndarray | None = None
    outcomes_by_hour: np.ndarray | None = None
