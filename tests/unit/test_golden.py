"""Golden results: three small runs must give exactly the numbers stored in tests/golden/.

Each ``tests/golden/*.json`` holds a case (a scenario, a seed, a replication) and the record of
its run: every metric, the outcome counts, the requests generated, the wait histogram, the
kernel counters, the costs, the weekly series, the coverage by commune and a SHA-256 digest of
the per-request log (outcome, appointment time and GP of every request). The cases are varied on
purpose: a 20,000-inhabitant aspatial territory with every policy block on; Monts du Lyonnais
(30 communes) over 200 days; and Monts du Lyonnais with the CPTS contract plus installations,
retirements and a larger MT-access mission.

The comparison is exact: integers and floats with ``==`` (NaN equal to NaN), no tolerance. The
model is deterministic given its seed (named PCG64 streams, a kernel that draws nothing, the
same floating-point operations in the same order), so any difference means the results
changed. A refactoring or an optimisation must leave every file identical.

The stored values are refreshed only by running ``python tools/refresh_golden.py``
deliberately, when a change of results is intended (and said so); this test never writes them.
The test imports the case definitions and the record function from that tool, so both always
compute the same record.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from helpers import load_tool

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


TOOL = load_tool("refresh_golden")
FILES = sorted(GOLDEN.glob("*.json"))


def _differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Paths where two records differ (exact comparison, NaN equal to NaN)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{where}.{k}: missing" for k in expected.keys() - actual.keys()]
        out += [f"{where}.{k}: unexpected" for k in actual.keys() - expected.keys()]
        for k in expected.keys() & actual.keys():
            out += _differences(expected[k], actual[k], f"{where}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: length {len(expected)} != {len(actual)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += _differences(e, a, f"{where}[{i}]")
        return out
    if isinstance(expected, float) and isinstance(actual, float):
        if (math.isnan(expected) and math.isnan(actual)) or expected == actual:
            return []
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def test_golden_files_match_the_cases_of_the_tool() -> None:
    assert [p.stem for p in FILES] == sorted(TOOL.CASES)
    for path in FILES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        # The stored case is the tool's case (JSON round trip: tuples become lists).
        assert doc["case"] == json.loads(json.dumps(TOOL.CASES[path.stem])), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_results_are_bit_for_bit_the_golden_ones(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    # JSON round trip of the fresh record, as the stored one went through it.
    actual = json.loads(json.dumps(TOOL.record(doc["case"]), allow_nan=True))
    diff = _differences(doc["expected"], actual)
    assert not diff, (
        f"{path.name}: {len(diff)} value(s) differ from the golden results "
        "(refresh with tools/refresh_golden.py only if the change is intended):\n"
        + "\n".join(diff[:40])
    )
