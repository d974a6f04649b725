"""``simulate(scenario, seed)``: one replication of a scenario.

SimPy drives the calendar; arrays carry the requests. Processes:

* ``gp_changes`` (every midnight): which GPs practise, accept new patients, and their list
  capacity (medical assistants and nurses raise it as the policy phases in);
* ``turnover`` (first day of every month): moves out and deaths free list places; newcomers
  arrive without an MT;
* ``mt_access`` (monthly, from the policy start): the CPTS matches patients without an MT;
* ``snapshots`` (every 7 days, at the end of warm-up and at the horizon): coverage, backlog,
  third next available appointment;
* ``day`` (just after midnight): generate the day's requests in one vectorised block and hand
  them, sorted by arrival time, to the booking kernel, which also releases reserved slots at
  their release times.

At each midnight they run in that order (``_ORDER``: small offsets after the day's start), so a
snapshot sees the day's GPs and the day's requests see every change of the night.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from accesssim.model import kernel as K
from accesssim.model.calendar import SessionCalendar, build_calendar
from accesssim.model.costs import policy_costs
from accesssim.model.demand import DayRequests, DemandGenerator
from accesssim.model.metrics import compute_metrics
from accesssim.model.population import (
    Candidates,
    Population,
    build_candidates,
    build_population,
)
from accesssim.model.result import RunResult
from accesssim.model.supply import Supply, build_supply, commune_xy_km
from accesssim.rng import Streams
from accesssim.scenario.distributions import Exponential, Normal
from accesssim.scenario.schema import Scenario

__all__ = ["State", "simulate"]

MAX_WAIT_DAYS = 400
_EPS = 1e-6
# Order of the events of one midnight: offsets (days) after the day's start. GP arrivals and
# departures first, then the month's turnover, the MT-access matching, the weekly snapshot,
# and last the day's requests (from _EPS on).
_ORDER = {"gp_changes": 0.0, "turnover": 1e-9, "mt_access": 2e-9, "snapshots": 3e-9}


def _upper(dist: Any) -> float:
    """A practical upper bound of a distribution (for the booking pad)."""
    if isinstance(dist, Exponential):
        return 8.0 * dist.mean
    if isinstance(dist, Normal):
        return min(dist.high, dist.mu + 6 * dist.sd)
    return float(getattr(dist, "high", getattr(dist, "value", 0.0)))


def booking_pad_days(scenario: Scenario) -> int:
    """Days the agenda extends past the horizon so that late requests can book ahead."""
    dem = scenario.demand
    pad = _upper(dem.planned_lead_days) + _upper(dem.planned_patience_days) + 14
    return int(min(max(math.ceil(pad), 21), 730))


@dataclass
class State:
    """Mutable state of a run (the scenario itself is never changed)."""

    cal: SessionCalendar
    pop: Population
    sup: Supply
    gp_active: np.ndarray  # uint8 [G]
    accepts: np.ndarray  # uint8 [G]
    cap_eff: np.ndarray  # int32 [G]
    list_size: np.ndarray  # int32 [G]
    list_ald: np.ndarray  # int32 [G]
    appts_sess: np.ndarray  # int32 [S]
    cursor: np.ndarray  # int64 [1]: next session to release


def _daily_pool(
    cal: SessionCalendar, per_day: float, start: int, days_mask: np.ndarray
) -> np.ndarray:
    """Integer capacity per day whose running sum follows ``per_day`` on the allowed days."""
    rate = np.where((np.arange(cal.n_days) >= start) & days_mask, per_day, 0.0)
    cum = np.floor(np.cumsum(rate) + 1e-9)
    return np.diff(cum, prepend=0.0).astype(np.int32)


def _candidates(
    scenario: Scenario,
    xy: np.ndarray,
    sup: Supply,
    eligible: np.ndarray,
    streams: Streams,
    name: str,
) -> Candidates:
    ter = scenario.territory
    return build_candidates(
        xy,
        sup.commune,
        eligible,
        ter.candidate_gps,
        ter.distance_decay_km,
        streams[f"territory.candidates.{name}"],
    )


def simulate(
    scenario: Scenario,
    seed: int = 0,
    replication: int = 0,
    *,
    record_requests: bool = False,
) -> RunResult:
    """Run one replication of ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (it is not modified).
    seed
        Root seed of the experiment (``SeedSequence(seed)``); 0 is a seed.
    replication
        Replication index: the replication draws from child ``replication`` of the root.
    record_requests
        Keep a per-request log in ``RunResult.requests`` (memory: about 40 bytes a request).

    Returns
    -------
    RunResult
        Metrics over the measurement window, weekly series, outcome counts and costs.
    """
    streams = Streams(seed, replication)
    cal = build_calendar(scenario, booking_pad_days(scenario))
    pop = build_population(scenario, streams)
    sup = build_supply(scenario, cal, streams)
    xy = commune_xy_km(scenario)
    pol = scenario.policies
    G = sup.n
    horizon, warmup = cal.horizon_days, cal.warmup_days

    # -- who accepts new patients, and when --------------------------------------------------
    ma = pol.medical_assistants
    ma_start = scenario.calendar.day_of(ma.start) if ma is not None else 10**9
    ma_gp = sup.ma_share > 0
    acc = _candidates(scenario, xy, sup, sup.willing | ma_gp | sup.sees_others, streams, "others")
    rota = _candidates(scenario, xy, sup, sup.rota, streams, "rota")
    everyone = _candidates(scenario, xy, sup, np.ones(G, dtype=bool), streams, "all")

    state = State(
        cal=cal,
        pop=pop,
        sup=sup,
        gp_active=np.zeros(G, dtype=np.uint8),
        accepts=np.zeros(G, dtype=np.uint8),
        cap_eff=sup.list_capacity.copy(),
        list_size=np.zeros(G, dtype=np.int32),
        list_ald=np.zeros(G, dtype=np.int32),
        appts_sess=np.zeros(cal.n_sessions, dtype=np.int32),
        cursor=np.zeros(1, dtype=np.int64),
    )
    state.appts_sess += sup.prebooked
    nurses = pol.nurses
    nurse_start = scenario.calendar.day_of(nurses.start) if nurses is not None else 10**9
    days = np.arange(cal.n_days)

    def update_gps(day: int) -> None:
        active = sup.active_on(day)
        state.gp_active[:] = active
        acc_now = sup.willing | (ma_gp & (day >= ma_start))
        state.accepts[:] = active & acc_now
        cap = sup.list_capacity.astype(np.float64)
        if ma is not None:
            phase = sup.ma_phase[min(day, cal.n_days - 1)]
            cap = cap * (1.0 + ma.list_gain * np.minimum(sup.ma_share, 1.0) * phase)
        if nurses is not None and day >= nurse_start:
            cap = cap * np.where(sup.nurse_gp, 1.0 + nurses.effective_list_gain, 1.0)
        state.cap_eff[:] = np.floor(cap + 1e-9).astype(np.int32)

    update_gps(0)

    # -- initial MT lists ------------------------------------------------------------------
    rng_mt = streams["population.mt"]
    popu = scenario.population
    adult_ald = float((pop.adult & pop.ald).sum()) / max(int(pop.adult.sum()), 1)
    # People without an ALD get the share that makes the adults' overall share match.
    share_non_ald = (popu.without_mt_share - adult_ald * popu.without_mt_share_ald) / max(
        1.0 - adult_ald, 1e-9
    )
    share_non_ald = min(max(share_non_ald, 0.0), 1.0)
    # u < (ALD ? 1 - share_ald : 1 - share_non_ald), without an 8 M-element float array.
    u_has = rng_mt.random(pop.n)
    has = np.where(pop.ald, u_has < 1.0 - popu.without_mt_share_ald, u_has < 1.0 - share_non_ald)
    del u_has
    # rng.permutation(n) shuffles arange(n) in place: the same permutation, in int32.
    order = np.arange(pop.n, dtype=np.int32)
    rng_mt.shuffle(order)
    people = order[has[order]].astype(np.int32)
    u_choice = rng_mt.random(people.size)
    ok0 = state.gp_active.astype(np.bool_)
    fallback = rng_mt.permutation(np.flatnonzero(ok0)).astype(np.int32)
    fill = scenario.gps.open_list_initial_fill
    cap0 = np.where(sup.open_at_start, np.floor(state.cap_eff * fill), state.cap_eff).astype(
        np.int32
    )
    unassigned = K.assign_mt(
        people,
        pop.mt,
        pop.age,
        pop.ald,
        pop.commune,
        state.list_size,
        state.list_ald,
        cap0,
        ok0,
        everyone.ptr,
        everyone.gp,
        everyone.cumw,
        u_choice,
        fallback,
    )
    del has, order, people, u_choice, fallback  # 8 M-element temporaries at region scale

    # -- pools of teleconsultation and nurse capacity per day ------------------------------
    has_sessions = (
        np.add.reduceat(
            (sup.offered.sum(axis=0) > 0).astype(np.int64), np.arange(0, cal.n_sessions, 2)
        )
        > 0
        if G
        else np.zeros(cal.n_days, dtype=bool)
    )
    tele = pol.teleconsultation
    tele_elig = np.zeros((3, 4), dtype=np.float64)
    if tele is not None:
        tstart = scenario.calendar.day_of(tele.start)
        tele_gp = _daily_pool(cal, tele.gp_daily_capacity, tstart, has_sessions)
        plat_days = np.ones(cal.n_days, bool) if tele.open_days == "all" else cal.weekday < 6
        tele_plat = _daily_pool(cal, tele.platform_daily_capacity, tstart, plat_days)
        el = tele.eligible
        tele_elig[0] = el.planned.as_tuple()
        tele_elig[1] = el.unscheduled_24h.as_tuple()
        tele_elig[2] = el.unscheduled_48h.as_tuple()
    else:
        tele_gp = np.zeros(cal.n_days, np.int32)
        tele_plat = np.zeros(cal.n_days, np.int32)
    tele_gp_offered = tele_gp.copy()
    tele_plat_offered = tele_plat.copy()
    if nurses is not None and nurses.fte > 0:
        nurse_left = _daily_pool(
            cal,
            nurses.fte * nurses.acts_per_fte_day,
            nurse_start,
            (cal.weekday < 5) & ~cal.closed_day,
        )
    else:
        nurse_left = np.zeros(cal.n_days, np.int32)

    # -- release times of reserved slots -------------------------------------------------------
    us = pol.unscheduled_slots
    sess_day = np.arange(cal.n_sessions) // 2
    if us is not None:
        offset = -1.0 if us.release_day == "previous" else 0.0
        rel_time = sess_day + offset + us.release_time_hours / 24.0
    else:
        rel_time = cal.session_start.copy()
    rel_time = rel_time.astype(np.float64)
    sess_resv = (sup.reserved.sum(axis=0) > 0) if G else np.zeros(cal.n_sessions, bool)
    sess_resv = sess_resv.astype(np.uint8)

    # -- kernel parameters --------------------------------------------------------------------
    n_weeks = math.ceil(horizon / 7)
    ipar = np.zeros(K.N_IPAR, dtype=np.int64)
    ipar[K.I_WARMUP] = warmup
    ipar[K.I_HORIZON] = horizon
    ipar[K.I_NSESS] = cal.n_sessions
    ipar[K.I_ROTA_START] = (
        scenario.calendar.day_of(us.start) if us is not None and us.shared_rota else 10**9
    )
    ph = pol.pharmacists
    ipar[K.I_PHARM_START] = scenario.calendar.day_of(ph.start) if ph is not None else 10**9
    if ph is not None:
        ipar[K.I_SORE_MIN] = ph.sore_throat_min_age
        ipar[K.I_CYST_MIN] = ph.cystitis_min_age
        ipar[K.I_CYST_MAX] = ph.cystitis_max_age
    ipar[K.I_TRIES_OTHER] = int(scenario.demand.unscheduled_tries_other_gps)
    ipar[K.I_MAX_TRIES] = scenario.territory.candidate_gps
    ipar[K.I_LOSE] = int(us is not None and us.unused == "lose")
    ipar[K.I_NURSE_START] = nurse_start
    ipar[K.I_NWEEKS] = n_weeks
    ipar[K.I_MAXWAIT] = MAX_WAIT_DAYS
    ipar[K.I_MT_TOL] = int(math.floor(scenario.demand.planned_mt_tolerance_days))
    fpar = np.zeros(K.N_FPAR, dtype=np.float64)
    fpar[K.P_AM] = cal.am_hour / 24.0
    fpar[K.P_PM] = cal.pm_hour / 24.0
    fpar[K.P_ENROL] = scenario.demand.enrol_share
    fpar[K.P_ED24] = scenario.demand.ed_share_unmet_24h
    fpar[K.P_ED48] = scenario.demand.ed_share_unmet_48h
    fpar[K.P_PHARM_SHARE] = ph.handled_share if ph is not None else 0.0
    fpar[K.P_NURSE_SHARE] = nurses.ald_followup_share if nurses is not None else 0.0
    fpar[K.P_TELE_HOUR] = cal.am_hour / 24.0

    counts = np.zeros((2, 3, K.N_OUTCOMES), dtype=np.int64)
    hist = np.zeros((3, MAX_WAIT_DAYS + 1), dtype=np.int64)
    counters = np.zeros(K.N_COUNTERS, dtype=np.int64)
    fsums = np.zeros(K.N_FSUMS, dtype=np.float64)
    weekly_acc = np.zeros((n_weeks, K.N_WEEKLY), dtype=np.float64)
    acts_gp = np.zeros(G, dtype=np.int64)
    generated = np.zeros(3, dtype=np.int64)
    gp_arr = sup.practice if G else np.zeros(0, np.int32)
    sees_others = sup.sees_others.astype(np.uint8)

    snap_cols = ("coverage", "coverage_ald", "without_mt", "backlog", "third_next_available")
    snaps = {c: np.full(n_weeks, np.nan) for c in snap_cols}
    marks: dict[str, dict[str, float]] = {}
    log: list[dict[str, np.ndarray]] = []
    adults = pop.adult
    n_adults = int(adults.sum())
    n_adults_ald = int((adults & pop.ald).sum())
    extra_counts = {"turnover": 0, "mt_access_matched": 0, "mt_access_matched_measured": 0}

    def coverage() -> tuple[float, float, int]:
        act = state.gp_active.astype(bool)
        covered = int(state.list_size[act].sum())
        covered_ald = int(state.list_ald[act].sum())
        cov = covered / n_adults if n_adults else np.nan
        cov_ald = covered_ald / n_adults_ald if n_adults_ald else np.nan
        return cov, cov_ald, n_adults - covered

    def snapshot(day: int) -> dict[str, float]:
        cov, cov_ald, without = coverage()
        s0 = 2 * day
        backlog = float(state.appts_sess[s0:].sum())
        tna = (
            K.third_next_available(
                sup.free, state.gp_active.astype(np.bool_), s0, cal.session_start, float(day)
            )
            if G
            else np.nan
        )
        return {
            "coverage": cov,
            "coverage_ald": cov_ald,
            "without_mt": float(without),
            "backlog": backlog,
            "third_next_available": float(tna),
        }

    env = simpy.Environment()

    def gp_changes():
        change_days = np.unique(np.concatenate([sup.start_day, sup.leave_day, [0]]))
        change_days = set(int(d) for d in change_days if 0 <= d < horizon)
        varying = (ma is not None and ma.phase_in_years > 0) or nurses is not None
        for day in range(horizon):
            if day > 0 and (day in change_days or varying or day == ma_start):
                update_gps(day)
            yield env.timeout(1)

    first_of_month = [
        int(d)
        for d in days[:horizon]
        if d > 0 and (cal.start_date.toordinal() + d) and _is_first_of_month(cal, int(d))
    ]

    def turnover():
        rng = streams["population.turnover"]
        prev = 0
        popu = scenario.population
        move_p = 1.0 - (1.0 - popu.move_out_rate_per_year) ** (1 / 12)
        death_p = 1.0 - (1.0 - np.array(popu.death_rate_per_year.as_tuple())) ** (1 / 12)
        yield env.timeout(_ORDER["turnover"])
        for day in first_of_month:
            yield env.timeout(day - prev)
            prev = day
            k = rng.binomial(pop.n, move_p) if pop.n else 0
            movers = rng.integers(0, max(pop.n, 1), size=k)
            dead = []
            for b in range(4):
                lo, hi = pop.group_ptr[2 * b], pop.group_ptr[2 * b + 2]
                kb = rng.binomial(int(hi - lo), death_p[b]) if hi > lo else 0
                dead.append(pop.group_members[lo + rng.integers(0, max(hi - lo, 1), size=kb)])
            idx = np.unique(np.concatenate([movers.astype(np.int32), *dead]))
            m = pop.mt[idx]
            has_mt = m >= 0
            g = m[has_mt]
            adult = pop.age[idx[has_mt]] >= 16
            ald = pop.ald[idx[has_mt]]
            if G:
                state.list_size -= np.bincount(g[adult], minlength=G).astype(np.int32)
                state.list_ald -= np.bincount(g[adult & ald], minlength=G).astype(np.int32)
            pop.mt[idx] = -1
            extra_counts["turnover"] += int(idx.size)

    def mt_access():
        mta = pol.mt_access
        if mta is None or G == 0:
            return
        rng = streams["policies.mt_access"]
        start = scenario.calendar.day_of(mta.start)
        month_days = [d for d in [start, *first_of_month] if d >= start]
        prev = 0
        yield env.timeout(_ORDER["mt_access"])
        for day in sorted(set(month_days)):
            yield env.timeout(day - prev)
            prev = day
            mt = pop.mt
            valid = (mt >= 0) & (state.gp_active[np.maximum(mt, 0)] == 1)
            pool_people = np.flatnonzero(adults & ~valid)
            pop.mt[pool_people] = -1
            pool_people = rng.permutation(pool_people)
            if mta.ald_priority:
                pool_people = np.concatenate(
                    [pool_people[pop.ald[pool_people]], pool_people[~pop.ald[pool_people]]]
                )
            take = pool_people[: mta.monthly_capacity].astype(np.int32)
            ok = state.gp_active.astype(bool) & (
                state.accepts.astype(bool) | mta.include_closed_lists
            )
            fb = rng.permutation(np.flatnonzero(ok)).astype(np.int32)
            failed = K.assign_mt(
                take,
                pop.mt,
                pop.age,
                pop.ald,
                pop.commune,
                state.list_size,
                state.list_ald,
                state.cap_eff,
                ok,
                everyone.ptr,
                everyone.gp,
                everyone.cumw,
                rng.random(take.size),
                fb,
            )
            matched = int(take.size - failed)
            extra_counts["mt_access_matched"] += matched
            if warmup <= day < horizon:
                extra_counts["mt_access_matched_measured"] += matched

    def snapshots():
        marks_days = sorted(set(range(0, horizon, 7)) | {warmup})
        prev = 0
        yield env.timeout(_ORDER["snapshots"])
        for day in marks_days:
            yield env.timeout(day - prev)
            prev = day
            snap = snapshot(day)
            if day % 7 == 0:
                for c in snap_cols:
                    snaps[c][day // 7] = snap[c]
            if day == warmup:
                marks["start"] = snap

    gen = DemandGenerator(scenario, pop, cal, streams)

    # Constant during the run: converted once, not every day.
    rota_u8 = sup.rota.astype(np.uint8)
    nurse_u8 = sup.nurse_gp.astype(np.uint8)
    # Per-request outputs of the kernel, reused from day to day (the kernel writes every
    # element it is given).
    out_bufs = {"outcome": np.zeros(0, np.uint8), "time": np.zeros(0), "gp": np.zeros(0, np.int32)}

    def day_process():
        yield env.timeout(_EPS)
        for day in range(horizon):
            req = gen.day(day)
            n = len(req)
            generated[:] += req.n_by_kind
            if n > out_bufs["outcome"].size:
                cap = int(n * 1.25) + 1024
                out_bufs.update(
                    outcome=np.zeros(cap, np.uint8), time=np.zeros(cap), gp=np.zeros(cap, np.int32)
                )
            out_outcome = out_bufs["outcome"][:n]
            out_time = out_bufs["time"][:n]
            out_gp = out_bufs["gp"][:n]
            K.book_day(
                req.t,
                req.person,
                req.kind,
                req.desired,
                req.patience,
                req.u_sev,
                req.u_tele,
                req.u_pharm,
                req.u_choice,
                req.u_enrol,
                req.u_nurse,
                req.minor,
                req.home,
                pop.mt,
                pop.age,
                pop.band,
                pop.ald,
                pop.female,
                pop.commune,
                sup.free,
                sup.reserved,
                state.gp_active,
                state.accepts,
                state.cap_eff,
                state.list_size,
                state.list_ald,
                gp_arr,
                sup.prac_ptr,
                sup.prac_members,
                rota_u8,
                nurse_u8,
                sees_others,
                acc.ptr,
                acc.gp,
                acc.cumw,
                rota.ptr,
                rota.gp,
                rota.cumw,
                cal.session_start,
                rel_time,
                sess_resv,
                state.cursor,
                state.appts_sess,
                tele_gp,
                tele_plat,
                nurse_left,
                tele_elig,
                ipar,
                fpar,
                out_outcome,
                out_time,
                out_gp,
                counts,
                hist,
                counters,
                fsums,
                weekly_acc,
                acts_gp,
            )
            if record_requests:
                log.append(_log_rows(req, out_outcome, out_time, out_gp))
            yield env.timeout(1)
        # Flush releases of the sessions inside the horizon.
        K.release_until(
            float(horizon),
            state.cursor,
            rel_time,
            sess_resv,
            sup.free,
            sup.reserved,
            ipar[K.I_LOSE],
            counters,
            2 * warmup,
            2 * horizon,
        )

    env.process(gp_changes())
    env.process(turnover())
    env.process(mt_access())
    env.process(snapshots())
    env.process(day_process())
    env.run(until=horizon + 2 * _EPS)
    marks["end"] = snapshot(horizon)

    weekly = {"week": np.arange(n_weeks), "day": np.arange(n_weeks) * 7}
    names = (
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
    for i, name in enumerate(names):
        weekly[name] = weekly_acc[:, i].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        weekly["wait_planned_mean_days"] = weekly_acc[:, 3] / weekly_acc[:, 2]
        weekly["unscheduled_within_24h_share"] = weekly_acc[:, 5] / weekly_acc[:, 4]
        weekly["unscheduled_within_48h_share"] = weekly_acc[:, 6] / weekly_acc[:, 4]
    for c in snap_cols:
        weekly[c] = snaps[c]

    costs = policy_costs(
        scenario,
        sup,
        cal,
        tele_acts_measured=int(counters[K.C_TELE_GP] + counters[K.C_TELE_PLATFORM]),
        pharmacist_acts_measured=int(counts[1, :, K.PHARMACIST].sum()),
        mt_matched_measured=extra_counts["mt_access_matched_measured"],
    )
    metrics = compute_metrics(
        scenario=scenario,
        cal=cal,
        pop=pop,
        sup=sup,
        state=state,
        counts=counts,
        hist=hist,
        counters=counters,
        fsums=fsums,
        acts_gp=acts_gp,
        snaps=snaps,
        marks=marks,
        costs=costs,
        tele_offered=(tele_gp_offered, tele_plat_offered),
    )
    mt = pop.mt
    valid = (mt >= 0) & (state.gp_active[np.maximum(mt, 0)] == 1) if G else np.zeros(pop.n, bool)
    n_c = pop.commune_population.size
    ad_c = np.bincount(pop.commune[adults], minlength=n_c)
    cov_c = np.bincount(pop.commune[adults & valid], minlength=n_c)
    communes_tab = _commune_table(scenario, pop, ad_c, cov_c)
    diagnostics = {
        "unassigned_initial": int(unassigned),
        "min_free": int(sup.free.min()) if G else 0,
        "min_reserved": int(sup.reserved.min()) if G else 0,
        "list_excess": int((state.list_size - state.cap_eff)[state.gp_active == 1].max())
        if state.gp_active.any()
        else 0,
        "covered_adults_by_person": int((adults & valid).sum()),
        "covered_adults_by_lists": int(state.list_size[state.gp_active == 1].sum()),
        "n_gps": G,
        "n_people": pop.n,
        "counters": {
            name: int(counters[getattr(K, name)])
            for name in (
                "C_ENROL",
                "C_COLLEAGUE",
                "C_OTHER",
                "C_ROTA",
                "C_OWN_RESERVED",
                "C_TELE_GP",
                "C_TELE_PLATFORM",
                "C_HOME",
                "C_RELEASED",
                "C_RESERVED_USED",
            )
        },
        "turnover": extra_counts["turnover"],
        "mt_access_matched": extra_counts["mt_access_matched"],
        "wait_sum_days": fsums[:3].copy(),
        "tele_offered_measured": int(
            tele_gp_offered[warmup:horizon].sum() + tele_plat_offered[warmup:horizon].sum()
        ),
    }
    requests = None
    if record_requests:
        requests = {
            k: np.concatenate([part[k] for part in log]) if log else np.zeros(0)
            for k in (log[0] if log else {"t": 0})
        }
    return RunResult(
        scenario_name=scenario.name,
        seed=int(seed),
        replication=int(replication),
        metrics=metrics,
        weekly=weekly,
        outcomes=counts[1].copy(),
        outcomes_all=counts[0].copy(),
        requests_generated=generated,
        wait_histogram=hist,
        costs=costs,
        communes=communes_tab,
        diagnostics=diagnostics,
        requests=requests,
    )


def _is_first_of_month(cal: SessionCalendar, day: int) -> bool:
    import datetime as dt

    return (cal.start_date + dt.timedelta(days=day)).day == 1


def _log_rows(
    req: DayRequests, outcome: np.ndarray, time: np.ndarray, gp: np.ndarray
) -> dict[str, np.ndarray]:
    return {
        "t": req.t.copy(),
        "kind": req.kind.copy(),
        "person": req.person.copy(),
        "desired": req.desired.copy(),
        "outcome": outcome.copy(),
        "appointment": time.copy(),
        "gp": gp.copy(),
    }


def _commune_table(
    scenario: Scenario, pop: Population, adults: np.ndarray, covered: np.ndarray
) -> dict[str, Any]:
    communes = scenario.territory.communes
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = covered / adults
    if not communes:
        return {
            "insee": [""],
            "name": [scenario.territory.name],
            "population": pop.commune_population.tolist(),
            "lat": [None],
            "lon": [None],
            "mt_coverage": cov.tolist(),
        }
    return {
        "insee": [c.insee for c in communes],
        "name": [c.name for c in communes],
        "population": [c.population for c in communes],
        "lat": [c.lat for c in communes],
        "lon": [c.lon for c in communes],
        "mt_coverage": cov.tolist(),
    }
