"""Out-of-hours care (permanence des soins ambulatoires, PDSA): its periods and their acts.

The PDSA covers the hours when practices are closed: every night (20:00 to 08:00 by default),
Saturday from 12:00, and Sundays, public holidays and the territory's closed days from 08:00 to
20:00 (so Saturday 12:00 to Monday 08:00 is one stretch). Each period has a capacity in acts:
per night, per Saturday afternoon, per Sunday or holiday daytime (``out_of_hours`` block of a
scenario, per 100,000 inhabitants). A need arising in a period is seen by the service while the
period has acts left (:func:`accesssim.model.kernel.step_out_of_hours`).

:func:`out_of_hours_periods` maps every hour of the run to its period (or -1) and gives each
period its whole number of acts, whose running total follows the fractional capacities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.calendar import SessionCalendar
    from accesssim.model.params import OutOfHoursParams

__all__ = ["NIGHT", "SATURDAY", "SUNDAY_HOLIDAY", "out_of_hours_periods"]

NIGHT, SATURDAY, SUNDAY_HOLIDAY = 0, 1, 2
"""Kinds of period (the index into ``acts_per_period``)."""


def out_of_hours_periods(
    ooh: OutOfHoursParams | None, cal: SessionCalendar
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(period of each hour, acts of each period, kind of each period)``.

    Hour ``h`` of the run (``day * 24 + hour``) belongs to period ``period[h]`` (-1 outside the
    PDSA periods, when practices are open). Without out-of-hours care (``ooh`` None) the periods
    are those of the default PDSA hours, each with no act: practices still close at night and
    on weekends.
    """
    n_days = cal.n_days
    period = np.full(n_days * 24, -1, dtype=np.int32)
    if ooh is None:
        from accesssim.model.params import OutOfHoursParams

        ooh = OutOfHoursParams(20, 8, 12, True, (0.0, 0.0, 0.0))
    kinds: list[int] = []
    night_end, night_start, sat = ooh.night_end_hour, ooh.night_start_hour, ooh.saturday_start_hour
    for d in range(-1, n_days):
        if d >= 0:
            holiday = bool(ooh.public_holidays and cal.closed_day[d])
            wd = int(cal.weekday[d])
            day_from = None
            if holiday or wd == 6:
                day_from, kind = night_end, SUNDAY_HOLIDAY
            elif wd == 5:
                day_from, kind = max(sat, night_end), SATURDAY
            if day_from is not None and day_from < night_start:
                kinds.append(kind)
                period[d * 24 + day_from : d * 24 + night_start] = len(kinds) - 1
        # The night from day d's night_start to day d + 1's night_end.
        lo = max(d * 24 + night_start, 0)
        hi = min((d + 1) * 24 + night_end, n_days * 24)
        if hi > lo:
            kinds.append(NIGHT)
            period[lo:hi] = len(kinds) - 1
    kind_arr = np.asarray(kinds, dtype=np.int8)
    rate = np.asarray(ooh.acts_per_period, dtype=float)[kind_arr]
    cum = np.floor(np.cumsum(rate) + 1e-9)
    acts = np.diff(cum, prepend=0.0).astype(np.int32)
    return period, acts, kind_arr
