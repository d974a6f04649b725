"""Counter-based draws keyed by entity (src/accesssim/model/keyed.py).

The generator is SplitMix64's finaliser applied to (stream, entity, counter); these tests check
what the model relies on: uniforms in [0, 1) with the right moments and histogram, no
correlation between neighbouring entities, counters or streams, the Poisson counts' mean and
variance at small and large means, and that the radix ordering sorts keys.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from accesssim.model import keyed
from accesssim.rng import Streams, text_keys

N = 200_000


def _u(stream: int, entities: np.ndarray, counter: int = 0) -> np.ndarray:
    with np.errstate(**keyed.WRAP):
        return keyed.uniforms(np.uint64(stream), entities, counter)


def test_uniforms_are_uniform_on_unit_interval() -> None:
    u = _u(12345, np.arange(N, dtype=np.uint64))
    assert (u >= 0).all()
    assert (u < 1).all()
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / N)
    assert abs(u.var() - 1 / 12) < 0.002
    counts = np.histogram(u, bins=100, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-4


@pytest.mark.parametrize("which", ["entity", "counter", "stream"])
def test_neighbours_are_uncorrelated(which: str) -> None:
    ids = np.arange(N, dtype=np.uint64)
    a = _u(7, ids, 0)
    if which == "entity":
        b = _u(7, ids + np.uint64(1), 0)
    elif which == "counter":
        b = _u(7, ids, 1)
    else:
        b = _u(8, ids, 0)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(N)
    # Uniform in the unit square: a 10 x 10 contingency table.
    table = np.histogram2d(a, b, bins=10, range=((0, 1), (0, 1)))[0]
    assert stats.chisquare(table.ravel()).pvalue > 1e-4


def test_a_draw_depends_only_on_its_key() -> None:
    ids = np.arange(1000, dtype=np.uint64)
    whole = _u(3, ids, 5)
    part = _u(3, ids[500:], 5)
    np.testing.assert_array_equal(whole[500:], part)
    with np.errstate(**keyed.WRAP):
        one = keyed.uniform(np.uint64(3), np.uint64(742), 5)
    assert one == whole[742]


def test_uniforms_2d_match_uniforms() -> None:
    ids = np.arange(50, dtype=np.uint64)
    with np.errstate(**keyed.WRAP):
        grid = keyed.uniforms_2d(np.uint64(9), ids, 4)
    for j in range(4):
        np.testing.assert_array_equal(grid[:, j], _u(9, ids, j))


@pytest.mark.parametrize("mean", [0.02, 0.8, 3.7, 12.0, 80.0, 900.0])
def test_poisson_counts_have_poisson_moments(mean: float) -> None:
    n = 40_000
    with np.errstate(**keyed.WRAP):
        keys = keyed.combine_many(np.uint64(99), np.arange(n, dtype=np.uint64))
        counts = np.array([keyed.poisson(mean, k) for k in keys])
    se = np.sqrt(mean / n)
    assert abs(counts.mean() - mean) < 5 * se
    # The sample variance over the mean: standard error sqrt(1 / (n mean) + 2 / n).
    assert abs(counts.var() / mean - 1) < 5 * np.sqrt(1 / (n * mean) + 2 / n)


def test_key_order_sorts_keys() -> None:
    with np.errstate(**keyed.WRAP):
        keys = keyed.combine_many(np.uint64(5), np.arange(10_000, dtype=np.uint64))
        order = keyed.key_order(keys)
    top = keys[order] >> np.uint64(32)
    assert np.all(top[1:] >= top[:-1])  # sorted by the top 32 bits
    ties = top[1:] == top[:-1]
    assert np.all(order[1:][ties] > order[:-1][ties])  # equal ones in index order
    np.testing.assert_array_equal(np.sort(order), np.arange(10_000))


def test_stream_keys_come_from_the_seed_sequence() -> None:
    a, b = Streams(0, 0), Streams(0, 1)
    assert a.key("demand.time") == Streams(0, 0).key("demand.time")
    assert a.key("demand.time") != b.key("demand.time")
    assert a.key("demand.time") != a.key("demand.count")
    assert Streams(1, 0).key("x") != Streams(0, 0).key("x")
    assert text_keys(["gp00001"])[0] == text_keys(["gp00001"])[0]
    assert len(set(text_keys([f"gp{i:05d}" for i in range(5000)]))) == 5000
