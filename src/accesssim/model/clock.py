"""The order of the events of one midnight (SimPy offsets, in days, after the day's start).

GP arrivals and departures first, then the day's life events (deaths, moves, arrivals,
birthdays), policies' own processes (the MT-access matching), the weekly snapshot, and last
the day's requests (from ``DAY_START`` on). So a snapshot sees the day's GPs and the day's
requests see every change of the night.
"""

from __future__ import annotations

__all__ = ["DAY_START", "MIDNIGHT"]

MIDNIGHT: dict[str, float] = {
    "gp_changes": 0.0,
    "demography": 1e-9,
    "policies": 2e-9,
    "snapshots": 3e-9,
}
DAY_START = 1e-6
"""Offset of the day's requests after midnight."""
