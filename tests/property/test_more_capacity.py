"""More GP capacity never makes access worse beyond noise (issue 17, hypothesis).

The audit behind issue 17 found policy results whose sign came from rules no source supports;
a sound model answers "more GP time" with access at least as good. For small territories drawn
by hypothesis (2,000 to 6,000 inhabitants, 2 to 5 GPs, 150 days of which 30 of warm-up), more
capacity (one more GP, or more slots per half-day: +5 % to +50 %) must not, over 3 paired
replications with the same seeds, raise ED visits or forgone care, lower the shares of
unscheduled needs met within 24 h or 48 h, or lengthen the mean planned wait, by more than
the noise allowed below. With draws keyed by entity the paired paths differ only through what
the new capacity touches (a booking that moves frees a slot elsewhere), so the allowances are
small: 3 % of the level plus 2 ED visits per 1,000, 1 point of the shares, 0.2 days of wait
(about the sd of the paired differences of one replication measured on these territories).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import simulate
from accesssim.scenario import Scenario

REPS = 3


def _territory(people: int, gps: int, **more: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "capacity",
            "population": {"size": people},
            "gps": {"count": gps, **more},
            "calendar": {"horizon_days": 150, "warmup_days": 30},
        }
    )


@settings(max_examples=8, deadline=None)
@given(
    people=st.integers(2000, 6000),
    gps=st.integers(2, 5),
    seed=st.integers(0, 2**32 - 1),
    more=st.one_of(st.just(0.0), st.floats(0.05, 0.5)),
)
def test_more_capacity_never_makes_access_worse(
    people: int, gps: int, seed: int, more: float
) -> None:
    base = _territory(people, gps)
    if more == 0.0:
        alt = _territory(people, gps + 1)  # one more GP
    else:
        slots = base.gps.slots_per_session * (1 + more)
        alt = _territory(people, gps, slots_per_session=slots)
    b = [simulate(base, seed, r).metrics for r in range(REPS)]
    a = [simulate(alt, seed, r).metrics for r in range(REPS)]

    def mean(runs: list[dict[str, float]], metric: str) -> float:
        return float(np.nanmean([m[metric] for m in runs]))

    worse = {}
    ed_b, ed_a = mean(b, "ed_visits_per_1000"), mean(a, "ed_visits_per_1000")
    if ed_a > ed_b * 1.03 + 2.0:
        worse["ed_visits_per_1000"] = (ed_b, ed_a)
    for metric, sign in (
        ("forgone_care_share", 1),
        ("unscheduled_within_24h_share", -1),
        ("unscheduled_within_48h_share", -1),
    ):
        vb, va = mean(b, metric), mean(a, metric)
        if sign * (va - vb) > 0.01:
            worse[metric] = (vb, va)
    wb, wa = mean(b, "wait_planned_mean_days"), mean(a, "wait_planned_mean_days")
    if wa - wb > 0.2:
        worse["wait_planned_mean_days"] = (wb, wa)
    assert not worse, worse
