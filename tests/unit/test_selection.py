"""The KN-type paired screening (Kim & Nelson 2001) on synthetic replications.

Systems whose true means differ by several indifference zones must be told apart in the right
direction; identical systems (the same draws) must tie; the decisions are a pure function of
the data (the same data give the same decisions, whatever ran them).
"""

from __future__ import annotations

import numpy as np
import pytest

from accesssim.experiment.selection import (
    BETTER_A,
    BETTER_B,
    TIE,
    UNDECIDED,
    kn_h2,
    kn_screen,
    really_dominated,
)


def test_h2_matches_the_formula() -> None:
    # Kim & Nelson (2001): eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2, h2 = 2 eta
    # (n0 - 1); for k = 2, alpha = 0.05, n0 = 10: eta = (0.1 ** (-2 / 9) - 1) / 2.
    eta = (0.1 ** (-2 / 9) - 1) / 2
    assert np.isclose(kn_h2(0.05, 10), 2 * eta * 9)
    with pytest.raises(ValueError, match="n0"):
        kn_h2(0.05, 1)


def test_clear_differences_are_decided_in_the_right_direction() -> None:
    rng = np.random.default_rng(7)
    common = rng.normal(0, 1.0, size=(40, 2))  # shared noise: common random numbers
    a = 5.0 + common + rng.normal(0, 0.1, size=(40, 2))
    b = np.column_stack([common[:, 0] + 4.0, common[:, 1] + 5.0]) + rng.normal(0, 0.1, (40, 2))
    res = kn_screen([a, b], np.array([0.2, 0.2]), alpha=0.05, n0=10, batch=5)
    assert res.decision[0, 0] == BETTER_A  # 5 vs 4: a better by 5 zones
    assert res.decision[0, 1] == TIE  # 5 vs 5
    dom = really_dominated(res, 2)
    assert dom == {0: [], 1: [0]}


def test_identical_systems_tie_and_too_few_runs_stay_undecided() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, size=(12, 1))
    res = kn_screen([a, a.copy()], np.array([0.1]), n0=10)
    assert res.decision[0, 0] == TIE
    short = kn_screen([a[:5], a[:5] + 1.0], np.array([0.1]), n0=10)
    assert short.decision[0, 0] == UNDECIDED
    assert short.undecided_systems() == {0, 1}


def test_more_replications_decide_small_differences() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 1, size=(400, 1))
    a, b = noise + 0.9, noise + rng.normal(0, 1.0, size=(400, 1))  # 3 zones apart
    few = kn_screen([a[:10], b[:10]], np.array([0.3]), n0=10)
    many = kn_screen([a, b], np.array([0.3]), n0=10)
    assert few.decision[0, 0] == UNDECIDED
    assert many.decision[0, 0] == BETTER_A
    again = kn_screen([a.copy(), b.copy()], np.array([0.3]), n0=10)
    assert (again.decision == many.decision).all()
    assert (again.exit_replications == many.exit_replications).all()


def test_a_real_difference_smaller_than_the_zone_is_a_tie() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(0, 1, size=(20, 1))
    res = kn_screen([a + 0.05, a], np.array([0.3]), n0=10)  # exact, tiny difference
    assert res.decision[0, 0] == TIE
    assert res.mean_diff[0, 0] > 0


def test_b_better_is_reported_from_b_side() -> None:
    x = np.linspace(0, 1, 20)[:, None]
    res = kn_screen([x, x + 2.0], np.array([0.5]), n0=10)
    assert res.decision[0, 0] == BETTER_B
