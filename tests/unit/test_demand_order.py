"""Requests of a range of days are ordered day by day: the same permutation as one sort."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import demand


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=1, max_size=8),
    ties=st.integers(0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_sorting_each_day_gives_the_order_of_one_stable_sort(
    counts: list[int], ties: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    days = [d + rng.random(c) for d, c in enumerate(counts)]
    t = np.concatenate(days) if days else np.zeros(0)
    if t.size > 1:  # equal times inside a day keep their order (a stable sort)
        for _ in range(ties):
            i = int(rng.integers(0, t.size))
            same_day = np.flatnonzero(np.floor(t) == np.floor(t[i]))
            t[same_day[-1]] = t[i]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    got = demand._order_by_day(t, bounds)
    assert got.tolist() == np.argsort(t, kind="stable").tolist()


def test_days_whose_times_overlap_are_sorted_as_one() -> None:
    t = np.array([0.5, 0.9, 0.7, 0.2, 1.5])  # "day" 1 starts with a time of day 0
    bounds = np.array([0, 2, 5])
    assert demand._order_by_day(t, bounds).tolist() == np.argsort(t, kind="stable").tolist()


def test_request_columns_reorder_every_column_and_give_the_onset_day() -> None:
    rng = np.random.default_rng(1)
    n = 50
    t = np.sort(rng.random(n) * 10)
    t0 = t - rng.random(n)
    root = rng.integers(0, 2**63, n, dtype=np.uint64)
    attempt = rng.integers(0, 3, n).astype(np.uint8)
    origin = rng.integers(0, 3, n).astype(np.uint8)
    person = rng.integers(0, 1000, n).astype(np.int32)
    kinds = rng.integers(0, 4, n).astype(np.uint8)
    old = rng.integers(0, 2, n).astype(np.uint8)
    order = rng.permutation(n)
    shares = np.array([0.5, 0.2, 0.1, 0.3])
    streams = np.arange(1, 17, dtype=np.uint64)
    cols = demand._request_columns(
        root, person, kinds, old, order, t, t0, root, attempt, origin, shares, streams
    )
    ts, t0s, roots, attempts, origins, persons, kind, minor, home, asap, desired = cols[:11]
    u_lead, u_patience = cols[11:]
    assert (ts == t[order]).all()
    assert (t0s == t0[order]).all()
    assert (roots == root[order]).all()
    assert (attempts == attempt[order]).all()
    assert (origins == origin[order]).all()
    assert (persons == person[order]).all()
    assert (kind == kinds[order]).all()
    assert (desired == np.floor(t0[order]).astype(np.int32)).all()
    planned = kind == 0
    # Only planned requests draw a lead time and a patience; only unscheduled ones a minor
    # need; emergencies draw nothing.
    assert ((u_lead > 0) == planned).all()
    assert ((u_patience > 0) == planned).all()
    assert (minor[planned | (kind == 3)] == 0).all()
    assert (asap[~planned] == 1).all()
    assert (home[(old[order] == 0) | (kind == 3)] == 0).all()
