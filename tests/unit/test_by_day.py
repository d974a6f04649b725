"""The CSR of people by the day of their life event (:func:`demography.by_day`) is the stable
sort of the days: each day's people in increasing order; days out of range dropped."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from accesssim.model import demography as D


def _reference(day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    sel = np.flatnonzero((day >= 0) & (day < n_days)).astype(np.int32)
    order = sel[np.argsort(day[sel], kind="stable")]
    ptr = np.zeros(n_days + 1, dtype=np.int64)
    np.cumsum(np.bincount(day[sel], minlength=n_days)[:n_days], out=ptr[1:])
    return ptr, order


@given(st.lists(st.integers(-3, 12), max_size=200), st.integers(1, 10))
def test_by_day_is_the_stable_sort_of_the_days(days: list[int], n_days: int) -> None:
    day = np.asarray(days, dtype=np.int64)
    ptr, order = D.by_day(day, n_days)
    want_ptr, want_order = _reference(day, n_days)
    assert ptr.tolist() == want_ptr.tolist()
    assert order.tolist() == want_order.tolist()
    assert order.dtype == np.int32
    assert ptr.dtype == np.int64
