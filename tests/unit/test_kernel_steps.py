"""Each step of the booking cascade, on tiny hand-built states (src/accesssim/model/kernel.py).

The states come from the ``tiny_*`` builders of :mod:`accesssim.model.records`: a few GPs, a
few sessions (two a day, at 08:00 and 14:00), a few people. Each test exercises one step's
rule and checks what it booked and what it left in the agenda, the pools and the lists.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from accesssim.model import kernel as K
from accesssim.model import keyed
from accesssim.model.records import (
    GPLists,
    new_carry,
    new_outputs,
    new_queue,
    new_tallies,
    no_requests,
    tiny_agenda,
    tiny_candidates,
    tiny_gps,
    tiny_params,
    tiny_people,
    tiny_pools,
    tiny_requests,
)
from accesssim.vocabulary import Counter, Kind, Outcome

KEY = np.uint64(12345)  # a request's choice key

# -- the window of a request ------------------------------------------------------------------


def test_planned_window_starts_on_the_desired_day_and_ends_with_patience() -> None:
    par = tiny_params(10)
    # Asked at 09:00 on day 0 for day 2, patience 3 days: sessions of days 2..5.
    s_lo, s_hi, last_day, mode = K.request_window(0.375, Kind.PLANNED, 2, 3.0, par)
    assert (s_lo, s_hi, last_day, mode) == (4, 11, 5, 0)


def test_planned_window_never_books_a_started_session() -> None:
    par = tiny_params(10)
    # Asked at 09:00 on day 1 for day 1: the morning session has started.
    s_lo, _, _, _ = K.request_window(1.375, Kind.PLANNED, 1, 3.0, par)
    assert s_lo == 3


def test_unscheduled_window_ends_at_the_deadline() -> None:
    par = tiny_params(10)
    # A 24 h need at 09:00 on day 0: the afternoon of day 0 and the morning of day 1.
    s_lo, s_hi, last_day, mode = K.request_window(0.375, Kind.U24, 0, 0.0, par)
    assert (s_lo, s_hi, last_day, mode) == (1, 2, 1, 2)
    # A 48 h need: up to the morning of day 2.
    _, s_hi48, last48, _ = K.request_window(0.375, Kind.U48, 0, 0.0, par)
    assert (s_hi48, last48) == (4, 2)


# -- GP steps ---------------------------------------------------------------------------------


def test_own_mt_books_the_earliest_session_with_room() -> None:
    agenda = tiny_agenda([[0, 0, 1, 1]])
    s, used = K.step_own_mt(agenda, 0, 0, 3, 1, 0)
    assert (s, used) == (2, 0)
    assert agenda.free[0].tolist() == [0, 0, 0, 1]
    # Nothing left before session 2: none.
    assert K.step_own_mt(agenda, 0, 0, 2, 1, 0) == (-1, 0)


def test_own_mt_home_visit_needs_two_slots() -> None:
    agenda = tiny_agenda([[1, 2]])
    s, _ = K.step_own_mt(agenda, 0, 0, 1, 2, 0)
    assert s == 1
    assert agenda.free[0].tolist() == [1, 0]


def test_unscheduled_need_uses_reserved_slots_first() -> None:
    agenda = tiny_agenda([[1, 1]], resv=[[1, 0]])
    s, used = K.step_own_mt(agenda, 0, 0, 1, 1, 2)
    assert (s, used) == (0, 1)
    assert agenda.resv[0].tolist() == [0, 0]
    assert agenda.free[0].tolist() == [1, 1]


def test_planned_request_never_takes_reserved_slots() -> None:
    agenda = tiny_agenda([[0, 0]], resv=[[3, 3]])
    assert K.step_own_mt(agenda, 0, 0, 1, 1, 0) == (-1, 0)


def test_practice_colleague_with_an_earlier_slot_is_chosen() -> None:
    gps = tiny_gps([0, 0, 1])
    agenda = tiny_agenda([[0, 0, 1], [0, 1, 1], [1, 1, 1]])
    g, s, _ = K.step_practice(agenda, gps, 0, 0, 2, 1, 0, True)
    assert (g, s) == (1, 1)  # the colleague; GP 2 is in another practice
    assert agenda.free.tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 1]]


def test_practice_tie_goes_to_the_mt() -> None:
    gps = tiny_gps([0, 0])
    agenda = tiny_agenda([[0, 1], [0, 1]])
    g, s, _ = K.step_practice(agenda, gps, 0, 0, 1, 1, 0, True)
    assert (g, s) == (0, 1)


def test_practice_skips_colleagues_who_do_not_practise() -> None:
    gps = tiny_gps([0, 0], active=[1, 0])
    agenda = tiny_agenda([[0, 0], [1, 1]])
    assert K.step_practice(agenda, gps, 0, 0, 1, 1, 0, False)[0] == -1


def test_other_gps_without_an_mt_those_who_see_occasional_patients_or_take_new_ones() -> None:
    # GP 0 neither sees occasional patients nor takes new ones; GP 1 takes new patients but its
    # list is full; GP 2 sees occasional patients (its list is full: that does not matter).
    gps = tiny_gps(
        [0, 1, 2],
        accepts=[0, 1, 0],
        cap_eff=[10, 5, 5],
        list_size=[0, 5, 5],
        sees_others=[0, 0, 1],
        sees_others_planned=[0, 0, 0],
    )
    agenda = tiny_agenda([[1, 1], [1, 1], [1, 1]])
    cands = tiny_candidates([[0, 1, 2]])
    g, s, _ = K.step_other_gps(agenda, gps, cands, 0, KEY, -1, Kind.U24, 0, 1, 1, 2, 30)
    assert (g, s) == (2, 0)
    # A planned request: GP 2 sees only occasional unscheduled needs; none is left.
    assert K.step_other_gps(agenda, gps, cands, 0, KEY, -1, Kind.PLANNED, 0, 1, 1, 0, 30)[0] == -1


def test_other_gps_without_an_mt_a_gp_taking_new_patients_may_see_them() -> None:
    gps = tiny_gps([0, 1], accepts=[0, 1], list_size=[0, 3], cap_eff=[10, 5], sees_others=[0, 0])
    agenda = tiny_agenda([[1], [1]])
    cands = tiny_candidates([[0, 1]])
    assert K.step_other_gps(agenda, gps, cands, 0, KEY, -1, Kind.U24, 0, 0, 1, 2, 30)[0] == 1


def test_other_gps_without_an_mt_looks_for_a_gp_taking_new_patients_first() -> None:
    # GP 0 comes first by distance and sees occasional patients; GP 1 takes new MT patients.
    gps = tiny_gps([0, 1], accepts=[0, 1], list_size=[0, 3], cap_eff=[10, 5])
    for kind, mode in ((Kind.PLANNED, 0), (Kind.U24, 2)):
        agenda = tiny_agenda([[1], [1]])
        cands = tiny_candidates([[0, 1]])
        assert K.step_other_gps(agenda, gps, cands, 0, KEY, -1, kind, 0, 0, 1, mode, 30)[0] == 1
        # GP 1 has no slot left: the first GP with a slot who sees occasional patients.
        assert K.step_other_gps(agenda, gps, cands, 0, KEY, -1, kind, 0, 0, 1, mode, 30)[0] == 0
    # With an MT, no search for one: the first GP with a slot who would see the request.
    agenda = tiny_agenda([[1], [1], [0]])
    gps = tiny_gps([0, 1, 2], accepts=[0, 1, 0], list_size=[0, 3, 0], cap_eff=[10, 5, 10])
    cands = tiny_candidates([[0, 1]])
    assert K.step_other_gps(agenda, gps, cands, 0, KEY, 2, Kind.U24, 0, 0, 1, 2, 30)[0] == 0


def test_other_gps_with_an_mt_only_those_who_see_occasional_patients_outside_the_practice() -> None:
    gps = tiny_gps([0, 0, 1, 2], sees_others=[1, 1, 0, 1], sees_others_planned=[1, 1, 1, 0])
    agenda = tiny_agenda([[0], [1], [1], [1]])
    cands = tiny_candidates([[1, 2, 3]])
    g, _, _ = K.step_other_gps(agenda, gps, cands, 0, KEY, 0, Kind.U24, 0, 0, 1, 2, 30)
    assert g == 3  # GP 1 shares the MT's practice, GP 2 does not see occasional needs
    agenda = tiny_agenda([[0], [1], [1], [1]])
    g, _, _ = K.step_other_gps(agenda, gps, cands, 0, KEY, 0, Kind.PLANNED, 0, 0, 1, 0, 30)
    assert g == 2  # for planned requests GP 2 does, GP 3 does not


def test_other_gps_tries_at_most_max_tries_candidates() -> None:
    gps = tiny_gps([0, 1, 2])
    agenda = tiny_agenda([[0], [0], [1]])
    cands = tiny_candidates([[0, 1, 2]])
    assert K.step_other_gps(agenda, gps, cands, 0, KEY, -1, 1, 0, 0, 1, 2, 2)[0] == -1
    assert K.step_other_gps(agenda, gps, cands, 0, KEY, -1, 1, 0, 0, 1, 2, 3)[0] == 2


def test_rota_books_reserved_slots_only() -> None:
    gps = tiny_gps([0, 1])
    agenda = tiny_agenda([[5, 5], [0, 0]], resv=[[0, 0], [0, 1]])
    cands = tiny_candidates([[0, 1]])
    g, s, used = K.step_rota(agenda, gps, cands, 0, KEY, 0, 1, 1, 30)
    assert (g, s, used) == (1, 1, 1)
    assert agenda.free[0].tolist() == [5, 5]


# -- other providers --------------------------------------------------------------------------


def test_teleconsultation_gp_pool_first_then_platform() -> None:
    pools = tiny_pools(3, tele_gp=1, tele_platform=1)
    route, when = K.step_teleconsultation(pools, Kind.PLANNED, 0.5, 1, 2, 8 / 24)
    assert route == Counter.TELE_GP
    assert when == pytest.approx(1 + 8 / 24)
    route, _ = K.step_teleconsultation(pools, Kind.PLANNED, 0.5, 1, 2, 8 / 24)
    assert route == Counter.TELE_PLATFORM
    assert pools.tele_gp.tolist() == [1, 0, 1]
    assert pools.tele_platform.tolist() == [1, 0, 1]


def test_teleconsultation_respects_the_unscheduled_deadline() -> None:
    pools = tiny_pools(3)
    pools.tele_platform[2] = 1
    # A 24 h need at 09:00 on day 0 cannot wait for day 2.
    assert K.step_teleconsultation(pools, Kind.U24, 0.375, 0, 1, 8 / 24)[0] == -1
    assert pools.tele_platform[2] == 1


def test_nurse_follow_up_uses_the_first_day_with_capacity() -> None:
    pools = tiny_pools(4, nurse=0)
    pools.nurse[2] = 1
    assert K.step_nurse(pools, 0.5, 1, 3, 8 / 24) == pytest.approx(2 + 8 / 24)
    assert K.step_nurse(pools, 0.5, 1, 3, 8 / 24) == -1.0


@pytest.mark.parametrize(
    ("minor", "age", "female", "eligible"),
    [
        (1, 10, False, True),  # sore throat from age 10
        (1, 9, True, False),
        (2, 30, True, True),  # cystitis of a woman aged 16-65
        (2, 30, False, False),
        (2, 66, True, False),
        (0, 30, True, False),
    ],
)
def test_pharmacist_eligibility(minor: int, age: int, female: bool, eligible: bool) -> None:
    par = tiny_params(2)
    assert bool(K.pharmacist_eligible(minor, age, female, par)) is eligible


def test_ed_or_forgone() -> None:
    par = tiny_params(2, ed_share_24h=0.5, ed_share_48h=0.1)
    assert K.ed_or_forgone(Kind.PLANNED, 0.0, par) == Outcome.FORGONE
    assert K.ed_or_forgone(Kind.U24, 0.4, par) == Outcome.ED
    assert K.ed_or_forgone(Kind.U24, 0.6, par) == Outcome.FORGONE
    assert K.ed_or_forgone(Kind.U48, 0.2, par) == Outcome.FORGONE


def test_enrolment_counts_adults_on_the_list_and_respects_capacity() -> None:
    par = tiny_params(5, enrol_share=1.0)
    people = tiny_people([-1, -1, -1], age=[8, 40, 50], ald=[False, True, False])
    gps = tiny_gps([0], cap_eff=[1])
    counters = np.zeros(len(Counter), dtype=np.int64)
    K.enrol_after_visit(people, gps, 0, 0, 0.5, 1, par, counters)  # a child: not on the list
    K.enrol_after_visit(people, gps, 1, 0, 0.5, 1, par, counters)
    K.enrol_after_visit(people, gps, 2, 0, 0.5, 1, par, counters)  # the list is full now
    assert people.mt.tolist() == [0, 0, -1]
    assert gps.list_size.tolist() == [1]
    assert gps.list_ald.tolist() == [1]
    assert counters[Counter.ENROL] == 1


def test_release_returns_or_loses_reserved_slots() -> None:
    for lose, free_after in ((0, [1, 3]), (1, [1, 1])):
        agenda = tiny_agenda([[1, 1]], resv=[[0, 2]])
        counters = np.zeros(len(Counter), dtype=np.int64)
        K.release_until(agenda.rel_time[1], agenda, lose, counters, 0, 2)
        assert agenda.free[0].tolist() == free_after
        assert agenda.resv[0].tolist() == [0, 0]
        assert counters[Counter.RELEASED] == 2
        assert agenda.cursor[0] == 2


# -- a whole day ------------------------------------------------------------------------------


def test_book_day_one_outcome_per_request_and_no_overbooking() -> None:
    days = 4
    par = tiny_params(days, ed_share_24h=1.0, ed_share_48h=1.0)
    people = tiny_people([0, 0, -1, -1, 1])
    gps = tiny_gps([0, 1], accepts=[0, 0], sees_others=[1, 0], sees_others_planned=[1, 0])
    agenda = tiny_agenda([[1] * 8, [0] * 8])
    cands = tiny_candidates([[0, 1]])
    req = tiny_requests(
        t=[0.30, 0.31, 0.32, 0.33, 0.34],
        person=[0, 1, 2, 3, 4],
        kind=[0, 1, 1, 0, 1],
        patience=[0.0, 0.0, 0.0, 0.0, 0.0],
    )
    out = new_outputs(5)
    tallies = new_tallies(2, par.n_weeks)
    pools = tiny_pools(days)
    carry, queue = new_carry(5), new_queue(5)
    K.book_day(
        req, no_requests(), people, gps, GPLists(cands, cands), agenda, pools, par, out, carry,
        queue, tallies,
    )  # fmt: skip
    assert (agenda.free >= 0).all()
    assert tallies.counts[0].sum() == 5
    # GP 0 has one slot per session, GP 1 none. Requests before 08:00 may book the morning.
    assert out.outcome.tolist() == [
        Outcome.OWN_MT,  # planned for day 0: GP 0's morning
        Outcome.OWN_MT,  # a 24 h need of GP 0's patient: its afternoon
        Outcome.ED,  # a 24 h need without an MT: day 0 is full; severe enough for the ED
        Outcome.FORGONE,  # planned for day 0 without waiting: day 0 is full
        Outcome.OTHER_GP,  # (08:10) GP 1's patient: GP 0 sees it the morning of day 1
    ]
    assert out.gp.tolist() == [0, 0, -1, -1, 0]
    assert out.time[4] == pytest.approx(1 + 8 / 24)
    assert carry.n[0] == 0


def test_assign_mt_prefers_candidates_then_the_fallback() -> None:
    people = tiny_people([-1, -1, -1])
    gps = tiny_gps([0, 1])
    cands = tiny_candidates([[0]])
    ok = np.array([True, True])
    cap = np.array([1, 5], dtype=np.int32)
    keys = np.zeros(3, dtype=np.uint64)
    failed = K.assign_mt(
        np.arange(3, dtype=np.int32), people, gps, cap, ok, cands, keys, np.array([1], np.int32)
    )
    assert failed == 0
    assert people.mt.tolist() == [0, 1, 1]
    assert gps.list_size.tolist() == [1, 2]


def test_compiled_kernel_is_loaded_from_the_cache_in_a_second_process() -> None:
    """numba's on-disk cache still works with records (``cache=True``): a process that finds
    the booking function (a block of days in one call, the kernel inside) compiled by an earlier
    one loads it instead of compiling it. The package's own cache is used (an empty one would
    compile every function again, about two minutes): the first process compiles only if
    nothing did before, the second must load."""
    code = (
        "from accesssim.model import simulate\n"
        "from accesssim.model.block import _book_days as book\n"
        "from accesssim.scenario import Scenario\n"
        "s = Scenario.model_validate({'population': {'size': 300}, 'gps': {'count': 2},"
        " 'calendar': {'horizon_days': 20, 'warmup_days': 5}})\n"
        "simulate(s, seed=1)\n"
        "print(sum(book.stats.cache_hits.values()), sum(book.stats.cache_misses.values()))\n"
    )
    env = dict(os.environ)
    env.pop("NUMBA_DISABLE_JIT", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0] in (["0", "1"], ["1", "0"])  # compiled and saved, or already there
    assert runs[1] == ["1", "0"]  # loaded from the cache


def test_race_start_follows_the_weights_and_is_stable_when_a_gp_is_added() -> None:
    """The distance-weighted start: candidate j first with probability w_j / sum(w); adding a
    GP at the end of a group of equally distant GPs moves only the starts it takes."""
    from accesssim.model.population import build_candidates

    xy = np.array([[0.0, 0.0], [5.0, 0.0]])
    # Commune 0 has GPs 0, 1, 2 (distance 0); commune 1 has GP 3 (5 km).
    keys = np.arange(5, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    three = build_candidates(xy, np.array([0, 0, 0, 1]), np.ones(4, bool), 4, 10.0, keys[:4])
    four = build_candidates(xy, np.array([0, 0, 0, 1, 0]), np.ones(5, bool), 5, 10.0, keys)
    n = 20_000
    rkeys = keyed.combine_many(np.uint64(77), np.arange(n, dtype=np.uint64))
    g3 = np.array([three.gp[K.race_start(three, 0, k)] for k in rkeys])
    g4 = np.array([four.gp[K.race_start(four, 0, k)] for k in rkeys])
    w = np.array([1.0, 1.0, 1.0, np.exp(-0.5)])
    np.testing.assert_allclose(np.bincount(g3, minlength=4) / n, w / w.sum(), atol=0.015)
    moved = g3 != g4
    assert (g4[moved] == 4).all()  # a patient changes start only to the newcomer
    share = np.append(w, 1.0)
    assert abs(moved.mean() - 1 / share.sum()) < 0.015


def test_record_act_files_each_act_by_day_part_item_and_patient_class() -> None:
    """The acts the costing prices: a GP act at its session (08:00 is the morning part), an ED
    visit at the request time, the patient's class from age, ALD and the pathway."""
    from accesssim.vocabulary import N_DAY_PARTS, Act, PayClass

    days = 4
    par = tiny_params(days, ed_share_24h=1.0, ed_share_48h=1.0)
    people = tiny_people([0, 0, -1, -1, 1], age=[40, 40, 30, 3, 70], ald=[0, 1, 0, 0, 0])
    gps = tiny_gps([0, 1])
    agenda = tiny_agenda([[1] * 8, [0] * 8])
    cands = tiny_candidates([[0, 1]])
    req = tiny_requests(
        t=[0.30, 0.31, 0.32, 0.33, 0.34],
        person=[0, 1, 2, 3, 4],
        kind=[0, 1, 1, 0, 1],
        patience=[0.0, 0.0, 0.0, 0.0, 0.0],
    )
    out, carry, queue = new_outputs(5), new_carry(5), new_queue(5)
    tallies = new_tallies(2, par.n_weeks, 1, days)
    K.book_day(
        req, no_requests(), people, gps, GPLists(cands, cands), agenda, tiny_pools(days), par,
        out, carry, queue, tallies,
    )  # fmt: skip
    acts = tallies.acts.reshape(days, N_DAY_PARTS, len(Act), len(PayClass))
    nz = np.nonzero(acts)
    filed = {tuple(int(i) for i in idx): int(acts[idx]) for idx in zip(*nz, strict=True)}
    assert filed == {
        (0, 0, Act.OFFICE, PayClass.ADULT_PATHWAY): 1,  # own MT, day 0 at 08:00
        (0, 1, Act.OFFICE, PayClass.ALD_ADULT_PATHWAY): 1,  # own MT at 14:00, with an ALD
        (0, 2, Act.ED, PayClass.ADULT_URGENT): 1,  # no MT, 24 h need: the ED at 07:41 (night)
        (1, 0, Act.OFFICE, PayClass.ADULT_URGENT): 1,  # another GP, day 1 morning
    }
    # GP acts filed = GP acts counted; the forgone request files nothing.
    gp_acts = acts[:, :, [Act.OFFICE, Act.HOME]].sum()
    assert gp_acts == tallies.acts_gp.sum() == 3
    assert tallies.daily[0].tolist() == [3, 2, 1]  # unscheduled, met within 48 h, ED


def test_record_act_prices_the_pathways_acts_once() -> None:
    """Acts of the access pathways: an out-of-hours (PDSA) act at its time (the deep night is
    a part of its own), a direct ED visit at the request, an act the SAS regulation booked with
    its supplement; an emergency beyond primary care files nothing, and a need asked again
    files only the act that finally happens (none while it waits)."""
    from accesssim.vocabulary import N_DAY_PARTS, Act, PayClass

    days = 4
    par = tiny_params(
        days, ed_share_24h=0.0, ed_share_48h=0.0, repeat_share=1.0, repeat_max=3,
        repeat_lo=1.0, repeat_hi=1.0, sas=1, sas_window=2.0, rota_start=0,
    )  # fmt: skip
    people = tiny_people([-1, -1, -1, -1, -1], age=[40] * 5)
    gps = tiny_gps([0], accepts=[0], sees_others=[0], sees_others_planned=[0])
    agenda = tiny_agenda([[0, 0, 1, 0, 0, 0, 0, 0]])  # one slot: day 1 morning
    pools = tiny_pools(days, ooh_hours=((0.0, 8 / 24),), ooh_acts=1)
    pools.ed_direct[Kind.U24, 1, 0] = 1.0  # a 24 h need of an adult at night goes to the ED
    req = tiny_requests(
        t=[0.05, 0.10, 0.50, 0.51, 0.52],
        person=[0, 1, 2, 3, 4],
        kind=[Kind.U24, Kind.U24, Kind.EMERGENCY, Kind.U48, Kind.U48],
        u_direct=[1.0, 0.0, 1.0, 1.0, 1.0],
        u_next=[1.0, 1.0, 1.0, 1.0, 0.0],
        patience=[0.0] * 5,
    )
    out, carry, queue = new_outputs(5), new_carry(5), new_queue(5)
    tallies = new_tallies(1, par.n_weeks, 1, days)
    cands = tiny_candidates([[0]])
    K.book_day(
        req, no_requests(), people, gps, GPLists(cands, cands), agenda, pools, par, out, carry,
        queue, tallies,
    )  # fmt: skip
    assert out.outcome.tolist() == [
        Outcome.OUT_OF_HOURS,  # 01:12, a 24 h need: the PDSA's only act of the night
        Outcome.ED_DIRECT,  # 02:24, a 24 h need straight to the ED
        Outcome.ED_DIRECT,  # an emergency
        Outcome.OTHER_GP,  # the SAS finds the rota GP's slot (day 1 morning)
        Outcome.RETRY,  # nothing left: asked again on day 1
    ]
    acts = tallies.acts.reshape(days, N_DAY_PARTS, len(Act), len(PayClass))
    nz = np.nonzero(acts)
    filed = {tuple(int(i) for i in idx): int(acts[idx]) for idx in zip(*nz, strict=True)}
    assert filed == {
        (0, 3, Act.OUT_OF_HOURS, PayClass.ADULT_URGENT): 1,  # deep night (00:00-06:00)
        (0, 3, Act.ED, PayClass.ADULT_URGENT): 1,  # direct, at the request
        (1, 0, Act.OFFICE, PayClass.ADULT_URGENT): 1,
        (1, 0, Act.SAS, PayClass.ADULT_URGENT): 1,
    }
    assert carry.n[0] == 1  # the need asked again: its act (if any) is filed when it happens
    assert tallies.daily[0].tolist() == [3, 2, 1]  # needs that ended: unscheduled, met, ED


def test_jump_hash_moves_keys_only_to_the_new_bucket() -> None:
    keys = keyed.combine_many(np.uint64(3), np.arange(10_000, dtype=np.uint64))
    b7 = np.array([K.jump(k, 7) for k in keys])
    b8 = np.array([K.jump(k, 8) for k in keys])
    assert np.bincount(b7, minlength=7).min() > 10_000 / 7 * 0.9
    assert (b8[b8 != b7] == 7).all()


def test_race_start_in_a_big_group_is_even_and_stable() -> None:
    """A city: more GPs at the same distance than BIG_GROUP; each starts about as often, and
    one more GP at the end of the group takes starts only for itself (jump hash)."""
    from accesssim.model.population import build_candidates

    n_gps = K.BIG_GROUP + 8
    xy = np.zeros((1, 2))
    keys = np.arange(n_gps + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    city = build_candidates(xy, np.zeros(n_gps, int), np.ones(n_gps, bool), 24, 10.0, keys[:-1])
    more = build_candidates(xy, np.zeros(n_gps + 1, int), np.ones(n_gps + 1, bool), 24, 10.0, keys)
    n = 40_000
    rkeys = keyed.combine_many(np.uint64(5), np.arange(n, dtype=np.uint64))
    g1 = np.array([city.gp[K.race_start(city, 0, k)] for k in rkeys])
    g2 = np.array([more.gp[K.race_start(more, 0, k)] for k in rkeys])
    counts = np.bincount(g1, minlength=n_gps)
    assert counts.min() > 0.8 * n / n_gps
    assert counts.max() < 1.2 * n / n_gps
    moved = g1 != g2
    assert (g2[moved] == n_gps).all()
    assert abs(moved.mean() - 1 / (n_gps + 1)) < 0.01


# -- access pathways: the ED, out-of-hours care, asking again, follow-ups ---------------------


def test_hour_band_cuts_at_8_12_and_20() -> None:
    bands = [K.hour_band(2 + h / 24) for h in (0, 7.99, 8, 11.99, 12, 19.99, 20, 23.99)]
    assert bands == [0, 0, 1, 1, 2, 2, 3, 3]


def test_straight_to_the_ed_by_kind_age_and_hour() -> None:
    pools = tiny_pools(2)
    pools.ed_direct[Kind.U24, 1, 0] = 0.3  # 24 h need, 16-59, at night
    assert K.goes_straight_to_ed(pools, Kind.U24, 1, 0, 0.29)
    assert not K.goes_straight_to_ed(pools, Kind.U24, 1, 0, 0.31)
    assert not K.goes_straight_to_ed(pools, Kind.U24, 1, 1, 0.0)  # another hour band: 0 %
    assert not K.goes_straight_to_ed(pools, Kind.PLANNED, 1, 0, 0.0)  # planned: never


def test_out_of_hours_act_in_the_first_period_with_acts_before_the_deadline() -> None:
    # Periods: day 0 20:00-24:00 (one act), day 1 00:00-08:00 (one act).
    pools = tiny_pools(3, ooh_hours=((20 / 24, 1.0), (1.0, 1 + 8 / 24)), ooh_acts=1)
    assert K.step_out_of_hours(pools, 21 / 24, 21 / 24 + 1) == pytest.approx(21 / 24)  # at once
    # The first period is used up: the next one, when it starts.
    assert K.step_out_of_hours(pools, 22 / 24, 22 / 24 + 1) == pytest.approx(1.0)
    assert K.step_out_of_hours(pools, 23 / 24, 23 / 24 + 1) == -1.0  # none left
    # A need at 10:00 on day 0 reaches the evening's period only if its deadline allows.
    pools = tiny_pools(3, ooh_hours=((20 / 24, 1.0),), ooh_acts=1)
    assert K.step_out_of_hours(pools, 10 / 24, 19 / 24) == -1.0
    assert K.step_out_of_hours(pools, 10 / 24, 10 / 24 + 1) == pytest.approx(20 / 24)


def test_a_need_out_of_hours_waits_until_practices_open_in_arrival_order() -> None:
    pools = tiny_pools(3, ooh_hours=((20 / 24, 1 + 8 / 24),))
    assert K.out_of_hours(pools, 21 / 24)
    assert not K.out_of_hours(pools, 10 / 24)
    assert K.period_end(pools, 21 / 24) == pytest.approx(1 + 8 / 24)
    assert K.period_end(pools, 10 / 24) == pytest.approx(10 / 24)  # open: unchanged
    a = K.waits_until_open(pools, 21 / 24)
    b = K.waits_until_open(pools, 23 / 24)
    opens = 1 + 8 / 24
    assert a < b < opens
    assert opens - a < 1e-5
    # A request asked just before 08:00 may take the 08:00 session.
    assert K.first_session_after(a, 8 / 24, 14 / 24) == 2
    # When open: the same minute past the hour the period ends.
    assert K.when_open(pools, 21.5 / 24) == pytest.approx(1 + 8.5 / 24)


def test_defer_today_to_the_queue_later_days_to_carry() -> None:
    par = tiny_params(5)
    req = tiny_requests(t=[0.1, 0.9], kind=[1, 2], root=[11, 22])
    carry, queue = new_carry(2), new_queue(2)
    assert K.defer(req, 0, 0, 8 / 24 - 1e-6, 0, par, carry, queue)  # today at 08:00
    assert K.defer(req, 1, 0, 3 + 8 / 24 - 1e-6, 0, par, carry, queue)  # in three days
    # Practices opening after the horizon: nothing is moved (the need is pending).
    assert not K.defer(req, 1, 0, 5 + 8 / 24 - 1e-6, 4, par, carry, queue)
    assert queue.n[0] == 1
    assert queue.idx[0] == 0
    assert queue.src[0] == 0
    assert carry.n[0] == 1
    assert carry.root[0] == 22
    assert carry.kind[0] == 2
    assert carry.origin[0] & K.ORIGIN_DEFERRED
    assert carry.t0[0] == pytest.approx(0.9)  # the need's onset is kept


def test_ask_again_only_unscheduled_with_attempts_left_and_before_the_horizon() -> None:
    par = tiny_params(10, repeat_share=0.5, repeat_max=3, repeat_lo=1.0, repeat_hi=3.0)
    pools = tiny_pools(10)
    req = tiny_requests(
        t=[1.5, 1.5, 1.5, 1.5, 8.5],
        kind=[1, 1, 0, 1, 2],
        attempt=[0, 2, 0, 0, 0],
        u_next=[0.4, 0.4, 0.4, 0.6, 0.4],
        u_delay=[0.5, 0.5, 0.5, 0.5, 0.9],
        root=[7, 8, 9, 10, 11],
    )
    carry = new_carry(5)
    outcomes = [K.ask_again(req, r, req.t[r], req.kind[r], pools, par, carry) for r in range(5)]
    assert outcomes == [
        Outcome.RETRY,  # asks again 2 days later
        Outcome.FORGONE,  # third request of the need: the last
        Outcome.FORGONE,  # planned requests do not ask again (patience covers it)
        Outcome.FORGONE,  # its draw says no
        Outcome.PENDING,  # would ask again on day 11.2, after the horizon
    ]
    assert carry.n[0] == 1
    assert (carry.root[0], carry.attempt[0]) == (7, 1)  # keyed by the need and the attempt
    assert carry.t[0] == pytest.approx(3.5)


def test_asking_again_out_of_hours_waits_until_practices_open() -> None:
    par = tiny_params(10, repeat_share=1.0, repeat_max=2, repeat_lo=1.0, repeat_hi=1.0)
    pools = tiny_pools(10, ooh_hours=((2 + 20 / 24, 3 + 8 / 24),))
    req = tiny_requests(t=[1 + 21 / 24], kind=[1], root=[5], u_next=[0.0])
    carry = new_carry(1)
    assert K.ask_again(req, 0, req.t[0], 1, pools, par, carry) == Outcome.RETRY
    assert carry.t[0] == pytest.approx(3 + 8 / 24)  # 21:00 the next day is out of hours


def test_follow_up_is_a_new_need_the_next_day_keyed_by_its_parent() -> None:
    par = tiny_params(10)
    req = tiny_requests(t=[2.4, 2.4], kind=[1, 1], u_next=[0.1, 0.9], root=[5, 5], attempt=[1, 1])
    carry = new_carry(2)
    assert K.follow_up(req, 0, 1, 2.5, 0.2, par, carry)
    assert not K.follow_up(req, 1, 1, 2.5, 0.2, par, carry)
    assert carry.n[0] == 1
    assert carry.t[0] == pytest.approx(3.5)
    assert carry.t0[0] == pytest.approx(3.5)
    assert carry.origin[0] == K.ORIGIN_FOLLOWUP
    assert carry.attempt[0] == 0
    parent = K.event_key(np.uint64(5), 1)
    assert carry.root[0] == keyed.combine(parent, K.FOLLOWUP_TAG)


def test_sas_books_a_rota_slot_within_48_hours_reserved_or_regular() -> None:
    par = tiny_params(4, sas_window=2.0)
    gps = tiny_gps([0, 1])
    # GP 0 (first candidate): nothing; GP 1: a regular slot on day 2's morning (session 4).
    agenda = tiny_agenda([[0] * 8, [0, 0, 0, 0, 1, 0, 0, 0]])
    cands = tiny_candidates([[0, 1]])
    g, s, used = K.step_sas(agenda, gps, cands, 0, KEY, 0.5, 1, par)  # asked at 12:00 on day 0
    assert (g, s, used) == (1, 4, 0)
    # Beyond 48 h (day 2 at 12:00): nothing.
    agenda = tiny_agenda([[0] * 8, [0, 0, 0, 0, 0, 1, 0, 0]])
    assert K.step_sas(agenda, gps, cands, 0, KEY, 0.5, 1, par)[0] == -1


def test_teleconsultation_first_by_age_band_and_more_often_without_an_mt() -> None:
    pools = tiny_pools(2)
    pools.tele_first[1] = 0.1
    par = tiny_params(2, tele_first_no_mt=3.0)
    assert K.tries_teleconsultation_first(pools, par, 1, True, 0.09)
    assert not K.tries_teleconsultation_first(pools, par, 1, True, 0.11)
    assert K.tries_teleconsultation_first(pools, par, 1, False, 0.25)  # 0.1 x 3
    assert not K.tries_teleconsultation_first(pools, par, 0, False, 0.0)  # band 0: 0 %


def _day(people, gps, agenda, pools, par, req, extra=None):
    n = req.t.size + (extra.t.size if extra is not None else 0)
    out, carry, queue = new_outputs(n), new_carry(n), new_queue(n)
    tallies = new_tallies(gps.active.size, par.n_weeks)
    cands = tiny_candidates([list(range(gps.active.size))])
    K.book_day(
        req, extra if extra is not None else no_requests(), people, gps, GPLists(cands, cands),
        agenda, pools, par, out, carry, queue, tallies,
    )  # fmt: skip
    return out, carry, tallies


def test_book_day_emergencies_and_direct_ed_take_no_slot() -> None:
    par = tiny_params(3)
    people = tiny_people([0, 0])
    gps = tiny_gps([0])
    agenda = tiny_agenda([[5] * 6])
    pools = tiny_pools(3)
    pools.ed_direct[Kind.U24, 1, 1] = 1.0  # every 24 h need of an adult in the morning
    req = tiny_requests(
        t=[0.40, 0.41], person=[0, 1], kind=[Kind.EMERGENCY, Kind.U24], u_direct=[1.0, 0.5]
    )
    out, _, tallies = _day(people, gps, agenda, pools, par, req)
    assert out.outcome.tolist() == [Outcome.ED_DIRECT, Outcome.ED_DIRECT]
    assert agenda.free.sum() == 30
    assert tallies.counts[1, Kind.EMERGENCY, Outcome.ED_DIRECT] == 1
    assert tallies.weekday[:, 0, Outcome.ED_DIRECT].sum() == 2  # day 0 is a Monday


def test_book_day_a_night_need_waits_for_the_morning_and_is_booked_in_order() -> None:
    par = tiny_params(3)
    people = tiny_people([0, 0])
    gps = tiny_gps([0])
    agenda = tiny_agenda([[1, 0, 1, 0, 0, 0]])
    # Out of hours from 20:00 on day 0 to 08:00 on day 1; no out-of-hours act.
    pools = tiny_pools(3, ooh_hours=((20 / 24, 1 + 8 / 24),))
    # A 48 h need at 22:00 on day 0, and a planned request at 07:30 on day 1 for day 1.
    req = tiny_requests(
        t=[22 / 24, 1 + 7.5 / 24], person=[0, 1], kind=[Kind.U48, Kind.PLANNED], desired=[0, 1]
    )
    out, carry, tallies = _day(people, gps, agenda, pools, par, req)
    # Day 0: the need waits until 08:00 on day 1 (carried to day 1): nothing booked yet.
    assert carry.n[0] == 1
    assert carry.origin[0] & K.ORIGIN_DEFERRED
    assert carry.t[0] == pytest.approx(1 + 8 / 24, abs=1e-5)
    assert tallies.counters[Counter.DEFERRED] == 1
    # Within one day the queue keeps order: a need at 03:00 on day 1 is booked after the
    # planned request of 07:30 (which takes the morning) and takes nothing at 08:00.
    agenda = tiny_agenda([[0, 0, 1, 0, 0, 0]])
    req = tiny_requests(
        t=[1 + 3 / 24, 1 + 7.5 / 24], person=[0, 1], kind=[Kind.U24, Kind.PLANNED], desired=[1, 1]
    )
    out, carry, tallies = _day(people, gps, agenda, pools, par, req)
    assert out.outcome.tolist()[1] == Outcome.OWN_MT
    assert out.outcome.tolist()[0] in (Outcome.FORGONE, Outcome.RETRY)
    assert tallies.counts[0].sum() == 2


def test_book_day_carried_requests_merge_by_time_with_the_new_ones() -> None:
    par = tiny_params(3)
    people = tiny_people([0, 0])
    gps = tiny_gps([0])
    agenda = tiny_agenda([[0, 1, 0, 0, 0, 0]])
    pools = tiny_pools(3)
    req = tiny_requests(t=[0.45], person=[0], kind=[Kind.U24])
    extra = tiny_requests(t=[0.40], person=[1], kind=[Kind.U24], attempt=[1], t0=[-0.6])
    out, _, tallies = _day(people, gps, agenda, pools, par, req, extra)
    # The carried request (09:36) comes first and takes the only slot.
    assert out.outcome.tolist() == [Outcome.FORGONE, Outcome.OWN_MT]
    assert tallies.counters[Counter.REPEAT] == 1
    # Seen at 14:00 on day 0, 1.6 days after its first request: within 48 h, not 24 h.
    assert tallies.counters[Counter.U48_MET] == 1
    assert tallies.counters[Counter.U24_MET] == 0


def test_the_kernel_entry_takes_at_most_twelve_records() -> None:
    """The booking kernel's entry stays readable: a dozen records at most, no loose arrays."""
    import inspect

    params = inspect.signature(K.book_day.py_func).parameters
    assert len(params) <= 12, list(params)
