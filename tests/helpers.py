"""Small helpers shared by tests in several folders: the repository's tools as modules, and a
tiny territory of three communes with a policy variant (fast to simulate, mappable)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: A three-commune territory with today's teleconsultation platform (``base.yaml``).
BASE = """\
name: tiny-territory
territory:
  name: Tiny CPTS
  communes:
    - {insee: "69001", name: Bourg, population: 1600, lat: 45.80, lon: 4.50}
    - {insee: "69002", name: Hameau, population: 900, lat: 45.76, lon: 4.44}
    - {insee: "69003", name: Vallon, population: 500, lat: 45.72, lon: 4.55}
calendar: {horizon_days: 120, warmup_days: 28}
gps: {count: 3}
policies:
  teleconsultation: {platform_daily_capacity: 2}
"""

#: The same with a shared rota from day 56 and a health centre opening (``alt.yaml``).
ALT = """\
extends: base.yaml
name: tiny-rota
policies:
  unscheduled_slots:
    {reserved_share: 0.25, release_day: same, release_time_hours: 12, shared_rota: true,
     rota_cost_per_year_eur: 5000, start: 56}
  installations:
    - {date: "2025-03-17", count: 1, practice_kind: centre, incentive_cost_eur: 10000}
"""


def write_pair(folder: Path) -> Path:
    """Write ``base.yaml`` and ``alt.yaml`` in ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.yaml").write_text(BASE, encoding="utf-8")
    (folder / "alt.yaml").write_text(ALT, encoding="utf-8")
    return folder


def load_tool(name: str) -> Any:
    """``tools/NAME.py`` as a module (the tools are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
