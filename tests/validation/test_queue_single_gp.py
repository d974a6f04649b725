"""Validation (a): one GP, planned demand only, against the exact discrete-time queue.

The scenario is built so that the model *is* a textbook queue:

* one aspatial commune, nobody moves or dies, everyone has the single GP as MT (list capacity
  far above the population);
* the GP works every half-day (14 sessions a week at FTE 1: ``floor(14 x 1 + U)`` clipped to the
  14 open half-days, ``supply._build_agendas``), ``c`` slots each, no leave, no holiday, no
  initial backlog, no reserved slots, no policy;
* sessions start at 0 h and 12 h, so session ``n`` starts at ``n / 2`` days, and requests
  arrive all day long: arrivals in ``[n/2, (n+1)/2)`` form a Poisson(``lam``) batch ``A_n``,
  independent between intervals (a day's Poisson count spread uniformly over the day);
* planned requests only (no unscheduled need, no emergency), wanting the earliest day, with a
  patience of 100,000 days: nobody gives up, and a request arriving at ``t`` books the earliest free
  slot in a session starting strictly after ``t`` (``kernel.book_day``: ``s_lo =
  max(first_session_after(t), 2 x desired)`` with ``desired`` the arrival day, then ``scan`` from
  ``s_lo``; with one GP the MT step and the "MT or colleague" step both take the earliest free
  session). Requests are booked in arrival order, so the service is first-come first-served.

Then ``X_n``, the appointments booked for sessions after ``n`` just after session ``n``
starts, is the Markov chain ``X_{n+1} = max(X_n + A_n - c, 0)``: the discrete-time
batch-arrival, batch-service queue (a bulk-service chain of the kind treated in H. Bruneel
and B. G. Kim, *Discrete-Time Models for Communication Systems including ATM*, Kluwer 1993,
ch. 2-3). The reference numbers are computed here, from that chain, with numpy linear
algebra; nothing of this computation exists in the model:

* stationary distribution ``pi`` of ``X`` (state space truncated where the tail mass is
  below 1e-12);
* mean wait of a request: the ``j``-th of the ``A_n`` arrivals of interval ``n`` is seen in
  session ``n + ceil((X_n + j) / c)``; its arrival time is uniform in the interval (the sum of
  the arrival offsets of a batch does not depend on their order), so
  ``W = E[sum_j ceil((X + j)/c)] / E[A] x 1/2 - 1/4`` days;
* time-average number of requests waiting (arrived, appointment not yet started):
  ``L = E[X] + lam / 2``, and Little's law ``L = (2 lam) W`` holds for the chain (checked).

The model's request log gives the same three quantities; each is compared with the chain
within 4 standard errors estimated from independent replications (the replication/deletion
method, Law, *Simulation Modeling and Analysis*, 5th ed., ch. 9), and Little's law
(J. D. C. Little, "A proof for the queuing formula L = lambda W", Operations Research 9(3),
1961) is checked on the log itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from accesssim.model import simulate
from accesssim.model.calendar import build_calendar
from accesssim.model.params import compile_scenario
from accesssim.model.supply import build_supply
from accesssim.rng import Streams
from accesssim.scenario import Scenario
from accesssim.vocabulary import Kind, Outcome

SLOTS = 6  # c: slots per half-day session
POPULATION = 1000
HORIZON = 3650  # days per replication (ten years)
WARMUP = 200  # days; the relaxation time at rho = 0.95 is about a month
REPLICATIONS = 12
SEED = 20240601
Z = 4.0  # tolerance in standard errors
_BANDS = ("age_0_15", "age_16_59", "age_60_74", "age_75_plus")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def queue_scenario(rho: float, c: int = SLOTS) -> Scenario:
    """One GP with ``c`` slots every half-day; Poisson(rho x c) planned requests per half-day."""
    lam = rho * c  # arrivals per 12-hour interval
    rate = lam * 2 * 365 / POPULATION  # requests per person per year, every band and ALD
    every_band = dict.fromkeys(_BANDS, rate)
    return Scenario.model_validate(
        {
            "name": f"queue-rho-{rho}",
            "calendar": {
                "sessions": {day: ["am", "pm"] for day in _DAYS},
                "morning_start_hour": 0,
                "afternoon_start_hour": 12,
                "request_start_hour": 0,
                "request_end_hour": 24,
                "public_holidays": "none",
                "horizon_days": HORIZON,
                "warmup_days": WARMUP,
            },
            "population": {
                "size": POPULATION,
                "death_probability_by_age": {0: 0.0},
                "fertility_by_age": {16: 0.0},
                "out_migration_by_age": {0: 0.0},
                "in_migration_per_year": 0.0,
                "without_mt_share": 0,
                "without_mt_share_ald": 0,
            },
            "demand": {
                "contacts_per_year": {"non_ald": every_band, "ald": every_band},
                "unscheduled_share": 0,
                "planned_asap_share": 1,
                "planned_patience_days": {"kind": "fixed", "value": 100_000},
                "weekday_profile": dict.fromkeys(_DAYS, 1),
                "seasonal_amplitude": 0,
                "epidemic": None,
                "home_visit_share_75_plus": 0,
                "emergencies_per_year": dict.fromkeys(_BANDS, 0.0),
            },
            "gps": {
                "count": 0,
                "roster": [
                    {
                        "id": "g",
                        "fte": 1.0,
                        "accepts_new_patients": True,
                        "list_capacity": 10 * POPULATION,
                    }
                ],
                "sessions_per_week": 14,
                "slots_per_session": c,
                "weeks_of_leave": 0,
                "initial_booked_share": 0,
                "retirement_by_age": {0: 0.0},
                "other_departure_rate": 0,
                "installations_per_100k": 0,
            },
        }
    )


# ---------------------------------------------------------------------------------------------
# The reference: the Markov chain X_{n+1} = max(X_n + A_n - c, 0)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    pi: np.ndarray  # stationary distribution of X (backlog just after a session starts)
    mean_backlog: float  # E[X]
    time_avg_waiting: float  # L: time-average number of requests waiting
    mean_wait: float  # W: mean wait of a request (days)


def solve_chain(lam: float, c: int, tail: float = 1e-12) -> Chain:
    """Stationary behaviour of the bulk-service chain, by linear algebra on a truncated space."""
    a_max = int(stats.poisson.isf(1e-16, lam)) + 1
    p_a = stats.poisson.pmf(np.arange(a_max + 1), lam)
    size = 64
    while True:
        states = np.arange(size + 1)
        nxt = np.clip(states[:, None] + np.arange(a_max + 1)[None, :] - c, 0, size)
        P = np.zeros((size + 1, size + 1))
        np.add.at(P, (np.repeat(states, a_max + 1), nxt.ravel()), np.tile(p_a, size + 1))
        P[:, size] += 1.0 - P.sum(axis=1)  # the Poisson tail beyond a_max (< 1e-15)
        # pi (P - I) = 0 with sum(pi) = 1: replace one balance equation by the normalisation.
        A = P.T - np.eye(size + 1)
        A[-1, :] = 1.0
        b = np.zeros(size + 1)
        b[-1] = 1.0
        pi = np.linalg.solve(A, b)
        if pi[size // 2 :].sum() < tail:
            break
        size *= 2
    assert pi.min() > -1e-12
    assert abs(pi.sum() - 1) < 1e-12
    j = np.arange(1, a_max + 1)
    sessions = -(-(states[:, None] + j[None, :]) // c)  # ceil((x + j) / c), [x, j]
    cum = np.concatenate([np.zeros((size + 1, 1)), np.cumsum(sessions, axis=1)], axis=1)
    mean_sessions = float(pi @ cum @ p_a) / lam  # per request
    mean_wait = 0.5 * mean_sessions - 0.25
    mean_backlog = float(pi @ states)
    return Chain(
        pi=pi,
        mean_backlog=mean_backlog,
        time_avg_waiting=mean_backlog + lam / 2,
        mean_wait=mean_wait,
    )


def test_chain_little_and_light_load() -> None:
    """The reference itself: Little's law holds for the chain, and light load waits half a
    session (arrival mid-interval, seen at the next session start)."""
    for rho in (0.6, 0.8, 0.95):
        lam = rho * SLOTS
        ch = solve_chain(lam, SLOTS)
        assert ch.time_avg_waiting == pytest.approx(2 * lam * ch.mean_wait, rel=1e-9)
    light = solve_chain(0.01, SLOTS)
    assert light.mean_wait == pytest.approx(0.25, abs=1e-6)
    assert light.pi[0] == pytest.approx(1.0, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


def test_scenario_is_the_queue() -> None:
    """The preconditions of the reduction, read from the model's own builders."""
    scenario = queue_scenario(0.8)
    params = compile_scenario(scenario)
    cal = build_calendar(params.calendar, params.booking_pad_days)
    np.testing.assert_allclose(cal.session_start, np.arange(cal.n_sessions) / 2)
    assert cal.session_open.all()
    sup = build_supply(params, cal, Streams(SEED))
    assert sup.n == 1
    assert (sup.offered == SLOTS).all()  # every half-day of the agenda, c slots
    assert (sup.free == SLOTS).all()  # nothing pre-booked, nothing reserved
    assert (sup.reserved == 0).all()
    assert sup.prebooked.sum() == 0


@dataclass(frozen=True)
class Measured:
    mean_wait: float
    mean_backlog: float  # mean of X_n over session starts in the window
    empty_share: float  # share of session starts with X_n = 0
    time_avg_waiting: float  # exact time average of #{t <= x < appointment}
    arrival_rate: float  # per day


def measure(rho: float, replication: int) -> Measured:
    result = simulate(queue_scenario(rho), SEED, replication, record_requests=True)
    log = result.requests
    assert log is not None
    t, appt = log["t"], log["appointment"]
    # Every request is planned, seen by its MT (the only GP) or pending at the horizon.
    assert (log["kind"] == Kind.PLANNED).all()
    assert np.isin(log["outcome"], (Outcome.OWN_MT, Outcome.PENDING)).all()
    assert (log["gp"] == 0).all()
    # Appointments are session starts; first come, first served; at most c per session;
    # every session between the first one after the arrival and the appointment is full.
    session = np.rint(appt * 2).astype(np.int64)
    np.testing.assert_allclose(appt, session / 2, atol=1e-12)
    assert (np.diff(t) >= 0).all()
    assert (np.diff(session) >= 0).all()
    per_session = np.bincount(session)
    assert per_session.max() <= SLOTS
    first = np.floor(2 * t).astype(np.int64) + 1  # first session starting after t
    assert (session >= first).all()
    not_full = np.concatenate([[0], np.cumsum(per_session < SLOTS)])
    assert (not_full[session] - not_full[first] == 0).all()

    window = (t >= WARMUP) & (t < HORIZON)
    mean_wait = float((appt - t)[window].mean())
    # X_n just after session n starts: arrived before, appointment later.
    starts = np.arange(2 * WARMUP, 2 * HORIZON) / 2
    backlog = np.searchsorted(t, starts, side="left") - np.searchsorted(
        np.sort(appt), starts, side="right"
    )
    assert backlog.min() >= 0
    # Exact time average over [WARMUP, HORIZON) of the number of requests waiting.
    overlap = np.clip(np.minimum(appt, HORIZON) - np.maximum(t, WARMUP), 0.0, None)
    span = HORIZON - WARMUP
    return Measured(
        mean_wait=mean_wait,
        mean_backlog=float(backlog.mean()),
        empty_share=float((backlog == 0).mean()),
        time_avg_waiting=float(overlap.sum() / span),
        arrival_rate=float(window.sum() / span),
    )


def _within(values: list[float], reference: float, label: str) -> tuple[float, float]:
    x = np.asarray(values)
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(x.size))
    assert abs(mean - reference) <= Z * se, (
        f"{label}: model {mean:.4f} (SE {se:.4f}) vs chain {reference:.4f}"
    )
    return mean, se


@pytest.mark.parametrize("rho", [0.6, 0.8, 0.95])
def test_model_matches_the_queue(rho: float) -> None:
    lam = rho * SLOTS
    chain = solve_chain(lam, SLOTS)
    runs = [measure(rho, r) for r in range(REPLICATIONS)]
    # Poisson arrivals at the intended rate (2 lam a day).
    _within([m.arrival_rate for m in runs], 2 * lam, "arrivals per day")
    _within([m.mean_wait for m in runs], chain.mean_wait, "mean wait (days)")
    _within([m.mean_backlog for m in runs], chain.mean_backlog, "mean backlog X")
    _within([m.empty_share for m in runs], float(chain.pi[0]), "P(X = 0)")
    _within([m.time_avg_waiting for m in runs], chain.time_avg_waiting, "time-average L")
    # Little's law on the log of each replication: L = lambda W. The two sides differ only by
    # the requests straddling the ends of the window (about L x W / span), far below 0.5 %.
    for m in runs:
        assert m.time_avg_waiting == pytest.approx(m.arrival_rate * m.mean_wait, rel=5e-3)
