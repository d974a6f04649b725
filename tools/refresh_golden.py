"""Rewrite the golden results of tests/golden/ from the current model code.

Usage (from the repository root)::

    python tools/refresh_golden.py            # rewrite every tests/golden/*.json
    python tools/refresh_golden.py --check    # compare only, write nothing (exit 1 if different)

tests/unit/test_golden.py runs the same cases and requires the same numbers, bit for bit. Run
this tool only on purpose, when a change of the model's results is intended (a bug fix, a new
behaviour, a change of the random draws), and say so in the commit: a refactoring or an
optimisation must leave the golden files unchanged.

Each file holds its case (how to build the scenario, the seed and the replication) and the
record of the run (:func:`record`): every metric, the outcome counts, the requests generated,
the wait histogram, the kernel counters, the costs, the weekly series, the coverage by commune,
and a SHA-256 digest of the per-request log (outcome, appointment time and GP of every request,
from a second run with ``record_requests=True``). Floats are written with their full ``repr``
(Python's JSON encoder), so they read back as the same float64; NaN is written as ``NaN``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"

AGES = ("age_0_15", "age_16_59", "age_60_74", "age_75_plus")

# Every policy block on, in a 20,000-inhabitant aspatial territory (no communes).
ALL_POLICIES: dict[str, Any] = {
    "name": "golden-all-policies",
    "calendar": {"horizon_days": 220, "warmup_days": 60, "start_date": "2025-01-06"},
    "population": {"size": 20000},
    "gps": {"count": 16},
    "policies": {
        "unscheduled_slots": {
            "reserved_share": 0.2,
            "release_day": "previous",
            "release_time_hours": 18,
            "unused": "lose",
            "shared_rota": True,
            "rota_cost_per_year_eur": 15000,
        },
        "teleconsultation": {
            "gp_daily_capacity": 2.5,
            "platform_daily_capacity": 4,
            "open_days": "all",
        },
        "medical_assistants": {"count_fte": 2.0, "fte_per_gp": 0.5, "phase_in_years": 0.3},
        "nurses": {"fte": 1.0, "ald_followup_share": 0.4, "start": 30},
        "pharmacists": {"handled_share": 0.5},
        "installations": [{"date": 80, "count": 2, "practice_kind": "msp"}],
        "retirements": [{"date": 100, "count": 1}],
        "mt_access": {
            "monthly_capacity": 80,
            "ald_priority": True,
            "include_closed_lists": True,
            "cost_per_match_eur": 12.5,
        },
    },
}

# name -> case. "scenario" is a scenario mapping; "path" a scenario file (relative to the
# repository root) with "overrides" (--set strings) and "horizon_days".
CASES: dict[str, dict[str, Any]] = {
    "all-policies-20k": {"scenario": ALL_POLICIES, "seed": 11, "replication": 0},
    "monts-du-lyonnais-200d": {
        "path": "scenarios/monts-du-lyonnais.yaml",
        "overrides": [],
        "horizon_days": 200,
        "seed": 2024,
        "replication": 1,
    },
    "monts-contract-shocks": {
        "path": "scenarios/monts-du-lyonnais-contract.yaml",
        "overrides": [
            "policies.installations=[{date: 100, count: 2, practice_kind: centre, "
            'commune: "69010", incentive_cost_eur: 50000, cost_per_year_eur: 10000}]',
            "policies.retirements=[{date: 120, count: 2}]",
            "policies.mt_access.monthly_capacity=120",
        ],
        "horizon_days": 240,
        "seed": 7,
        "replication": 2,
    },
}


def build_scenario(case: dict[str, Any]) -> Any:
    """The scenario of a case (validated, frozen)."""
    from accesssim.scenario import Scenario, load_scenario

    if "scenario" in case:
        return Scenario.model_validate(case["scenario"])
    return load_scenario(ROOT / case["path"], case["overrides"], horizon_days=case["horizon_days"])


def _plain(value: Any) -> Any:
    """Numpy values and containers as JSON-ready Python values (float64 kept exactly)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer | bool | np.bool_):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value)
    return value


def request_digest(requests: dict[str, np.ndarray]) -> str:
    """SHA-256 of the per-request log (columns in a fixed order, their raw bytes)."""
    h = hashlib.sha256()
    for key in sorted(requests):
        col = np.ascontiguousarray(requests[key])
        h.update(key.encode())
        h.update(str(col.dtype).encode())
        h.update(col.tobytes())
    return h.hexdigest()


def record(case: dict[str, Any]) -> dict[str, Any]:
    """Run a case (twice: plain, and with the per-request log) and return its record."""
    from accesssim.model import simulate

    scenario = build_scenario(case)
    res = simulate(scenario, seed=case["seed"], replication=case["replication"])
    logged = simulate(
        scenario, seed=case["seed"], replication=case["replication"], record_requests=True
    )
    diag = res.diagnostics
    return _plain(
        {
            "requests_generated": res.requests_generated,
            "metrics": res.metrics,
            "outcomes": res.outcomes,
            "outcomes_all": res.outcomes_all,
            "wait_histogram": res.wait_histogram,
            "costs": res.costs,
            "cost_lines": res.cost_lines,
            "yearly": res.yearly,
            "weekly": res.weekly,
            "communes_mt_coverage": res.communes["mt_coverage"],
            "diagnostics": {k: v for k, v in diag.items() if k != "counters"},
            "counters": diag["counters"],
            "requests_sha256": request_digest(logged.requests),
        }
    )


def same(a: Any, b: Any) -> bool:
    """Exact equality of records (NaN equals NaN; floats compared with ``==``)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    status = 0
    for name, case in CASES.items():
        path = GOLDEN / f"{name}.json"
        doc = {"case": case, "expected": record(case)}
        if args.check:
            old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
            ok = old is not None and same(old["expected"], doc["expected"])
            print(f"{path.relative_to(ROOT)}: {'identical' if ok else 'DIFFERENT'}")
            status |= not ok
            continue
        path.write_text(json.dumps(doc, indent=1, allow_nan=True) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
