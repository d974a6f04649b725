"""The session calendar: two half-day sessions a day, indexed densely.

Session ``s`` is half ``s % 2`` (0 morning, 1 afternoon) of day ``s // 2``; closed half-days
(Sundays, public holidays, ...) simply have no capacity. The calendar extends past the horizon
by a booking pad so that requests near the end can still book ahead (their appointments after
the horizon are "pending").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.params import CalendarParams

__all__ = ["SessionCalendar", "build_calendar", "easter_sunday", "french_public_holidays"]


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def french_public_holidays(year: int) -> list[dt.date]:
    """The 11 French public holidays of ``year`` (Code du travail, art. L3133-1)."""
    easter = easter_sunday(year)
    return sorted(
        [
            dt.date(year, 1, 1),
            easter + dt.timedelta(days=1),  # Easter Monday
            dt.date(year, 5, 1),
            dt.date(year, 5, 8),
            easter + dt.timedelta(days=39),  # Ascension
            easter + dt.timedelta(days=50),  # Whit Monday
            dt.date(year, 7, 14),
            dt.date(year, 8, 15),
            dt.date(year, 11, 1),
            dt.date(year, 11, 11),
            dt.date(year, 12, 25),
        ]
    )


@dataclass(frozen=True)
class SessionCalendar:
    """Days and sessions of a run (arrays indexed by day or by session)."""

    horizon_days: int
    warmup_days: int
    n_days: int  # horizon + booking pad
    start_date: dt.date
    weekday: np.ndarray  # int8 [n_days], 0 = Monday
    day_of_year: np.ndarray  # int16 [n_days], 1..366
    closed_day: np.ndarray  # bool [n_days], public holiday or closed day
    session_open: np.ndarray  # bool [n_sessions]: the half-day is a working session
    session_start: np.ndarray  # float64 [n_sessions], days from day 0
    am_hour: float
    pm_hour: float

    @property
    def n_sessions(self) -> int:
        return 2 * self.n_days

    def first_session_after(self, t: float) -> int:
        """Index of the first session starting strictly after time ``t`` (days)."""
        return int(np.searchsorted(self.session_start, t, side="right"))


def build_calendar(cal: CalendarParams, pad_days: int) -> SessionCalendar:
    """The calendar of a run, extended by ``pad_days`` past the horizon."""
    n_days = cal.horizon_days + pad_days
    days = np.arange(n_days)
    start_wd = cal.start_date.weekday()
    weekday = ((start_wd + days) % 7).astype(np.int8)
    dates = [cal.start_date + dt.timedelta(days=int(d)) for d in days]
    day_of_year = np.array([d.timetuple().tm_yday for d in dates], dtype=np.int16)
    closed = np.zeros(n_days, dtype=bool)
    closed_dates: set[dt.date] = set(cal.closed_days)
    if cal.french_public_holidays:
        for year in range(dates[0].year, dates[-1].year + 1):
            closed_dates.update(french_public_holidays(year))
    for i, d in enumerate(dates):
        if d in closed_dates:
            closed[i] = True
    mask = np.array(cal.open_mask, dtype=bool)  # 7 x 2
    session_open = (mask[weekday] & ~closed[:, None]).reshape(-1)
    am, pm = cal.morning_start_hour / 24.0, cal.afternoon_start_hour / 24.0
    session_start = (days[:, None] + np.array([am, pm])[None, :]).reshape(-1).astype(np.float64)
    return SessionCalendar(
        horizon_days=cal.horizon_days,
        warmup_days=cal.warmup_days,
        n_days=n_days,
        start_date=cal.start_date,
        weekday=weekday,
        day_of_year=day_of_year,
        closed_day=closed,
        session_open=session_open,
        session_start=session_start,
        am_hour=cal.morning_start_hour,
        pm_hour=cal.afternoon_start_hour,
    )
