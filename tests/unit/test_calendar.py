"""The session calendar: French public holidays, session indexing, closed days.

* Easter: known dates (2025-04-20, 2026-04-05, the extreme dates 22 March and 25 April), and
  agreement with ``dateutil.easter`` (a separate implementation) over four centuries;
* the 11 French public holidays of a year (Code du travail, art. L3133-1), with the movable
  ones on the right weekday;
* sessions: session ``s`` is half ``s % 2`` of day ``s // 2`` and starts at the configured
  hour; ``first_session_after`` (calendar and kernel versions) is the first start strictly
  after a time;
* closed days (public holidays, listed closed days, half-days not in the working week) have
  no capacity in the agendas built by ``build_supply``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import kernel as K
from accesssim.model.calendar import build_calendar, easter_sunday, french_public_holidays
from accesssim.model.params import compile_scenario
from accesssim.model.supply import build_supply
from accesssim.rng import Streams
from accesssim.scenario import Scenario

D = dt.date


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2000, D(2000, 4, 23)),
        (1818, D(1818, 3, 22)),  # earliest possible date
        (1943, D(1943, 4, 25)),  # latest possible date
        (2038, D(2038, 4, 25)),
    ],
)
def test_easter_known_dates(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter
    assert easter.weekday() == 6


def test_easter_agrees_with_dateutil() -> None:
    dateutil_easter = pytest.importorskip("dateutil.easter")
    for year in range(1900, 2300):
        assert easter_sunday(year) == dateutil_easter.easter(year), year


def test_french_public_holidays_2025_and_2026() -> None:
    assert french_public_holidays(2025) == [
        D(2025, 1, 1),
        D(2025, 4, 21),  # Easter Monday
        D(2025, 5, 1),
        D(2025, 5, 8),
        D(2025, 5, 29),  # Ascension
        D(2025, 6, 9),  # Whit Monday
        D(2025, 7, 14),
        D(2025, 8, 15),
        D(2025, 11, 1),
        D(2025, 11, 11),
        D(2025, 12, 25),
    ]
    h2026 = french_public_holidays(2026)
    assert D(2026, 4, 6) in h2026
    assert D(2026, 5, 14) in h2026
    assert D(2026, 5, 25) in h2026


@pytest.mark.parametrize("year", range(2020, 2041))
def test_eleven_holidays_a_year(year: int) -> None:
    days = french_public_holidays(year)
    assert len(days) == 11
    assert len(set(days)) == 11  # Ascension can never fall on 1 or 8 May: it is a Thursday
    assert days == sorted(days)
    assert all(d.year == year for d in days)
    easter = easter_sunday(year)
    movable = {d for d in days if (d - easter).days in (1, 39, 50)}
    assert {d.weekday() for d in movable} == {0, 3}  # Mondays and the Ascension Thursday
    assert len(movable) == 3


def _scenario(**calendar: object) -> Scenario:
    return Scenario.model_validate(
        {
            "population": {"size": 1000},
            "gps": {"count": 4, "weeks_of_leave": 0},
            "calendar": {
                "start_date": "2025-04-14",  # a Monday; Easter Monday is day 7
                "horizon_days": 90,
                "warmup_days": 7,
                **calendar,
            },
        }
    )


def test_session_indexing() -> None:
    scenario = _scenario(morning_start_hour=8.5, afternoon_start_hour=14)
    cal = build_calendar(compile_scenario(scenario).calendar, pad_days=21)
    assert cal.n_days == 90 + 21
    assert cal.n_sessions == 2 * cal.n_days
    assert cal.session_start.shape == (cal.n_sessions,)
    s = np.arange(cal.n_sessions)
    expected = s // 2 + np.where(s % 2 == 0, 8.5, 14.0) / 24
    np.testing.assert_allclose(cal.session_start, expected, rtol=0, atol=1e-12)
    assert (np.diff(cal.session_start) > 0).all()
    # Weekdays and day of year follow the start date.
    assert cal.weekday[0] == 0
    assert cal.weekday[6] == 6
    np.testing.assert_array_equal(cal.weekday, np.arange(cal.n_days) % 7)
    assert cal.day_of_year[0] == D(2025, 4, 14).timetuple().tm_yday
    # Default working week: Monday-Friday both halves, Saturday morning, Sunday closed.
    week = cal.session_open[14:28].reshape(7, 2)  # days 7-13: Easter Monday is day 7
    np.testing.assert_array_equal(week[1:], [[True, True]] * 4 + [[True, False], [False, False]])
    assert not week[0].any()  # Easter Monday


@settings(max_examples=200, deadline=None)
@given(t=st.floats(0, 100, allow_nan=False, exclude_max=True))
def test_first_session_after_is_strictly_after(t: float) -> None:
    scenario = _scenario(morning_start_hour=8.5, afternoon_start_hour=14)
    cal = build_calendar(compile_scenario(scenario).calendar, pad_days=21)
    s = cal.first_session_after(t)
    assert cal.session_start[s] > t
    assert s == 0 or cal.session_start[s - 1] <= t
    assert K.first_session_after(t, 8.5 / 24, 14 / 24) == s
    # At a session start exactly, the session has started: the next one is returned.
    start = float(cal.session_start[s])
    assert cal.first_session_after(start) == s + 1


@pytest.mark.parametrize(("am", "pm"), [(8.0, 14.0), (8.5, 14.0), (0.0, 12.0)])
def test_kernel_first_session_after_at_session_starts(am: float, pm: float) -> None:
    """A request arriving exactly when a session starts cannot book that session.

    The kernel's ``first_session_after`` compares ``t - floor(t)`` with ``am = hour / 24``,
    while the calendar's session starts are ``day + am`` rounded to a double; where that
    rounding goes down, the kernel returns the session starting *at* ``t`` (not strictly
    after it). It must agree with the calendar at every session start.
    """
    scenario = _scenario(morning_start_hour=am, afternoon_start_hour=pm, horizon_days=365)
    cal = build_calendar(compile_scenario(scenario).calendar, pad_days=21)
    wrong = [
        s
        for s, start in enumerate(cal.session_start.tolist())
        if K.first_session_after(start, am / 24, pm / 24) != cal.first_session_after(start)
    ]
    if wrong:
        start = float(cal.session_start[wrong[0]])
        kernel = K.first_session_after(start, am / 24, pm / 24)
        raise AssertionError(
            f"{len(wrong)} of {cal.n_sessions} session starts disagree, e.g. t = {start!r}: "
            f"kernel session {kernel} (starts at t), calendar {cal.first_session_after(start)}"
        )


def test_holidays_and_closed_days_have_no_capacity() -> None:
    closed = D(2025, 6, 3)  # a Tuesday declared closed
    scenario = _scenario(closed_days=[closed])
    cal = build_calendar(compile_scenario(scenario).calendar, pad_days=21)
    start = scenario.calendar.start_date
    holidays = [d for d in french_public_holidays(2025) if 0 <= (d - start).days < cal.n_days]
    assert [d.isoformat() for d in holidays] == [
        "2025-04-21",
        "2025-05-01",
        "2025-05-08",
        "2025-05-29",
        "2025-06-09",
        "2025-07-14",
    ]
    closed_idx = [(d - start).days for d in [*holidays, closed]]
    assert cal.closed_day.sum() == len(closed_idx)
    assert cal.closed_day[closed_idx].all()

    sup = build_supply(compile_scenario(scenario), cal, Streams(3))
    per_day = sup.offered.reshape(sup.n, cal.n_days, 2).sum(axis=(0, 2))
    assert (per_day[closed_idx] == 0).all()
    sundays = np.flatnonzero(cal.weekday == 6)
    assert (per_day[sundays] == 0).all()
    saturday_pm = sup.offered.reshape(sup.n, cal.n_days, 2)[:, cal.weekday == 5, 1]
    assert (saturday_pm == 0).all()
    open_weekdays = np.flatnonzero((cal.weekday < 5) & ~cal.closed_day)
    assert (per_day[open_weekdays] > 0).all()  # four GPs: someone works every weekday
    assert (sup.free <= sup.offered).all()
    assert (sup.reserved == 0).all()


def test_no_public_holidays_when_asked() -> None:
    scenario = _scenario(public_holidays="none")
    cal = build_calendar(compile_scenario(scenario).calendar, pad_days=21)
    assert not cal.closed_day.any()
    sup = build_supply(compile_scenario(scenario), cal, Streams(3))
    per_day = sup.offered.reshape(sup.n, cal.n_days, 2).sum(axis=(0, 2))
    assert per_day[7] > 0  # Easter Monday is a working day


def test_holidays_of_every_year_in_the_horizon() -> None:
    scenario = _scenario(start_date="2025-12-01", horizon_days=60, warmup_days=7)
    cal = build_calendar(compile_scenario(scenario).calendar, pad_days=21)
    start = D(2025, 12, 1)
    assert cal.closed_day[(D(2025, 12, 25) - start).days]
    assert cal.closed_day[(D(2026, 1, 1) - start).days]
