"""Small number formats shared by every planner-facing text (policies, report, app, CLI).

Plain Python; no model, no I/O.
"""

from __future__ import annotations

__all__ = ["hours", "num", "pct"]


def pct(x: float) -> str:
    """A share as a percentage: ``0.25`` -> ``"25 %"``, ``0.125`` -> ``"12.5 %"``."""
    return f"{100 * x:.0f} %" if abs(100 * x - round(100 * x)) < 1e-9 else f"{100 * x:.1f} %"


def num(x: float) -> str:
    """A number without needless decimals: ``21000`` -> ``"21,000"``, ``0.5`` -> ``"0.5"``."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def hours(h: float) -> str:
    """An hour of the day: ``12.5`` -> ``"12:30"``."""
    hh = int(h)
    mm = round((h - hh) * 60)
    return f"{hh:02d}:{mm:02d}"
