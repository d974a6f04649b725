"""Metrics of one replication, computed once at the end from the run's counters.

Every metric is over the measurement window (from the end of the warm-up to the horizon);
rates per inhabitant are per year. A ratio with an empty denominator is NaN (undefined), never
a made-up 0. Definitions are in docs/metrics.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from accesssim.vocabulary import METRIC_NAMES, N_GP_KINDS, Counter, FSum, Outcome

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.engine import Run

__all__ = ["compute_metrics", "histogram_quantile"]


def histogram_quantile(hist: np.ndarray, q: float) -> float:
    """The ``q`` quantile of integer data given as counts per value (lower quantile)."""
    total = hist.sum()
    if total == 0:
        return float("nan")
    cum = np.cumsum(hist)
    return float(np.searchsorted(cum, q * total, side="left"))


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _hist_mean(hist: np.ndarray) -> float:
    return _ratio((hist * np.arange(hist.size)).sum(), hist.sum())


def compute_metrics(run: Run, costs: dict[str, Any]) -> dict[str, float]:
    """All metrics of METRIC_NAMES, from a run that reached its horizon (``costs``: the
    :func:`~accesssim.model.costing.cost_summary` of its cost table)."""
    cal, pop, sup, gps = run.cal, run.pop, run.sup, run.gps
    t = run.tallies
    counts, hist, counters, fsums, acts_gp = t.counts, t.hist, t.counters, t.fsums, t.acts_gp
    snaps, marks = run.snaps, run.marks
    warm, hor = cal.warmup_days, cal.horizon_days
    years = (hor - warm) / 365.0
    n_pop = pop.n
    measured = counts[1]  # [kind, outcome]
    gp_kinds = measured[:N_GP_KINDS]  # requests for GP care (emergencies apart)
    retry = gp_kinds[:, Outcome.RETRY]
    # Needs: requests for GP care that ended (a request followed by another of the same need,
    # RETRY, is not an end), so that a need asked three times counts once.
    n_req = gp_kinds.sum() - retry.sum()
    unsched = gp_kinds[1:].sum() - retry[1:].sum()
    tele_acts = counters[Counter.TELE_GP] + counters[Counter.TELE_PLATFORM]
    gp_acts = acts_gp.sum()
    planned_hist = hist[0]
    unsched_hist = hist[1] + hist[2]
    all_hist = hist.sum(axis=0)

    m: dict[str, float] = {}
    m["wait_planned_mean_days"] = _hist_mean(planned_hist)
    m["wait_planned_median_days"] = histogram_quantile(planned_hist, 0.5)
    m["wait_planned_p90_days"] = histogram_quantile(planned_hist, 0.9)
    m["excess_wait_planned_mean_days"] = _ratio(fsums[FSum.EXCESS], fsums[FSum.EXCESS_N])
    weeks_in = np.arange(snaps["third_next_available"].size) * 7 >= warm
    tna = snaps["third_next_available"][weeks_in]
    tna = tna[~np.isnan(tna)]
    m["third_next_available_days"] = float(tna.mean()) if tna.size else float("nan")
    m["unscheduled_within_24h_share"] = _ratio(counters[Counter.U24_MET], unsched)
    m["unscheduled_within_48h_share"] = _ratio(counters[Counter.U48_MET], unsched)
    per_year_1000 = 1000.0 / n_pop / years if n_pop and years > 0 else float("nan")
    ed_avoidable = gp_kinds[:, Outcome.ED].sum() + gp_kinds[:, Outcome.ED_DIRECT].sum()
    ed_total = measured[:, Outcome.ED].sum() + measured[:, Outcome.ED_DIRECT].sum()
    m["ed_visits_per_1000"] = ed_avoidable * per_year_1000
    m["forgone_care_share"] = _ratio(gp_kinds[:, Outcome.FORGONE].sum(), n_req)
    m["teleconsultation_share"] = _ratio(tele_acts, gp_acts + tele_acts)

    s_lo, s_hi = 2 * warm, 2 * hor
    offered = float(sup.offered[:, s_lo:s_hi].sum()) if sup.n else 0.0
    unused = float(sup.free[:, s_lo:s_hi].sum() + sup.reserved[:, s_lo:s_hi].sum()) if sup.n else 0
    if run.par.lose:
        unused += counters[Counter.RELEASED]
    m["gp_utilisation"] = _ratio(offered - unused, offered)
    resv_offered = float(sup.reserved_offered[:, s_lo:s_hi].sum()) if sup.n else 0.0
    m["reserved_slots_unused_share"] = _ratio(counters[Counter.RELEASED], resv_offered)

    start, end = marks.get("start", {}), marks["end"]
    m["mt_coverage_start"] = float(start.get("coverage", float("nan")))
    m["mt_coverage_end"] = float(end["coverage"])
    m["mt_coverage_ald_end"] = float(end["coverage_ald"])
    m["patients_without_mt_end"] = float(end["without_mt"])
    m["gp_acts_per_inhabitant"] = _ratio(gp_acts + tele_acts, n_pop * years)
    m["total_cost_eur"] = float(costs["total"])
    m["care_cost_eur"] = float(costs["care"])
    m["policy_cost_eur"] = float(costs["policy"])

    m["wait_all_mean_days"] = _hist_mean(all_hist)
    m["wait_all_median_days"] = histogram_quantile(all_hist, 0.5)
    m["wait_all_within_1day_share"] = _ratio(all_hist[:2].sum(), all_hist.sum())
    m["wait_unscheduled_median_days"] = histogram_quantile(unsched_hist, 0.5)

    days = np.arange(warm, hor)
    if sup.n:
        active_days = (
            np.minimum(sup.leave_day.astype(np.int64), hor)
            - np.maximum(sup.start_day.astype(np.int64), warm)
        ).clip(min=0)
        fte_years = float((sup.fte * active_days).sum()) / 365.0
        act_end = gps.active.astype(bool)
        fte_end = float(sup.fte[act_end].sum())
        list_end = float(gps.list_size[act_end].sum())
    else:
        fte_years = fte_end = list_end = 0.0
    m["acts_per_fte_gp"] = _ratio(gp_acts + counters[Counter.TELE_GP], fte_years)
    m["mt_list_per_fte"] = _ratio(list_end, fte_end)
    m["requests_per_inhabitant"] = _ratio(n_req, n_pop * years)
    m["pharmacist_acts_per_1000"] = measured[:, Outcome.PHARMACIST].sum() * per_year_1000
    m["nurse_acts_per_1000"] = measured[:, Outcome.NURSE].sum() * per_year_1000
    m["enrolments_per_1000"] = counters[Counter.ENROL] * per_year_1000
    m["ed_visits_total_per_1000"] = ed_total * per_year_1000
    m["ed_avoidable_share"] = _ratio(ed_avoidable, ed_total)
    m["ed_after_search_share"] = _ratio(measured[:, Outcome.ED].sum(), ed_total)
    by_day = t.weekday[:, :, Outcome.ED].sum(axis=0) + t.weekday[:, :, Outcome.ED_DIRECT].sum(
        axis=0
    )
    n_days = np.bincount(cal.weekday[warm:hor].astype(np.int64), minlength=7)
    # Monday against the other days, as DREES ER 1320 measures it (ED visits per day).
    monday = _ratio(by_day[0], n_days[0])
    others = _ratio(by_day[1:].sum(), n_days[1:].sum())
    m["ed_monday_excess"] = monday / others - 1.0 if others else float("nan")
    m["ed_fri_sat_share"] = _ratio(by_day[4] + by_day[5], by_day.sum())
    m["out_of_hours_acts_per_1000"] = measured[:, Outcome.OUT_OF_HOURS].sum() * per_year_1000
    m["asked_again_per_1000"] = retry.sum() * per_year_1000
    m["followups_per_1000"] = counters[Counter.FOLLOWUP] * per_year_1000
    m["tele_users_15_44_share"] = _ratio(counters[Counter.TELE_15_44], tele_acts)
    m["platform_users_without_mt_share"] = _ratio(
        counters[Counter.PLATFORM_NO_MT], counters[Counter.TELE_PLATFORM]
    )
    del days
    assert set(m) == set(METRIC_NAMES), set(m) ^ set(METRIC_NAMES)
    return {name: float(m[name]) for name in METRIC_NAMES}
