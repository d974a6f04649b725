"""``simulate(scenario, seed)``: one replication of a scenario.

Three parts, in order:

1. :func:`build_run` compiles the scenario (:func:`~accesssim.model.params.compile_scenario`)
   and builds the state of the run (:class:`Run`): calendar, inhabitants, GPs and agendas,
   the initial MT lists, the daily pools, the booking kernel's records;
2. :func:`run_processes` lets SimPy drive the calendar with the processes below, each a
   module-level function of ``(env, run)``;
3. :func:`collect` turns the tallies into a :class:`~accesssim.model.result.RunResult`.

Processes:

* :func:`gp_changes` (at midnight of the days the GPs change): which GPs practise, accept new
  patients, and their list capacity (newcomers' lists grow month by month; policies may raise
  it as they phase in);
* :func:`demography` (every 7th day, the first of every month, the end of the warm-up and the
  year boundaries): the deaths and moves out of the days since (they free list places), births
  and moves in (without an MT), birthdays (all drawn in advance);
* policies' own processes (e.g. the monthly MT-access matching);
* :func:`snapshots` (every 7 days, at the end of warm-up, at the year boundaries and at the
  horizon): coverage, backlog, third next available appointment;
* :func:`days` (just after midnight): generate the requests of the day, or of the days until
  the next midnight at which another process acts, and hand them, sorted by arrival time, to
  the booking kernel, which also releases reserved slots at their release times.

At each midnight they run in the order of :data:`accesssim.model.clock.MIDNIGHT`, so a snapshot
sees the day's GPs and the day's requests see every change of the night.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import simpy

from accesssim.model import demography as D
from accesssim.model import kernel as K
from accesssim.model import keyed
from accesssim.model.block import book_block, compiled_quantiles, room_for
from accesssim.model.calendar import SessionCalendar, build_calendar
from accesssim.model.clock import DAY_START, MIDNIGHT
from accesssim.model.costing import (
    act_cost_lines,
    cost_summary,
    cost_table,
    n_years,
    yearly_effects,
)
from accesssim.model.demand import (
    CHUNK_DAYS,
    DemandGenerator,
    draw_keys,
    park,
    take_days,
)
from accesssim.model.metrics import compute_metrics, year_metrics
from accesssim.model.out_of_hours import out_of_hours_periods
from accesssim.model.params import RunParams, compile_scenario
from accesssim.model.population import (
    Population,
    band_bounds,
    build_candidates,
    build_population,
)
from accesssim.model.records import (
    MAX_WAIT_DAYS,
    Agenda,
    Candidates,
    Carry,
    GPLists,
    GPState,
    KernelParams,
    Outputs,
    People,
    Pools,
    Requests,
    Tallies,
    new_carry,
    new_outputs,
    new_pending,
    new_queue,
    new_tallies,
    no_requests,
    typed_params,
)
from accesssim.model.result import RunResult
from accesssim.model.supply import Supply, build_supply
from accesssim.rng import Streams
from accesssim.scenario.schema import Scenario
from accesssim.vocabulary import WEEKLY_COLUMNS, CommuneTally, Counter, Weekly

__all__ = [
    "Run",
    "booking_pad_days",
    "build_run",
    "collect",
    "measurement_years",
    "run_processes",
    "simulate",
]

SNAPSHOT_COLUMNS = ("coverage", "coverage_ald", "without_mt", "backlog", "third_next_available")
THREAD_MIN_PEOPLE = 20_000
"""From this many inhabitants, requests are drawn on a second thread while others are booked
(the first range of days while the run is built). Measured with a block of days booked in one
call (paired, medians, quiet machine; the same numbers either way): one year of 2,000 people
0.032-0.037 s in this thread, 0.038-0.041 s on the second; 10,000 people 0.057-0.058 s and
0.052-0.057 s; Monts du Lyonnais (49,047) 0.173-0.178 s and 0.157 s; two processes sharing the
two cores (a sweep's workers) the same either way."""


def booking_pad_days(scenario: Scenario) -> int:
    """Days the agenda extends past the horizon so that late requests can book ahead."""
    return compile_scenario(scenario).booking_pad_days


@dataclass
class Run:
    """The state of one replication (the scenario and its records are never changed)."""

    params: RunParams
    streams: Streams
    cal: SessionCalendar
    pop: Population
    sup: Supply
    people: People
    gps: GPState
    agenda: Agenda
    pools: Pools
    par: KernelParams
    tallies: Tallies
    others: Candidates  # GPs who see non-enrolled patients
    rota: Candidates  # GPs whose reserved slots are on the shared rota (and the SAS)
    everyone: Candidates  # every GP (MT assignment)
    accept_rules: list[tuple[np.ndarray, int]]  # GPs who take new patients from a day on
    demand: DemandGenerator
    ahead: ThreadPoolExecutor  # draws demand on a second thread
    tomorrow: Future  # the first year of demand, being drawn
    first_range: tuple[tuple[int, int], Future] | None  # its first range's requests, too
    env: simpy.Environment = field(default_factory=simpy.Environment)
    first_of_month: list[int] = field(default_factory=list)
    offered: dict[str, np.ndarray] = field(default_factory=dict)  # pools as offered
    snaps: dict[str, np.ndarray] = field(default_factory=dict)
    marks: dict[str, dict[str, float]] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)
    generated: np.ndarray = field(default_factory=lambda: np.zeros(4, dtype=np.int64))
    carried: int = 0  # requests carried to later days (asked again, follow-ups), whole run
    queue: Any = None  # the day's requests waiting for practices to open (kernel buffer)
    unassigned_initial: int = 0
    log: list[dict[str, np.ndarray]] | None = None
    census: np.ndarray = field(default_factory=lambda: np.zeros(D.CENSUS_SIZE, np.int64))
    year_marks: list[dict[str, Any]] = field(default_factory=list)  # at each year's end
    was_active: np.ndarray | None = None  # GPs practising the day before

    @property
    def adults(self) -> np.ndarray:
        """Adults (16+) living in the territory today."""
        return self.pop.adult


# -- 1. building the state -------------------------------------------------------------------


def _candidates(params: RunParams, sup: Supply, eligible: np.ndarray) -> Candidates:
    ter = params.territory
    return build_candidates(
        ter.xy_km, sup.commune, eligible, ter.candidate_gps, ter.distance_decay_km, sup.key
    )


def update_gps(run: Run, day: int) -> None:
    """The GPs of ``day``: who practises, who takes new MT patients, list capacities."""
    sup, gps = run.sup, run.gps
    active = sup.active_on(day)
    if run.was_active is not None:
        gone = run.was_active & ~active
        if gone.any():  # a GP who stops practising has no list any more
            gps.list_size[gone] = 0
            gps.list_ald[gone] = 0
    run.was_active = active
    gps.active[:] = active
    acc_now = sup.willing.copy()
    for mask, start in run.accept_rules:
        acc_now |= mask & (day >= start)
    gps.accepts[:] = active & acc_now
    cap = sup.list_capacity.astype(np.float64) * sup.ramp(ramp_day(run, day))
    for a in run.params.policies:
        cap = a.policy.list_capacity(a.params, sup, cap, day)
    gps.cap_eff[:] = np.floor(cap + 1e-9).astype(np.int32)


def ramp_day(run: Run, day: int) -> int:
    """The day a newcomer's list capacity is read at on ``day``: the first day of its month
    (day 0 in the first month), so lists grow month by month and a GP's capacity on a day never
    depends on which other days the GPs were updated."""
    first = day - ((run.cal.start_date + dt.timedelta(days=day)).day - 1)
    return max(first, 0)


def _initial_lists(run: Run) -> int:
    """Give people their MT at the start; return how many found no GP with room.

    Who has an MT, the order in which people are given one (which decides who gets the GP
    nearest home when lists fill up) and their distance-weighted choice are draws keyed by the
    person; the fallback order of GPs is keyed by the GP.
    """
    pop, sup, gps, streams = run.pop, run.sup, run.gps, run.streams
    popu = run.params.population
    adult_ald = float((pop.adult & pop.ald).sum()) / max(int(pop.adult.sum()), 1)
    # People without an ALD get the share that makes the adults' overall share match.
    share_non_ald = (popu.without_mt_share - adult_ald * popu.without_mt_share_ald) / max(
        1.0 - adult_ald, 1e-9
    )
    share_non_ald = min(max(share_non_ald, 0.0), 1.0)
    with keyed.wrapping():
        u_has = keyed.uniforms(streams.key("population.mt.has"), pop.key, 0)
        has = np.where(
            pop.ald, u_has < 1.0 - popu.without_mt_share_ald, u_has < 1.0 - share_non_ald
        )
        has &= pop.present == 1
        del u_has
        order = keyed.key_order(keyed.combine_many(streams.key("population.mt.order"), pop.key))
        people = order[has[order]]
        del has, order
        choice = keyed.combine_many(streams.key("population.mt.choice"), pop.key[people])
        ok0 = gps.active.astype(np.bool_)
        ok_ids = np.flatnonzero(ok0).astype(np.int32)
        fb_keys = keyed.combine_many(streams.key("population.mt.fallback"), sup.key[ok_ids])
        fallback = ok_ids[keyed.key_order(fb_keys)]
    fill = run.params.gps.open_list_initial_fill
    cap0 = np.where(sup.open_at_start, np.floor(gps.cap_eff * fill), gps.cap_eff).astype(np.int32)
    return int(K.assign_mt(people, run.people, gps, cap0, ok0, run.everyone, choice, fallback))


def _pools(params: RunParams, cal: SessionCalendar, sup: Supply) -> dict[str, np.ndarray]:
    """Daily pools outside the agendas, filled by the policies that have some."""
    has_sessions = (
        np.add.reduceat(
            (sup.offered.sum(axis=0) > 0).astype(np.int64), np.arange(0, cal.n_sessions, 2)
        )
        > 0
        if sup.n
        else np.zeros(cal.n_days, dtype=bool)
    )
    ooh_period, ooh_acts, _ = out_of_hours_periods(params.out_of_hours, cal)
    pools = {
        "tele_gp": np.zeros(cal.n_days, np.int32),
        "tele_platform": np.zeros(cal.n_days, np.int32),
        "nurse": np.zeros(cal.n_days, np.int32),
        "tele_elig": np.zeros((3, 4), dtype=np.float64),
        "tele_first": np.zeros(4, dtype=np.float64),
        "ed_direct": ed_direct_table(params),
        "ooh_period": ooh_period,
        "ooh_left": ooh_acts,
    }
    for a in params.policies:
        a.policy.fill_pools(a.params, cal, has_sessions, pools)
    return pools


def ed_direct_table(params: RunParams) -> np.ndarray:
    """float64 [3 kinds, 4 age bands, 4 hour bands]: the share of unscheduled needs going
    straight to the ED (the share of their kind times the age and hour factors, at most 1)."""
    dem = params.demand
    table = np.zeros((3, 4, 4), dtype=np.float64)
    age = np.asarray(dem.ed_direct_age_factor, dtype=float)
    hour = np.asarray(dem.ed_direct_hour_factor, dtype=float)
    for k, share in ((1, dem.ed_direct_share[0]), (2, dem.ed_direct_share[1])):
        table[k] = np.minimum(share * age[:, None] * hour[None, :], 1.0)
    return table


def _kernel_params(
    params: RunParams, cal: SessionCalendar, lose: bool, keys: dict[str, np.uint64]
) -> KernelParams:
    dem = params.demand
    values: dict[str, float] = {
        "warmup": cal.warmup_days,
        "horizon": cal.horizon_days,
        "n_sessions": cal.n_sessions,
        "n_weeks": math.ceil(cal.horizon_days / 7),
        "max_wait": MAX_WAIT_DAYS,
        "am": cal.am_hour / 24.0,
        "pm": cal.pm_hour / 24.0,
        "tele_hour": cal.am_hour / 24.0,
        "mt_tolerance": math.floor(dem.planned_mt_tolerance_days),
        "tries_other": int(dem.unscheduled_tries_other_gps),
        "max_tries": params.territory.candidate_gps,
        "lose": int(lose),
        "rota_start": K.NEVER,
        "rota_end": K.NEVER,
        "pharm_start": K.NEVER,
        "pharm_end": K.NEVER,
        "pharm_share": 0.0,
        "sore_min_age": 0,
        "cyst_min_age": 0,
        "cyst_max_age": 0,
        "nurse_start": K.NEVER,
        "nurse_end": K.NEVER,
        "nurse_share": 0.0,
        "enrol_share": dem.enrol_share,
        "ed_share_24h": dem.ed_share_unmet_24h,
        "ed_share_48h": dem.ed_share_unmet_48h,
        "start_weekday": params.calendar.start_date.weekday(),
        "sas": 0,
        "sas_window": 2.0,
        "repeat_share": dem.repeat_share,
        "repeat_max": dem.max_attempts,
        "repeat_lo": dem.repeat_delay_min_days,
        "repeat_hi": dem.repeat_delay_max_days,
        "tele_followup": 0.0,
        "pharm_followup": 0.0,
        "tele_first_no_mt": 1.0,
        **keys,  # the streams of the uniforms the kernel draws for a request
    }
    for a in params.policies:
        values.update(a.policy.kernel_params(a.params))
    return KernelParams(**typed_params(values))


def _agenda(params: RunParams, cal: SessionCalendar, sup: Supply) -> tuple[Agenda, bool]:
    """The agenda record, with each session's release time of reserved slots."""
    rel_time, lose = cal.session_start.copy(), False
    for a in params.policies:
        released = a.policy.release(a.params, cal)
        if released is not None:
            rel_time, lose = released
    sess_resv = (sup.reserved.sum(axis=0) > 0) if sup.n else np.zeros(cal.n_sessions, bool)
    appts = np.zeros(cal.n_sessions, dtype=np.int32)
    appts += sup.prebooked
    agenda = Agenda(
        free=sup.free,
        resv=sup.reserved,
        sess_start=cal.session_start,
        rel_time=rel_time.astype(np.float64),
        sess_resv=sess_resv.astype(np.uint8),
        cursor=np.zeros(1, dtype=np.int64),
        appts=appts,
    )
    return agenda, lose


def _leave_a_core() -> None:
    """In the demand thread: its parallel passes use one core fewer than numba's threads, so
    they never take the core of the main thread (building the run, then booking). The numbers
    are the same on any number of cores."""
    numba.set_num_threads(max(1, numba.config.NUMBA_NUM_THREADS - 1))


def build_run(scenario: Scenario, seed: int = 0, replication: int = 0) -> Run:
    """The state of replication ``replication`` of ``scenario`` under root ``seed``, at day 0."""
    params = compile_scenario(scenario)
    streams = Streams(seed, replication)
    cal = build_calendar(params.calendar, params.booking_pad_days)
    pop = build_population(params, streams)
    # The first day's requests (and the first year's demand) are drawn on a second thread while
    # the rest is built: demand depends on the people alone.
    demand = DemandGenerator(params.demand, pop, cal, streams, band_bounds(params))
    ahead = ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="accesssim-demand", initializer=_leave_a_core
    )
    tomorrow = ahead.submit(demand.prepare, 0)
    first_range = None
    if pop.n >= THREAD_MIN_PEOPLE:  # then the first range's requests (:func:`days`)
        r0 = demand.range_of(0, 1)
        first_range = (r0, ahead.submit(demand.draw_range, *r0))
    sup = build_supply(params, cal, streams)
    G = sup.n

    accept_rules = []
    occ_planned = (
        sup.sees_others_planned if sup.sees_others_planned is not None else sup.sees_others
    )
    takers = sup.willing | sup.sees_others | occ_planned
    for a in params.policies:
        rule = a.policy.takes_new_patients(a.params, sup)
        if rule is not None:
            accept_rules.append(rule)
            takers = takers | rule[0]
    gps = GPState(
        active=np.zeros(G, dtype=np.uint8),
        accepts=np.zeros(G, dtype=np.uint8),
        cap_eff=sup.list_capacity.copy(),
        list_size=np.zeros(G, dtype=np.int32),
        list_ald=np.zeros(G, dtype=np.int32),
        practice=sup.practice if G else np.zeros(0, np.int32),
        prac_ptr=sup.prac_ptr,
        prac_members=sup.prac_members,
        rota=sup.rota.astype(np.uint8),
        nurse=sup.nurse_gp.astype(np.uint8),
        sees_others=sup.sees_others.astype(np.uint8),
        sees_others_planned=occ_planned.astype(np.uint8),
    )
    people = People(
        mt=pop.mt, age=pop.age, band=pop.band, ald=pop.ald, female=pop.female, commune=pop.commune
    )
    others = _candidates(params, sup, takers)
    rota = _candidates(params, sup, sup.rota)
    everyone = _candidates(params, sup, np.ones(G, dtype=bool))
    pools = _pools(params, cal, sup)
    agenda, lose = _agenda(params, cal, sup)
    par = _kernel_params(params, cal, lose, draw_keys(streams))
    run = Run(
        params=params,
        streams=streams,
        cal=cal,
        pop=pop,
        sup=sup,
        people=people,
        gps=gps,
        agenda=agenda,
        pools=Pools(**pools),
        par=par,
        tallies=new_tallies(G, par.n_weeks, pop.commune_population.size, cal.horizon_days),
        others=others,
        rota=rota,
        everyone=everyone,
        accept_rules=accept_rules,
        offered={k: pools[k].copy() for k in ("tele_gp", "tele_platform")},
        snaps={c: np.full(par.n_weeks, np.nan) for c in SNAPSHOT_COLUMNS},
        extra={"mt_access_matched": 0, "mt_access_matched_measured": 0, "mt_cleared": 0},
        demand=demand,
        ahead=ahead,
        tomorrow=tomorrow,
        first_range=first_range,
    )
    _census(run)
    update_gps(run, 0)
    run.unassigned_initial = _initial_lists(run)
    run.first_of_month = [
        d for d in range(1, cal.horizon_days) if (cal.start_date + dt.timedelta(days=d)).day == 1
    ]
    return run


# -- 2. the processes --------------------------------------------------------------------------


def gp_change_days(run: Run) -> list[int]:
    """The days (after day 0) on which the GPs change: arrivals, departures, the first day of
    every month while a newcomer's list grows (:func:`ramp_day`), and the days a policy changes
    list capacities (every day while one phases in)."""
    sup = run.sup
    horizon = run.cal.horizon_days
    change_days = np.unique(np.concatenate([sup.start_day, sup.leave_day, [0]]))
    changes = {int(d) for d in change_days if 0 < d < horizon}
    if sup.ramping.any():
        changes.update(run.first_of_month)
    for a in run.params.policies:
        daily, days = a.policy.capacity_changes(a.params)
        if daily:
            return list(range(1, horizon))
        changes.update(d for d in days if 0 < d < horizon)
    return sorted(changes)


def gp_changes(env: simpy.Environment, run: Run) -> Iterator[Any]:
    """At midnight of every day the GPs change: arrivals and departures, acceptance and list
    capacities."""
    prev = 0
    for day in gp_change_days(run):
        yield env.timeout(day - prev)
        prev = day
        update_gps(run, day)


def _census(run: Run) -> None:
    """The running counts of people present on day 0 (the process below keeps them)."""
    pop, c = run.pop, run.census
    c[:] = 0
    here = pop.present == 1
    adults = here & (pop.age >= 16)
    c[D.C_PRESENT] = int(here.sum())
    c[D.C_ADULTS] = int(adults.sum())
    c[D.C_ADULTS_ALD] = int((adults & pop.ald).sum())
    c[D.C_BAND0 : D.C_BAND0 + 4] = np.bincount(pop.band[here], minlength=4)[:4]


def life_event_days(run: Run) -> list[int]:
    """The midnights at which the life events take effect: day 0, every 7th day, the first day
    of every month, the end of the warm-up and every year boundary. They depend on the calendar
    alone (not on the GPs or the policies), and every one of them starts a booking range
    (:func:`booking_blocks`)."""
    cal = run.cal
    horizon, warmup = cal.horizon_days, cal.warmup_days
    days = set(range(0, horizon, 7)) | set(run.first_of_month) | {warmup}
    days |= {lo for lo, _ in measurement_years(warmup, horizon)}
    return sorted(d for d in days if 0 <= d < horizon)


def demography(env: simpy.Environment, run: Run) -> Iterator[Any]:
    """The deaths and moves out (their list places are freed), arrivals (births and moves in,
    without an MT) and birthdays (age, band and ALD; at 16 a child's MT counts them if its list
    has room, else they lose it) of every day, in the order of the days. Every event was drawn
    when the run was built (:mod:`accesssim.model.demography`).

    They take effect at the midnights of :func:`life_event_days` (at least weekly): there, the
    events of every day since the last one, that day included, are applied in turn, so that
    the requests of the days up to the next one can be booked at once; the last days' events
    are applied at the horizon. The counts of people at the year boundaries and at the horizon
    are those of the day."""
    pop, gps = run.pop, run.gps
    lv = pop.lives
    horizon = run.cal.horizon_days
    entry = np.where(lv.entry < lv.exit, lv.entry, -1)
    entries = D.by_day(np.where(entry > 0, entry, -1), horizon)
    exits = D.by_day(np.where(lv.entry < lv.exit, lv.exit, -1), horizon)
    birthdays = D.by_day(lv.bday.astype(np.int64) % D.YEAR, D.YEAR)
    lives = (lv.age0, lv.bday, lv.ald_bands)
    people = (pop.age, pop.band, pop.ald, pop.present, pop.mt)
    g = (gps.active, gps.cap_eff, gps.list_size, gps.list_ald)
    bounds = band_bounds(run.params)
    yield env.timeout(MIDNIGHT["demography"])
    prev = 0
    done = 0  # the days whose events are applied: [0, done)
    for day in [*life_event_days(run), horizon]:
        yield env.timeout(day - prev)
        prev = day
        for d in range(done, min(day + 1, horizon)):
            D.apply_day(d, entries, exits, birthdays, lives, bounds, people, g, run.census)
        done = min(day + 1, horizon)


def measurement_years(warmup: int, horizon: int) -> list[tuple[int, int]]:
    """The measurement years of a run: ``(first day, end day)`` of each 365-day step from the
    end of the warm-up; the last one ends at the horizon (shorter when the window is not a
    whole number of years). The years of the cost table and of the effects by year
    (:func:`~accesssim.model.costing.year_of_day`, :func:`~accesssim.model.costing.n_years`):
    one definition for every table by year."""
    return [
        (warmup + D.YEAR * k, min(warmup + D.YEAR * (k + 1), horizon))
        for k in range(n_years(warmup, horizon))
    ]


def mark_year(run: Run, day: int, snap: dict[str, float]) -> None:
    """Keep what the year-by-year table needs at the start of ``day`` (a year boundary)."""
    run.extra["mt_cleared"] += int(D.clear_departed(run.pop.mt, run.gps.active))
    t = run.tallies
    act = run.gps.active.astype(bool)
    run.year_marks.append(
        {
            "day": day,
            "tallies": type(t)(*(a.copy() for a in t)),
            "snap": dict(snap),
            "census": run.census.copy(),
            "gp_headcount": int(act.sum()),
            "gp_fte": float(run.sup.fte[act].sum()),
            "gp_60_plus": int((act & (run.sup.age_on(day) >= 60)).sum()),
            "tele": int(t.counters[Counter.TELE_GP] + t.counters[Counter.TELE_PLATFORM]),
        }
    )


def snapshot(run: Run, day: int) -> dict[str, float]:
    """Coverage, backlog and third next available slot at the start of ``day``."""
    gps = run.gps
    act = gps.active.astype(bool)
    n_adults = int(run.census[D.C_ADULTS])
    n_adults_ald = int(run.census[D.C_ADULTS_ALD])
    covered = int(gps.list_size[act].sum())
    covered_ald = int(gps.list_ald[act].sum())
    s0 = 2 * day
    tna = (
        K.third_next_available(run.agenda.free, act, s0, run.cal.session_start, float(day))
        if run.sup.n
        else np.nan
    )
    return {
        "listed": float(covered),
        "coverage": covered / n_adults if n_adults else np.nan,
        "coverage_ald": covered_ald / n_adults_ald if n_adults_ald else np.nan,
        "without_mt": float(n_adults - covered),
        "backlog": float(run.agenda.appts[s0:].sum()),
        "third_next_available": float(tna),
    }


def year_ends(run: Run) -> dict[int, int]:
    """The first day after each whole measured year: ``{day: year}`` (years from 1; the
    years of :func:`measurement_years`)."""
    years = measurement_years(run.cal.warmup_days, run.cal.horizon_days)
    return {hi: y for y, (lo, hi) in enumerate(years, start=1) if hi - lo == D.YEAR}


def snapshots(env: simpy.Environment, run: Run) -> Iterator[Any]:
    """Every 7 days, at the end of the warm-up and at the end of each measured year: a
    snapshot (and the year marks of :func:`mark_year`)."""
    horizon, warmup = run.cal.horizon_days, run.cal.warmup_days
    year_ends_ = year_ends(run)
    years = set(year_ends_) - {horizon}
    marks_days = sorted(set(range(0, horizon, 7)) | {warmup} | years)
    prev = 0
    yield env.timeout(MIDNIGHT["snapshots"])
    for day in marks_days:
        yield env.timeout(day - prev)
        prev = day
        snap = snapshot(run, day)
        if day % 7 == 0:
            for c in SNAPSHOT_COLUMNS:
                run.snaps[c][day // 7] = snap[c]
        if day == warmup:
            run.marks["start"] = snap
            mark_year(run, day, snap)
        elif day in years:
            run.marks[f"year{year_ends_[day]}"] = snap
            mark_year(run, day, snap)


MAX_BLOCK_DAYS = 28
"""Most days of requests drawn at once."""


def booking_blocks(run: Run) -> list[tuple[int, int]]:
    """Ranges of days ``[first, end)`` whose requests are drawn at once and then booked without
    a midnight event between them: no process acts at a midnight inside a range (GP changes,
    life events, policies' processes, snapshots and year boundaries), a range never crosses a
    year of demand, and it holds at most :data:`MAX_BLOCK_DAYS` days. The kernel books a range
    a day at a time (a day's booking carries requests to later days: needs asked again,
    in-person follow-ups, needs waiting for practices to open), so a range gives exactly the
    numbers of its days taken one by one."""
    horizon = run.cal.horizon_days
    cuts = set(gp_change_days(run)) | set(life_event_days(run))
    cuts |= set(range(0, horizon, CHUNK_DAYS))
    for a in run.params.policies:
        if a.policy.processes(a.params, run):
            days = a.policy.process_days(a.params, run)
            cuts |= set(range(horizon)) if days is None else set(days)
    cuts = sorted(d for d in cuts | {0, horizon} if 0 <= d <= horizon)
    blocks = []
    for first, end in itertools.pairwise(cuts):
        for lo in range(first, end, MAX_BLOCK_DAYS):
            blocks.append((lo, min(lo + MAX_BLOCK_DAYS, end)))
    return blocks


def days(env: simpy.Environment, run: Run) -> Iterator[Any]:
    """Just after midnight: the new requests of the days until the next midnight at which
    something else happens (:func:`booking_blocks`), drawn at once, then booked by the kernel
    a day at a time with the requests earlier days carried to each day.

    The next range's requests are drawn on a second thread while this range's are booked (both
    release the GIL): demand depends on nothing the booking changes, so the numbers are those
    of drawing them in turn. (Carried requests are drawn in this thread, keyed by their need
    and attempt.)
    """
    par, tallies = run.par, run.tallies
    horizon = run.cal.horizon_days
    gen = run.demand
    blocks = booking_blocks(run)
    # Per-request outputs of the kernel and rows carried to later days, reused from day to day
    # (the kernel writes every element it is given).
    buf = new_outputs(0)
    carry = new_carry(0)
    run.queue = new_queue(0)
    # Requests carried to later days, chained by day (never an object per request).
    pending = new_pending(0, horizon)
    empty = no_requests()
    # A block of days is booked in one compiled call, unless the run logs its requests or the
    # carried rows' quantiles have no compiled form: then a day at a time (the same numbers).
    quantiles = compiled_quantiles(gen) if run.log is None else None
    yield env.timeout(DAY_START)
    # A very small territory draws its requests in this thread: handing a few hundred requests
    # to another thread costs more than drawing them. A larger one draws them on the second
    # thread a whole range of days (:meth:`DemandGenerator.ranges`) ahead: the next range is
    # drawn while this one is booked (not a block ahead: a range takes longer to draw than a
    # block of a few days to book).
    ahead = run.ahead if run.pop.n >= THREAD_MIN_PEOPLE else None
    ranges = gen.ranges(blocks) if ahead else []
    with run.ahead:
        run.tomorrow.result()  # the first year of demand
        coming = []
        if ranges and run.first_range is not None and run.first_range[0] == ranges[0]:
            coming.append(run.first_range[1])  # drawn while the run was built
        elif ranges:
            coming.append(ahead.submit(gen.draw_range, *ranges[0]))
        run.first_range = None
        drawn, drawn_end = None, -1
        for first, end in blocks:
            if not ahead:
                req, n_by_kind = gen.days(first, end)
            else:
                if end > drawn_end:
                    drawn, drawn_end = coming.pop(0).result(), ranges.pop(0)[1]
                    coming += [ahead.submit(gen.draw_range, *r) for r in ranges[:1]]
                    if len(ranges) > 1 and ranges[1][0] >= gen.chunk_end(ranges[0][0]):
                        # The next range is the last of its year: the thread draws the next
                        # year's events right after it, while the main thread books.
                        ahead.submit(gen.prepare, ranges[1][0] // CHUNK_DAYS)
                req, n_by_kind = take_days(drawn, first, end)
            run.generated[:] += n_by_kind
            if quantiles is not None:
                buf, carry, pending = book_block(
                    run, req, first, end, quantiles, (buf, carry, pending)
                )
                yield env.timeout(end - first)
                continue
            bounds = np.searchsorted(req.t, np.arange(first, end + 1, dtype=np.float64))
            for day in range(first, end):
                lo, hi = int(bounds[day - first]), int(bounds[day - first + 1])
                today = Requests(*(col[lo:hi] for col in req)) if end - first > 1 else req
                extra = gen.carried(pending, day)
                if extra is None:
                    extra = empty
                buf, carry = _book(run, today, extra, buf, carry)
                pending = park(pending, carry)
            yield env.timeout(end - first)
    # Flush releases of the sessions inside the horizon.
    K.release_until(
        float(par.horizon), run.agenda, par.lose, tallies.counters, 2 * par.warmup,
        2 * par.horizon,
    )  # fmt: skip


def _book(
    run: Run, req: Requests, extra: Requests, buf: Outputs, carry: Carry
) -> tuple[Outputs, Carry]:
    """Book one day's new and carried requests; return the output and carry buffers (grown if
    needed)."""
    n1, n2 = req.t.shape[0], extra.t.shape[0]
    n = n1 + n2
    run.carried += n2
    buf, carry = room_for(run, n, buf, carry)
    carry.n[0] = 0
    out = Outputs(*(col[:n] for col in buf))
    K.book_day(
        req, extra, run.people, run.gps, GPLists(run.others, run.rota), run.agenda, run.pools,
        run.par, out, carry, run.queue, run.tallies,
    )  # fmt: skip
    if run.log is not None:
        run.log.append(_log_rows(req, Outputs(*(col[:n1] for col in out))))
        if n2:
            run.log.append(_log_rows(extra, Outputs(*(col[n1:] for col in out))))
    return buf, carry


def start_processes(run: Run) -> None:
    """Put the run's processes on its calendar (GP changes, turnover, policies, snapshots,
    days), ready for ``run.env.run``."""
    env = run.env
    env.process(gp_changes(env, run))
    env.process(demography(env, run))
    for a in run.params.policies:
        for process in a.policy.processes(a.params, run):
            env.process(process())
    env.process(snapshots(env, run))
    env.process(days(env, run))


def run_processes(run: Run) -> None:
    """Drive the calendar from day 0 to the horizon."""
    start_processes(run)
    run.env.run(until=run.cal.horizon_days + 2 * DAY_START)
    run.marks["end"] = snapshot(run, run.cal.horizon_days)
    mark_year(run, run.cal.horizon_days, run.marks["end"])


# -- 3. the result -----------------------------------------------------------------------------


def cost_lines(run: Run) -> dict[str, list]:
    """The run's cost table (year, item, payer, eur, eur_discounted): every act the kernel
    counted (:func:`~accesssim.model.costing.act_cost_lines`) and each policy's own lines."""
    cal, cp = run.cal, run.params.costs
    lines = act_cost_lines(run.tallies.acts, cal, cp)
    for a in run.params.policies:
        lines += a.policy.cost(a.params, run)
    return cost_table(lines, cal.warmup_days, cal.horizon_days, cp.discount_rate)


def policy_costs(run: Run) -> dict[str, float]:
    """Discounted euros of each policy's own costs over the measurement window, for the
    scenario's perspective, and their ``total``; items ending in ``_gp_net_cost`` are the GP's
    cost, reported, never summed."""
    return cost_summary(cost_lines(run), run.params.costs.perspective)["policies"]


def weekly_table(run: Run) -> dict[str, np.ndarray]:
    """The weekly series: the kernel's columns, three ratios and the snapshots."""
    acc = run.tallies.weekly
    n_weeks = acc.shape[0]
    weekly = {"week": np.arange(n_weeks), "day": np.arange(n_weeks) * 7}
    for i, name in enumerate(WEEKLY_COLUMNS):
        weekly[name] = acc[:, i].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        weekly["wait_planned_mean_days"] = acc[:, Weekly.PLANNED_WAIT] / acc[:, Weekly.PLANNED_SEEN]
        weekly["unscheduled_within_24h_share"] = acc[:, Weekly.U24_MET] / acc[:, Weekly.UNSCHEDULED]
        weekly["unscheduled_within_48h_share"] = acc[:, Weekly.U48_MET] / acc[:, Weekly.UNSCHEDULED]
    for c in SNAPSHOT_COLUMNS:
        weekly[c] = run.snaps[c]
    return weekly


def collect(run: Run, seed: int, replication: int) -> RunResult:
    """The result of a run that has reached its horizon."""
    cal, pop, sup, gps, tallies = run.cal, run.pop, run.sup, run.gps, run.tallies
    warmup, horizon = cal.warmup_days, cal.horizon_days
    G = sup.n
    table = cost_lines(run)
    summary = cost_summary(table, run.params.costs.perspective)
    costs = summary["policies"]
    metrics = compute_metrics(run, summary)
    adults = run.adults
    mt = pop.mt
    valid = (mt >= 0) & (gps.active[np.maximum(mt, 0)] == 1) if G else np.zeros(pop.n, bool)
    n_c = pop.commune_population.size
    ad_c = np.bincount(pop.commune[adults], minlength=n_c)
    cov_c = np.bincount(pop.commune[adults & valid], minlength=n_c)
    counters = tallies.counters
    diagnostics = {
        "unassigned_initial": run.unassigned_initial,
        "min_free": int(sup.free.min()) if G else 0,
        "min_reserved": int(sup.reserved.min()) if G else 0,
        "list_excess": int((gps.list_size - gps.cap_eff)[gps.active == 1].max())
        if gps.active.any()
        else 0,
        "covered_adults_by_person": int((adults & valid).sum()),
        "covered_adults_by_lists": int(gps.list_size[gps.active == 1].sum()),
        "n_gps": G,
        "n_people": pop.n,
        "n_people_day0": pop.n0,
        "n_present_end": int(run.census[D.C_PRESENT]),
        "adults_kept_mt_at_16": int(run.census[D.C_ADULT_KEPT_MT]),
        "adults_lost_mt_at_16": int(run.census[D.C_ADULT_LOST_MT]),
        "counters": {
            f"C_{c.name}": int(counters[c])
            for c in Counter
            if c not in (Counter.U24_MET, Counter.U48_MET)
        },
        "departures": int(((pop.lives.exit < horizon) & (pop.lives.entry < pop.lives.exit)).sum()),
        "mt_access_matched": run.extra["mt_access_matched"],
        "wait_sum_days": tallies.fsums[:3].copy(),
        "tele_offered_measured": int(
            run.offered["tele_gp"][warmup:horizon].sum()
            + run.offered["tele_platform"][warmup:horizon].sum()
        ),
    }
    requests = None
    if run.log is not None:
        log = run.log
        requests = {
            k: np.concatenate([part[k] for part in log]) if log else np.zeros(0)
            for k in (log[0] if log else {"t": 0})
        }
    return RunResult(
        scenario_name=run.params.name,
        seed=int(seed),
        replication=int(replication),
        metrics=metrics,
        weekly=weekly_table(run),
        outcomes=tallies.counts[1].copy(),
        outcomes_all=tallies.counts[0].copy(),
        requests_generated=run.generated,
        requests_carried=int(run.carried),
        outcomes_by_weekday=tallies.weekday.copy(),
        outcomes_by_hour=tallies.hour.copy(),
        wait_histogram=tallies.hist,
        costs=costs,
        cost_lines=table,
        yearly=yearly_effects(run),
        communes=_commune_table(run.params, pop, ad_c, cov_c, tallies.commune, cal),
        diagnostics=diagnostics,
        requests=requests,
        by_year=year_metrics(run),
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
    run = build_run(scenario, seed, replication)
    if record_requests:
        run.log = []
    run_processes(run)
    return collect(run, seed, replication)


def _log_rows(req: Requests, out: Outputs) -> dict[str, np.ndarray]:
    """The day's requests and their outcomes: ``t`` when the request was asked (a need that
    arose out of hours and waited for practices to open: when they open), ``t0`` the need's
    onset; a request carried to a later day is logged on that day."""
    keep = out.outcome != K.CARRIED
    return {
        "t": out.asked[keep],
        "kind": req.kind[keep],
        "attempt": req.attempt[keep],
        "origin": req.origin[keep],
        "t0": req.t0[keep],
        "person": req.person[keep],
        "desired": req.desired[keep],
        "outcome": out.outcome[keep],
        "appointment": out.time[keep],
        "gp": out.gp[keep],
    }


def _commune_table(
    params: RunParams,
    pop: Population,
    adults: np.ndarray,
    covered: np.ndarray,
    tally: np.ndarray,
    cal: Any,
) -> dict[str, Any]:
    """Per commune: MT coverage and adults without an MT at the horizon; unscheduled needs met
    within 48 h and ED visits per 1,000 inhabitants a year over the measurement window (by the
    patient's commune)."""
    ter = params.territory
    years = (cal.horizon_days - cal.warmup_days) / 365.0
    size = pop.commune_population.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = covered / adults
        within_48h = tally[:, CommuneTally.U48_MET] / tally[:, CommuneTally.UNSCHEDULED]
        ed = tally[:, CommuneTally.ED] * 1000.0 / size / years if years > 0 else size * np.nan
    columns = {
        "mt_coverage": cov.tolist(),
        "adults": [int(v) for v in adults],
        "without_mt": [int(v) for v in adults - covered],
        "unscheduled": [int(v) for v in tally[:, CommuneTally.UNSCHEDULED]],
        "unscheduled_48h_met": [int(v) for v in tally[:, CommuneTally.U48_MET]],
        "ed_visits": [int(v) for v in tally[:, CommuneTally.ED]],
        "unscheduled_within_48h_share": within_48h.tolist(),
        "ed_visits_per_1000": np.asarray(ed, dtype=np.float64).tolist(),
    }
    if not ter.insee:
        return {
            "insee": [""],
            "name": [ter.name],
            "population": pop.commune_population.tolist(),
            "lat": [None],
            "lon": [None],
            **columns,
        }
    return {
        "insee": list(ter.insee),
        "name": list(ter.commune_names),
        "population": [int(v) for v in ter.commune_population],
        "lat": list(ter.lat),
        "lon": list(ter.lon),
        **columns,
    }
