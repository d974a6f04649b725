"""Results on disk: tidy long tables in Parquet, written as runs finish.

A results directory holds:

* ``parts/<table>/<key>.parquet``: one file per finished run and table, written atomically
  (temporary file + rename), so an interrupted experiment loses nothing that finished;
* ``metrics.parquet`` (scenario, point, replication, seed, metric, value), ``weekly.parquet``,
  ``outcomes.parquet``, ``costs.parquet`` (year, item, payer, eur, eur_discounted: every act
  and every policy's own cost by year of the measurement window), ``yearly.parquet`` (year,
  measure, value: effects by year), ``communes.parquet``, ``waits.parquet``: the parts
  gathered into one table each (CSV copies on request);
* ``scenarios/<label>.yaml``: each resolved scenario, exactly as run;
* ``experiment.json``: the kind of experiment, the seeds, the package version and the command.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from accesssim._version import __version__
from accesssim.model.result import RunResult
from accesssim.scenario.schema import Scenario
from accesssim.vocabulary import KIND_NAMES, OUTCOME_NAMES

__all__ = ["TABLES", "ResultsDir", "dump_scenario_yaml", "run_tables"]

TABLES = ("metrics", "weekly", "outcomes", "costs", "yearly", "communes", "waits")


def dump_scenario_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML; loading it gives the same scenario back."""
    from ruamel.yaml import YAML

    data = scenario.model_dump(mode="json", by_alias=True)
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False
    buf = io.StringIO()
    buf.write(f"# Resolved scenario written by accesssim {__version__}; run it as is.\n")
    y.dump(data, buf)
    return buf.getvalue()


def run_tables(
    result: RunResult, scenario: str, point: int = 0, extra: Mapping[str, Any] | None = None
) -> dict[str, pd.DataFrame]:
    """The tidy tables of one run, keyed by (scenario, point, replication, seed)."""
    key = {
        "scenario": scenario,
        "point": point,
        "replication": result.replication,
        "seed": result.seed,
    }
    if extra:
        key.update(extra)
    metrics = pd.DataFrame({"metric": list(result.metrics), "value": list(result.metrics.values())})
    weekly_cols = {k: v for k, v in result.weekly.items() if k not in ("week", "day")}
    weekly = pd.DataFrame(weekly_cols)
    weekly.insert(0, "day", result.weekly["day"])
    weekly.insert(0, "week", result.weekly["week"])
    weekly = weekly.melt(id_vars=["week", "day"], var_name="series", value_name="value")
    rows = []
    for window, table in (("measured", result.outcomes), ("all", result.outcomes_all)):
        for k, kind in enumerate(KIND_NAMES):
            for o, outcome in enumerate(OUTCOME_NAMES):
                rows.append((window, kind, outcome, int(table[k, o])))
    outcomes = pd.DataFrame(rows, columns=["window", "kind", "outcome", "count"])
    costs = pd.DataFrame(
        result.cost_lines or {"year": [], "item": [], "payer": [], "eur": [], "eur_discounted": []}
    ).astype({"year": np.int64, "eur": np.float64, "eur_discounted": np.float64})
    yearly = pd.DataFrame(result.yearly or {"year": [], "measure": [], "value": []}).astype(
        {"year": np.int64, "value": np.float64}
    )
    communes = pd.DataFrame(result.communes)
    hist = result.wait_histogram
    nz = np.nonzero(hist)
    waits = pd.DataFrame(
        {
            "kind": [KIND_NAMES[k] for k in nz[0]],
            "days": nz[1].astype(np.int64),
            "count": hist[nz].astype(np.int64),
        }
    )
    out = {
        "metrics": metrics,
        "weekly": weekly,
        "outcomes": outcomes,
        "costs": costs,
        "yearly": yearly,
        "communes": communes,
        "waits": waits,
    }
    for name, df in out.items():
        for i, (col, val) in enumerate(key.items()):
            df.insert(i, col, val)
        out[name] = df
    return out


def _atomic_write_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".parquet")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write_text(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


class ResultsDir:
    """A results directory (see the module docstring)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def prepare(self) -> ResultsDir:
        """Create the directory (an existing one is kept: resumable experiments)."""
        if self.path.exists() and not self.path.is_dir():
            from accesssim.scenario.errors import InputError, Problem

            raise InputError(
                [Problem(str(self.path), None, "--out", "exists and is not a directory")]
            )
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    # -- parts -------------------------------------------------------------------------------
    def part_path(self, table: str, key: str) -> Path:
        return self.path / "parts" / table / f"{key}.parquet"

    def write_run(self, key: str, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write one finished run; the metrics part is written last (it marks completion)."""
        for name in TABLES:
            if name != "metrics" and name in tables:
                _atomic_write_parquet(tables[name], self.part_path(name, key))
        _atomic_write_parquet(tables["metrics"], self.part_path("metrics", key))

    def done_keys(self) -> set[str]:
        """Keys of the runs whose metrics part exists (finished runs)."""
        folder = self.path / "parts" / "metrics"
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("*.parquet") if not p.name.startswith(".tmp-")}

    def consolidate(self, csv: bool = False) -> dict[str, pd.DataFrame]:
        """Gather the parts of finished runs into one table each; return them."""
        done = self.done_keys()
        tables: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            files = [self.part_path(name, k) for k in sorted(done)]
            files = [f for f in files if f.exists()]
            if not files:
                continue
            df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
            sort = [c for c in ("scenario", "point", "replication") if c in df.columns]
            df = df.sort_values(sort, kind="stable").reset_index(drop=True)
            _atomic_write_parquet(df, self.path / f"{name}.parquet")
            if csv:
                df.to_csv(self.path / f"{name}.csv", index=False)
            tables[name] = df
        return tables

    # -- metadata ----------------------------------------------------------------------------
    def write_scenario(self, label: str, scenario: Scenario) -> Path:
        path = self.path / "scenarios" / f"{label}.yaml"
        _atomic_write_text(dump_scenario_yaml(scenario), path)
        return path

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        base = {
            "accesssim_version": __version__,
            "python": sys.version.split()[0],
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": sys.argv,
        }
        base.update(meta)
        _atomic_write_text(
            json.dumps(base, indent=2, default=str) + "\n", self.path / "experiment.json"
        )

    def read_meta(self) -> dict[str, Any]:
        return json.loads((self.path / "experiment.json").read_text(encoding="utf-8"))


def seeds_record(seed: int, replications: Iterable[int]) -> list[dict[str, Any]]:
    """How each replication's random numbers were seeded (for experiment.json)."""
    return [
        {"replication": int(r), "entropy": int(seed), "spawn_key": [int(r)]} for r in replications
    ]


def labels_for(paths: Sequence[str | Path]) -> list[str]:
    """Short unique labels (file stems) for scenario files."""
    labels: list[str] = []
    for p in paths:
        stem = Path(p).stem
        label, i = stem, 2
        while label in labels:
            label, i = f"{stem}-{i}", i + 1
        labels.append(label)
    return labels
