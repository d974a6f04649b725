"""Requests carried to later days wait by day: each day gets its rows in the order they were
carried (booking day by booking day, each in its carry order), once, and rows of people no longer
living there are dropped."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import demand
from accesssim.model.records import new_carry, new_pending

DAYS = 12


def _carry(rows: list[tuple[float, int]], first_id: int):
    """A day's carry record: rows of (arrival time, person), rooted by a running id."""
    carry = new_carry(len(rows))
    for i, (t, person) in enumerate(rows):
        carry.root[i] = first_id + i
        carry.person[i] = person
        carry.kind[i] = 1
        carry.attempt[i] = i % 3
        carry.origin[i] = i % 2
        carry.t[i] = t
        carry.t0[i] = t - 0.5
    carry.n[0] = len(rows)
    return carry


@settings(max_examples=60, deadline=None)
@given(
    booked=st.lists(
        st.lists(st.tuples(st.floats(0.0, DAYS + 2.0), st.integers(0, 4)), max_size=30),
        min_size=1,
        max_size=DAYS,
    ),
    gone=st.sets(st.integers(0, 4), max_size=2),
)
def test_each_day_gets_its_rows_once_in_the_order_they_were_carried(
    booked: list[list[tuple[float, int]]], gone: set[int]
) -> None:
    # People 0-4; those in ``gone`` left on day 3 (``exit`` is the first day they are away).
    entry = np.zeros(5, dtype=np.int32)
    exit_ = np.full(5, 10_000, dtype=np.int32)
    for p in gone:
        exit_[p] = 3
    age0 = np.full(5, 40, dtype=np.int16)
    bday = np.zeros(5, dtype=np.int16)
    bounds = np.array([16, 60, 75], dtype=np.int64)
    pending = new_pending(0, DAYS)  # no room: the first rows make it grow, and so on
    carried: dict[int, list[tuple[int, int]]] = {d: [] for d in range(DAYS)}  # (root, person)

    def read(day: int) -> None:
        root = demand._take(pending, day, entry, exit_, age0, bday, bounds)[0]
        living = [r for r, p in carried.pop(day) if day < exit_[p]]
        assert root.tolist() == living

    next_id = 0
    for day, rows in enumerate(booked):
        read(day)  # today's rows first, then what today's booking carries to later days
        later = [(day + 1 + t, p) for t, p in rows]
        pending = demand.park(pending, _carry(later, next_id))
        for i, (t, p) in enumerate(later):
            if int(np.floor(t)) < DAYS:  # rows after the last day are dropped
                carried[int(np.floor(t))].append((next_id + i, p))
        next_id += len(rows)
    for day in range(len(booked), DAYS):
        read(day)
    assert int(pending.n[1]) == 0  # nothing left waiting
    for day in range(DAYS):  # a day's rows are read once
        assert demand._take(pending, day, entry, exit_, age0, bday, bounds)[0].size == 0


def test_a_row_carries_its_columns_and_its_event_key() -> None:
    pending = new_pending(4, 5)
    carry = _carry([(2.25, 1), (2.5, 0)], first_id=7)
    pending = demand.park(pending, carry)
    alive = np.array([0, 0], dtype=np.int32), np.array([99, 99], dtype=np.int32)
    age0, bday = np.array([80, 30], dtype=np.int16), np.zeros(2, dtype=np.int16)
    bounds = np.array([16, 60, 75], dtype=np.int64)
    root, person, kind, attempt, origin, t, t0, ekey, old = demand._take(
        pending, 2, *alive, age0, bday, bounds
    )
    assert root.tolist() == [7, 8]
    assert person.tolist() == [1, 0]
    assert t.tolist() == [2.25, 2.5]
    assert t0.tolist() == [1.75, 2.0]
    assert attempt.tolist() == [0, 1]
    assert origin.tolist() == [0, 1]
    assert kind.tolist() == [1, 1]
    # A first request is keyed by its need; a later one by (need, attempt).
    assert ekey[0] == root[0]
    assert ekey[1] == demand.keyed.combine(np.uint64(8), np.uint64(1))
    assert old.tolist() == [0, 1]  # person 0 is 80, person 1 is 30
