"""Seeds and named streams (accesssim.rng): repeatable, independent, stable across processes.

Replication ``i`` of root seed ``s`` must be child ``i`` of ``SeedSequence(s)``; inside it each
stream is keyed by a stable hash of its name, so numbers never depend on Python's ``hash()``
(salted per process), on the order in which streams are created, or on how much another
stream has drawn.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accesssim.rng import Streams, name_key, replication_seed_sequence

seeds = st.integers(0, 2**63)
replications = st.integers(0, 1000)
names = st.text(min_size=1, max_size=30)

# Regression pin on the hashing scheme (BLAKE2b, 8 bytes, little-endian), computed once.
# If this changes, every stream of every stored result changes: it must not change silently.
DEMAND_TIME_KEY = 13012209767235108034


@given(seeds, replications, names)
def test_same_name_same_numbers(seed: int, rep: int, name: str) -> None:
    a = Streams(seed, rep)[name].random(8)
    b = Streams(seed, rep)[name].random(8)
    np.testing.assert_array_equal(a, b)


def test_a_stream_is_cached_and_continues() -> None:
    s = Streams(3)
    first = s["x"].random(4)
    again = s["x"].random(4)
    assert s["x"] is s["x"]
    np.testing.assert_array_equal(np.concatenate([first, again]), Streams(3)["x"].random(8))


@given(seeds, replications, st.lists(names, min_size=2, max_size=6, unique=True))
def test_different_names_give_different_first_draws(
    seed: int, rep: int, stream_names: list[str]
) -> None:
    s = Streams(seed, rep)
    firsts = [s[n].integers(0, 2**63) for n in stream_names]
    assert len(set(firsts)) == len(firsts)


def test_streams_do_not_depend_on_order_or_use_of_others() -> None:
    a = Streams(11, 2)
    a["patience"].random(10_000)  # drawing a lot from one stream ...
    x = a["severity"].random(5)
    b = Streams(11, 2)
    y = b["severity"].random(5)  # ... or nothing at all changes nothing for another
    np.testing.assert_array_equal(x, y)


def test_different_names_are_uncorrelated() -> None:
    s = Streams(5)
    x, y = s["demand.time"].random(100_000), s["demand.kind"].random(100_000)
    # the correlation of independent samples has standard error 1/sqrt(n) ≈ 0.003
    assert abs(np.corrcoef(x, y)[0, 1]) < 5 / np.sqrt(100_000)


@given(seeds, st.integers(0, 40), names)
def test_replication_is_child_i_of_the_root(seed: int, rep: int, name: str) -> None:
    child = np.random.SeedSequence(seed).spawn(rep + 1)[rep]
    mine = replication_seed_sequence(seed, rep)
    assert mine.entropy == child.entropy
    assert mine.spawn_key == child.spawn_key
    np.testing.assert_array_equal(mine.generate_state(4), child.generate_state(4))
    expected = np.random.Generator(
        np.random.PCG64(
            np.random.SeedSequence(child.entropy, spawn_key=(*child.spawn_key, name_key(name)))
        )
    )
    np.testing.assert_array_equal(Streams(seed, rep)[name].random(6), expected.random(6))


@given(seeds, names)
def test_replications_differ(seed: int, name: str) -> None:
    draws = {Streams(seed, rep)[name].integers(0, 2**63) for rep in range(5)}
    assert len(draws) == 5


def test_seed_zero_is_a_seed() -> None:
    zero = Streams(0, 0)["demand.time"].random(3)
    np.testing.assert_array_equal(zero, Streams(0, 0)["demand.time"].random(3))
    assert not np.array_equal(zero, Streams(1, 0)["demand.time"].random(3))
    assert replication_seed_sequence(0, 0).entropy == 0
    np.testing.assert_array_equal(
        replication_seed_sequence(0, 0).generate_state(2),
        np.random.SeedSequence(0).spawn(1)[0].generate_state(2),
    )


@pytest.mark.parametrize(("seed", "rep"), [(-1, 0), (0, -1)])
def test_negative_seed_or_replication_is_refused(seed: int, rep: int) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        replication_seed_sequence(seed, rep)


def test_name_key_regression_pin() -> None:
    assert name_key("demand.time") == DEMAND_TIME_KEY
    assert 0 <= name_key("") < 2**64
    assert name_key("démand.time") != name_key("demand.time")


def test_name_keys_and_draws_are_stable_across_processes() -> None:
    code = (
        "from accesssim.rng import Streams, name_key\n"
        "print(name_key('demand.time'))\n"
        "print(repr(Streams(42, 3)['demand.time'].random()))\n"
    )
    here = f"{DEMAND_TIME_KEY}\n{Streams(42, 3)['demand.time'].random()!r}\n"
    for hash_seed in ("0", "1", "random"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout == here
