"""Pareto dominance, crowding distance and hypervolume against hand-computed values."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from accesssim.experiment.pareto import crowding_distance, dominates, hypervolume, nondominated


def test_dominance_and_front() -> None:
    assert dominates([0, 0], [1, 1])
    assert not dominates([0, 1], [1, 0])
    assert not dominates([1, 1], [1, 1])
    F = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.6, 0.6], [np.nan, 0.0]])
    assert nondominated(F).tolist() == [True, True, True, False, False]


def test_hypervolume_known_values() -> None:
    # Two points in 2-D: the union of two rectangles, 0.5 x 1 + 0.5 x 0.5 overlapping 0.25.
    assert hypervolume(np.array([[0.5, 0.0], [0.0, 0.5]]), [1.0, 1.0]) == 0.75
    # One point in 3-D: a box.
    assert np.isclose(hypervolume(np.array([[0.5, 0.5, 0.5]]), [1.0, 1.0, 1.0]), 0.125)
    # Three points in 3-D, reference (2, 2, 2): each dominates a 2 x 1 x 1 box; every two
    # boxes share the unit cube [1, 2]^3, as do all three: 3 x 2 - 3 x 1 + 1 = 4.
    pts = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    assert np.isclose(hypervolume(pts, [2.0, 2.0, 2.0]), 4.0)
    # Points beyond the reference add nothing.
    assert hypervolume(np.array([[2.0, 0.0]]), [1.0, 1.0]) == 0.0


def test_crowding_distance_extremes_are_infinite() -> None:
    F = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.2, 0.9]])
    cd = crowding_distance(F)
    assert np.isinf(cd[0])
    assert np.isinf(cd[2])
    assert np.isclose(cd[1], (1.0 - 0.2) / 1.0 + (0.9 - 0.0) / 1.0)


@given(
    arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(2, 3)), elements=st.floats(0, 1))
)
def test_hypervolume_is_monotone_and_ignores_dominated_points(F: np.ndarray) -> None:
    ref = np.full(F.shape[1], 1.5)
    hv = hypervolume(F, ref)
    assert 0.0 <= hv <= 1.5 ** F.shape[1] + 1e-12
    # Adding a point never lowers the hypervolume; the front alone gives the same volume.
    extra = np.vstack([F, np.full(F.shape[1], 0.25)])
    assert hypervolume(extra, ref) >= hv - 1e-12
    assert np.isclose(hypervolume(F[nondominated(F)], ref), hv)
