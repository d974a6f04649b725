"""``gps.retirement_scale`` multiplies the retirement profile by age (a stress test of faster or
slower retirements), probabilities capped at 1; 0 means nobody retires."""

from __future__ import annotations

import numpy as np

from accesssim.model.calendar import build_calendar
from accesssim.model.params import compile_scenario
from accesssim.model.supply import LEAVE_RETIRE, build_supply
from accesssim.rng import Streams
from accesssim.scenario import Scenario

BASE = {"population": {"size": 20000}, "gps": {"count": 40}, "calendar": {"horizon_years": 5}}


def _params(scale: float):
    data = {**BASE, "gps": {**BASE["gps"], "retirement_scale": scale}}
    return compile_scenario(Scenario.model_validate(data))


def test_profile_is_scaled_and_capped() -> None:
    one, two = _params(1.0).gps.retirement_q, _params(2.0).gps.retirement_q
    np.testing.assert_array_equal(two, np.minimum(2.0 * one, 1.0))
    assert (two <= 1.0).all()
    assert (two > one).any()


def test_no_retirement_at_scale_zero() -> None:
    params = _params(0.0)
    sup = build_supply(
        params, build_calendar(params.calendar, params.booking_pad_days), Streams(0, 0)
    )
    assert not (sup.leave_kind == LEAVE_RETIRE).any()
    params = _params(1.0)
    sup = build_supply(
        params, build_calendar(params.calendar, params.booking_pad_days), Streams(0, 0)
    )
    assert (sup.leave_kind == LEAVE_RETIRE).any()
