"""The generated GPs of day 0 who installed less than ``gps.newcomer_ramp_years`` ago start part
way through the newcomers' ramp of list capacity (the steady state of the installation flow).

Their share of GPs should be what the published installation rate gives over the ramp: CNAM
2022, 3.45 installations a year per 100,000 inhabitants, over 3 years, for 78 GPs per 100,000
(DREES 2021): about 13 %. Each GP's years since installation is keyed by the GP, so one more GP
changes no other GP's.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model.calendar import build_calendar
from accesssim.model.params import compile_scenario
from accesssim.model.supply import build_supply, years_since_installation
from accesssim.rng import Streams
from accesssim.scenario import Scenario


def _supply(count: int, **gps: object):
    data = {
        "population": {"size": 100000},
        "gps": {"count": count, **gps},
        "calendar": {"horizon_years": 1},
    }
    params = compile_scenario(Scenario.model_validate(data))
    cal = build_calendar(params.calendar, params.booking_pad_days)
    return params, build_supply(params, cal, Streams(0, 0))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=20, max_value=85), min_size=1, max_size=50), st.integers(0, 99))
def test_years_since_installation_lie_within_a_career(ages: list[float], seed: int) -> None:
    params, _ = _supply(1)
    age = np.array(ages)
    u = np.random.default_rng(seed).random(age.size)
    years = years_since_installation(params, age, u)
    low = params.gps.newcomer_age.ppf(np.array([0.0]))[0]
    assert (years >= 0).all()
    assert (years <= np.maximum(age - low, 0) + 1e-9).all()  # installed at 28 at the earliest
    assert (years[age <= low] == 0).all()  # younger than every installation age: just installed


def test_share_of_day0_gps_in_their_first_years_follows_the_installation_rate() -> None:
    params, sup = _supply(3000)
    ramping = sup.newcomer & (sup.ramp_from < 0)
    share = ramping.mean()
    expected = 3.45 * params.gps.newcomer_ramp_years / 78  # about 13 %
    assert abs(share - expected) < 0.04, share
    # Young GPs only, and part way through the ramp on day 0: above the start, below full.
    assert sup.age0[ramping].max() < 50
    r0 = np.asarray(sup.ramp(0))[ramping]
    assert (r0 >= params.gps.newcomer_start_share).all()
    assert (r0 < 1.0).all()
    r1 = np.asarray(sup.ramp(365))[ramping]
    assert (r1 >= r0).all()
    assert (r1 > r0).any()
    assert (np.asarray(sup.ramp(0))[~sup.newcomer] == 1.0).all()


def test_no_ramp_on_day0_without_a_ramp() -> None:
    _, sup = _supply(500, newcomer_ramp_years=0)
    assert not (sup.newcomer & (sup.ramp_from < 0)).any()
    assert float(np.min(sup.ramp(0))) == 1.0


def test_one_more_gp_changes_no_other_gps_installation() -> None:
    _, a = _supply(200)
    _, b = _supply(201)
    gen_a = a.start_day == 0
    n = int(gen_a.sum())
    np.testing.assert_array_equal(a.ramp_from[:n], b.ramp_from[:n])
    np.testing.assert_array_equal(a.newcomer[:n], b.newcomer[:n])
