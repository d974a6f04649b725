"""Daily capacities outside GP agendas (teleconsultations, nurse follow-ups)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.calendar import SessionCalendar

__all__ = ["daily_pool"]


def daily_pool(
    cal: SessionCalendar,
    per_day: float,
    start: int,
    days_mask: np.ndarray,
    end: int | None = None,
) -> np.ndarray:
    """Integer capacity per day whose running sum follows ``per_day`` on the allowed days,
    from ``start`` to the day before ``end`` (None: to the end of the agenda)."""
    days = np.arange(cal.n_days)
    on = (days >= start) & (days < (end if end is not None else cal.n_days)) & days_mask
    rate = np.where(on, per_day, 0.0)
    cum = np.floor(np.cumsum(rate) + 1e-9)
    return np.diff(cum, prepend=0.0).astype(np.int32)
