"""Results on disk: tidy long tables in Parquet, written as runs finish.

A results directory holds:

* ``parts/<table>/<key>.parquet``: one file per finished run and table, written atomically
  (temporary file + rename), so an interrupted experiment loses nothing that finished;
* ``metrics.parquet`` (scenario, point, replication, seed, metric, value), ``years.parquet``
  (the same with a ``year`` column: the metrics of each measurement year), ``weekly.parquet``,
  ``outcomes.parquet``, ``outcomes_weekday.parquet``, ``outcomes_hour.parquet``,
  ``costs.parquet`` (year, item, payer, eur, eur_discounted: every act and every policy's own
  cost by year of the measurement window), ``yearly.parquet`` (year, measure, value: effects by
  year), ``communes.parquet``, ``waits.parquet``: the parts gathered into one table each (CSV
  copies on request);
* ``scenarios/<label>.yaml``: each resolved scenario, exactly as run;
* ``experiment.json``: the kind of experiment, the seeds, the package version, the command and
  the digest of what the runs depend on; written before the first run (``complete: false``)
  and again at the end;
* ``.accesssim.lock``: present while a process writes the directory.

Results never mix (docs/reliability.md): :meth:`ResultsDir.open` refuses a directory that is
not empty unless it holds the same experiment and ``resume`` is asked (its finished runs are
kept, a damaged part file is redone), or ``overwrite`` is asked (what accesssim wrote there is
removed; a directory holding other files is never emptied). The same experiment means the
same digest (:func:`runs_digest`): scenarios as resolved, seed and replications, not the
metrics shown, the executor or a description. A second process writing the same directory is
refused while the first holds the lock (a lock left by a killed process is taken over).
Every file is written to a temporary name, flushed to disk (``fsync``) and renamed, with the
permissions the umask gives; a file-system error is one message naming the directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from accesssim._version import __version__
from accesssim.i18n import _
from accesssim.model.result import RunResult
from accesssim.scenario.errors import InputError, Problem
from accesssim.scenario.schema import Scenario
from accesssim.vocabulary import HOUR_BANDS, KIND_NAMES, OUTCOME_NAMES, WEEKDAY_NAMES

__all__ = [
    "LOCK_NAME",
    "TABLES",
    "ResultsDir",
    "StoredRun",
    "atomic_write_bytes",
    "compare_digest",
    "dump_scenario_yaml",
    "labels_for",
    "outcome_profiles",
    "run_digest",
    "run_tables",
    "runs_digest",
    "safe_label",
    "seeds_record",
    "write_comparison",
]

LOCK_NAME = ".accesssim.lock"

TABLES = (
    "metrics",
    "weekly",
    "outcomes",
    "outcomes_weekday",
    "outcomes_hour",
    "costs",
    "yearly",
    "communes",
    "waits",
    "years",
)


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
    result: RunResult,
    scenario: str,
    point: int = 0,
    extra: Mapping[str, Any] | None = None,
    only: Collection[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tidy tables of one run, keyed by (scenario, point, replication, seed): all of
    :data:`TABLES`, or those named in ``only`` (an optimisation keeps two of them, a sweep
    three: building only those takes a five-year run 3 ms instead of 24 ms)."""
    key = {
        "scenario": scenario,
        "point": point,
        "replication": result.replication,
        "seed": result.seed,
    }
    if extra:
        key.update(extra)
    out = {}
    for name, build in _BUILDERS.items():
        if only is not None and name not in only:
            continue
        df = build(result)
        for i, (col, val) in enumerate(key.items()):
            df.insert(i, col, val)
        out[name] = df
    return out


def _metrics_table(result: RunResult) -> pd.DataFrame:
    return pd.DataFrame({"metric": list(result.metrics), "value": list(result.metrics.values())})


def _years_table(result: RunResult) -> pd.DataFrame:
    from accesssim.model.result import year_rows

    return pd.DataFrame(year_rows(result), columns=["year", "metric", "value"])


def _weekly_table(result: RunResult) -> pd.DataFrame:
    weekly_cols = {k: v for k, v in result.weekly.items() if k not in ("week", "day")}
    weekly = pd.DataFrame(weekly_cols)
    weekly.insert(0, "day", result.weekly["day"])
    weekly.insert(0, "week", result.weekly["week"])
    return weekly.melt(id_vars=["week", "day"], var_name="series", value_name="value")


def _outcomes_table(result: RunResult) -> pd.DataFrame:
    rows = []
    for window, table in (("measured", result.outcomes), ("all", result.outcomes_all)):
        for k, kind in enumerate(KIND_NAMES):
            for o, outcome in enumerate(OUTCOME_NAMES):
                rows.append((window, kind, outcome, int(table[k, o])))
    return pd.DataFrame(rows, columns=["window", "kind", "outcome", "count"])


def _costs_table(result: RunResult) -> pd.DataFrame:
    return pd.DataFrame(
        result.cost_lines or {"year": [], "item": [], "payer": [], "eur": [], "eur_discounted": []}
    ).astype({"year": np.int64, "eur": np.float64, "eur_discounted": np.float64})


def _yearly_table(result: RunResult) -> pd.DataFrame:
    return pd.DataFrame(result.yearly or {"year": [], "measure": [], "value": []}).astype(
        {"year": np.int64, "value": np.float64}
    )


def _waits_table(result: RunResult) -> pd.DataFrame:
    hist = result.wait_histogram
    nz = np.nonzero(hist)
    return pd.DataFrame(
        {
            "kind": [KIND_NAMES[k] for k in nz[0]],
            "days": nz[1].astype(np.int64),
            "count": hist[nz].astype(np.int64),
        }
    )


# How each table of :func:`run_tables` is built from a run (the names of :data:`TABLES`).
_BUILDERS: dict[str, Callable[[RunResult], pd.DataFrame]] = {
    "metrics": _metrics_table,
    "years": _years_table,
    "weekly": _weekly_table,
    "outcomes": _outcomes_table,
    "outcomes_weekday": lambda r: _profile_table(r.outcomes_by_weekday, "weekday", WEEKDAY_NAMES),
    "outcomes_hour": lambda r: _profile_table(
        r.outcomes_by_hour, "hour_band", [b[0] for b in HOUR_BANDS]
    ),
    "costs": _costs_table,
    "yearly": _yearly_table,
    "communes": lambda r: pd.DataFrame(r.communes),
    "waits": _waits_table,
}


def _profile_table(counts: np.ndarray | None, column: str, names: Sequence[str]) -> pd.DataFrame:
    """A tally ``[kind, band, outcome]`` of measured requests as a long table (kind, band,
    outcome, count)."""
    rows = []
    if counts is not None:
        for k, kind in enumerate(KIND_NAMES):
            for b, band in enumerate(names):
                for o, outcome in enumerate(OUTCOME_NAMES):
                    rows.append((kind, band, outcome, int(counts[k, b, o])))
    return pd.DataFrame(rows, columns=["kind", column, "outcome", "count"])


def _read_profile(df: pd.DataFrame, column: str, names: Sequence[str]) -> np.ndarray:
    """The tally ``[kind, band, outcome]`` of a table written by :func:`_profile_table`."""
    counts = np.zeros((len(KIND_NAMES), len(names), len(OUTCOME_NAMES)), dtype=np.int64)
    for kind, band, outcome, count in zip(
        df["kind"], df[column], df["outcome"], df["count"], strict=True
    ):
        counts[KIND_NAMES.index(kind), list(names).index(band), OUTCOME_NAMES.index(outcome)] = (
            count
        )
    return counts


def outcome_profiles(
    results: Sequence[RunResult | StoredRun],
) -> dict[str, dict[str, dict[str, float]]]:
    """Mean counts per replication of measured requests by weekday of arrival and by hour band,
    every kind together, outcome by outcome (``ed_direct``: straight to the ED; ``ed``: after a
    failed search): the ``outcomes_by_weekday`` and ``outcomes_by_hour_band`` of the JSON
    output."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for key, attr, names in (
        ("outcomes_by_weekday", "outcomes_by_weekday", WEEKDAY_NAMES),
        ("outcomes_by_hour_band", "outcomes_by_hour", [b[0] for b in HOUR_BANDS]),
    ):
        tallies = [getattr(r, attr) for r in results if getattr(r, attr) is not None]
        if not tallies:
            continue
        mean = np.mean([t.sum(axis=0) for t in tallies], axis=0)  # [band, outcome]
        out[key] = {
            band: {o: float(mean[b, i]) for i, o in enumerate(OUTCOME_NAMES)}
            for b, band in enumerate(names)
        }
    return out


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # pragma: no cover - not Linux
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


def _fs_error(path: Path | str, exc: OSError, what: str = "--out") -> InputError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileExistsError | NotADirectoryError):
        reason = _("Not a directory (a file stands where a folder of the path should be)")
    text = _("cannot write: {reason}").format(reason=reason)
    return InputError([Problem(str(path), None, what, text)])


def atomic_write_bytes(data: bytes, path: Path | str, what: str = "--out") -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, flushed to
    disk, given the permissions the umask allows (as ``open`` would), then renamed.

    Raises
    ------
    InputError
        A file-system error (read-only, full, not a folder, no permission), as one problem.
    """
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _fs_error(path.parent, exc, what) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


@contextlib.contextmanager
def _signals_deferred() -> Any:
    """Hold Ctrl-C and SIGTERM back while one run is written, so that a run is either wholly
    on disk or not at all (the signal is acted upon right after)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _atomic_write_parquet(df: pd.DataFrame, path: Path) -> None:
    atomic_write_bytes(_parquet_bytes(df), path)


def _atomic_write_text(text: str, path: Path) -> None:
    atomic_write_bytes(text.encode("utf-8"), path)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _valid_parquet(path: Path) -> bool:
    """Whether a part file is a whole Parquet file (its footer reads)."""
    import pyarrow.parquet as pq

    try:
        if path.stat().st_size == 0:
            return False
        pq.read_metadata(path)
    except Exception:  # any unreadable file is redone
        return False
    return True


#: Scenario fields that never change a run (free text): left out of the digest.
PROSE_FIELDS = ("description", "sources")


def without_prose(data: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's plain data without its free text (:data:`PROSE_FIELDS`)."""
    return {k: v for k, v in data.items() if k not in PROSE_FIELDS}


def runs_digest(kind: str, payload: Mapping[str, Any]) -> str:
    """Fingerprint of what a directory's runs depend on (kind, scenarios, seeds, replications).

    ``payload`` holds plain data and :class:`Scenario` objects (their description and sources
    are left out). What does not change a run (the metrics shown, the executor, the number of
    workers, a description) must not be in it, so that ``--resume`` accepts such changes.
    """

    def plain(value: Any) -> Any:
        if isinstance(value, Scenario):
            return without_prose(value.model_dump(mode="json", by_alias=True))
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    text = json.dumps({"kind": kind, **plain(payload)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: What accesssim writes in a results directory (``--overwrite`` removes only these).
_OWN = re.compile(
    r"^(parts|scenarios|experiment\.json|experiment\.yaml|design\.parquet|report\.html"
    r"|(metrics|weekly|outcomes|outcomes_weekday|outcomes_hour|costs|yearly|communes|waits"
    r"|years|differences|cost_per_gain|acceptability|differences_by_year)\.(parquet|csv)"
    r"|sensitivity-[\w-]+\.parquet|\.tmp-.*|\.accesssim\.lock"
    r"|(mixes|estimates|comparisons|robustness|prim-trajectory|prim-boxes|feature-scores)\.parquet"
    r"|pareto\.json|discovery\.json)$"
)


@dataclass
class StoredRun:
    """A finished run read back from a results directory (for ``--resume``): what summaries,
    comparisons and advice need (metrics, costs, cost lines, effects by year, outcome
    counts, weekly series)."""

    replication: int
    seed: int
    metrics: dict[str, float]
    costs: dict[str, float] = field(default_factory=dict)
    cost_lines: dict[str, list] = field(default_factory=dict)
    yearly: dict[str, list] = field(default_factory=dict)
    weekly: dict[str, np.ndarray] = field(default_factory=dict)
    outcomes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    outcomes_all: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    outcomes_by_weekday: np.ndarray | None = None
    outcomes_by_hour: np.ndarray | None = None
    by_year: list[dict[str, float]] = field(default_factory=list)  # metrics of each year


class ResultsDir:
    """A results directory (see the module docstring)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None

    # -- opening -----------------------------------------------------------------------------
    def prepare(self) -> ResultsDir:
        """Create the directory if needed (no check of its content: see :meth:`open`)."""
        if self.path.exists() and not self.path.is_dir():
            raise InputError(
                [Problem(str(self.path), None, "--out", _("exists and is not a directory"))]
            )
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _fs_error(self.path, exc) from None
        return self

    def open(
        self, *, kind: str, digest: str, resume: bool = False, overwrite: bool = False
    ) -> ResultsDir:
        """Take the directory for an experiment; refuse to mix it with other results.

        Parameters
        ----------
        kind, digest
            What is about to be written (:func:`runs_digest`).
        resume
            Continue the same experiment (same digest): finished runs are kept.
        overwrite
            Remove what accesssim wrote there first (never other files).

        Raises
        ------
        InputError
            The directory holds other results (or other files), another process writes it,
            or it cannot be created; each with what to do instead.
        """
        if resume and overwrite:
            raise self._problem(_("--resume and --overwrite exclude each other: choose one"))
        self.prepare()
        self._lock()
        try:
            self._check(kind, digest, resume, overwrite)
        except BaseException:
            self.close()
            raise
        return self

    def _problem(self, reason: str) -> InputError:
        return InputError([Problem(str(self.path), None, "--out", reason)])

    def _entries(self) -> list[str]:
        try:
            return sorted(n for n in os.listdir(self.path) if n != LOCK_NAME)
        except OSError as exc:
            raise _fs_error(self.path, exc) from None

    def _check(self, kind: str, digest: str, resume: bool, overwrite: bool) -> None:
        entries = self._entries()
        if not entries:
            return
        meta = self._meta_or_none()
        same = meta is not None and meta.get("digest") == digest and meta.get("kind") == kind
        if overwrite:
            foreign = [n for n in entries if not _OWN.match(n)]
            if foreign:
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise self._problem(
                    _(
                        "holds files accesssim did not write ({files}); --overwrite only "
                        "replaces a results directory: choose another --out"
                    ).format(files=shown)
                )
            for name in entries:
                target = self.path / name
                try:
                    if target.is_dir() and not target.is_symlink():
                        shutil.rmtree(target)
                    else:
                        target.unlink()
                except OSError as exc:
                    raise _fs_error(self.path, exc) from None
            return
        if resume and same:
            self._clean_for_resume()
            return
        if same and not self.done_keys():
            return  # the same experiment, stopped before any run finished: nothing to mix
        if resume:
            old = meta.get("digest") if meta is not None else None
            if meta is None:
                why = _("holds no readable experiment.json, so what produced its files is unknown")
            elif meta.get("kind") == kind:
                why = _(
                    "holds a {kind} whose runs differ: the scenario(s), seed or replications "
                    "changed since it was written (digest {old}, now {digest})"
                ).format(kind=kind, old=old or _("none"), digest=digest)
            else:
                why = _(
                    "holds another experiment ({other}, digest {old}; this one is {kind}, "
                    "digest {digest})"
                ).format(
                    other=meta.get("kind", "?"), old=old or _("none"), kind=kind, digest=digest
                )
            raise self._problem(
                _(
                    "{why}; --resume continues the same experiment only (same scenarios, seed "
                    "and replications): use --overwrite to replace it, or another --out"
                ).format(why=why)
            )
        if same:
            raise self._problem(
                _(
                    "holds results of this same experiment: add --resume to continue it, or "
                    "--overwrite to start again"
                )
            )
        if meta is not None:
            what = _("results of another experiment ({kind})").format(kind=meta.get("kind", "?"))
        else:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            what = _("files ({files})").format(files=shown)
        raise self._problem(
            _(
                "is not empty: it holds {what}. Results are never mixed: use another --out, "
                "or --overwrite to replace them"
            ).format(what=what)
        )

    def _meta_or_none(self) -> dict[str, Any] | None:
        try:
            meta = json.loads((self.path / "experiment.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def _clean_for_resume(self) -> None:
        """Remove temporary files and every part of a run whose files are damaged."""
        parts = self.path / "parts"
        if not parts.is_dir():
            return
        try:
            for tmp in parts.rglob(".tmp-*"):
                tmp.unlink(missing_ok=True)
            bad: set[str] = set()
            for folder in parts.iterdir():
                if folder.is_dir():
                    bad.update(
                        p.stem
                        for p in folder.glob("*.parquet")
                        if not p.name.startswith(".") and not _valid_parquet(p)
                    )
            for key in bad:
                for name in TABLES:
                    self.part_path(name, key).unlink(missing_ok=True)
        except OSError as exc:
            raise _fs_error(self.path, exc) from None

    # -- the lock ----------------------------------------------------------------------------
    def _lock(self) -> None:
        """Hold ``.accesssim.lock`` (an advisory ``flock``, released by the system when the
        holder dies, so a lock left by a killed process is taken over)."""
        import fcntl

        path = self.path / LOCK_NAME
        for _attempt in range(10):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            except OSError as exc:
                raise _fs_error(self.path, exc) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode("utf-8", "replace").split()
                os.close(fd)
                pid = holder[0] if holder else "?"
                host = holder[1] if len(holder) > 1 else _("this machine")
                raise self._problem(
                    _(
                        "another accesssim process (pid {pid} on {host}) is writing this "
                        "directory: wait for it to finish, or use another --out"
                    ).format(pid=pid, host=host)
                ) from None
            # The file may have been removed by its previous holder between open and flock.
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
            self._lock_fd = fd
            return
        raise self._problem(_("could not take the lock file .accesssim.lock"))  # pragma: no cover

    def close(self) -> None:
        """Release the lock (removing its file)."""
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path / LOCK_NAME)
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ResultsDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- parts -------------------------------------------------------------------------------
    def part_path(self, table: str, key: str) -> Path:
        return self.path / "parts" / table / f"{key}.parquet"

    def write_run(self, key: str, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write one finished run; the metrics part is written last (it marks completion).
        Ctrl-C and SIGTERM wait until the run is written."""
        blobs = {name: _parquet_bytes(df) for name, df in tables.items()}
        with _signals_deferred():
            for name in TABLES:
                if name != "metrics" and name in blobs:
                    atomic_write_bytes(blobs[name], self.part_path(name, key))
            atomic_write_bytes(blobs["metrics"], self.part_path("metrics", key))
            _fsync_dir(self.part_path("metrics", key).parent)

    def done_keys(self) -> set[str]:
        """Keys of the runs whose metrics part exists (finished runs)."""
        folder = self.path / "parts" / "metrics"
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("[!.]*.parquet")}

    def stored_runs(self, label: str, perspective: str = "amo") -> list[StoredRun]:
        """The finished runs of one scenario label (keys ``<label>-r<replication>``), read
        back for summaries when an experiment is resumed (``perspective``: the scenario's
        ``costs.perspective``, for the policies' own costs)."""
        from accesssim.model.costing import cost_summary

        prefix = f"{label}-r"
        out = []
        for key in sorted(k for k in self.done_keys() if k.startswith(prefix)):
            if not key[len(prefix) :].isdigit():
                continue
            m = pd.read_parquet(self.part_path("metrics", key))
            run = StoredRun(
                replication=int(m["replication"].iloc[0]),
                seed=int(m["seed"].iloc[0]),
                metrics={str(k): float(v) for k, v in zip(m["metric"], m["value"], strict=True)},
            )
            costs = self.part_path("costs", key)
            if costs.exists():
                c = pd.read_parquet(costs)
                if "item" in c.columns:
                    run.cost_lines = {col: c[col].tolist() for col in c.columns}
                    run.costs = cost_summary(run.cost_lines, perspective)["policies"]
                else:  # results of an older version: euros by policy
                    run.costs = {
                        str(k): float(v) for k, v in zip(c["policy"], c["eur"], strict=True)
                    }
            yearly = self.part_path("yearly", key)
            if yearly.exists():
                y = pd.read_parquet(yearly)
                run.yearly = {col: y[col].tolist() for col in y.columns}
            weekly = self.part_path("weekly", key)
            if weekly.exists():
                w = pd.read_parquet(weekly)
                run.weekly = {
                    str(name): part.sort_values("week")["value"].to_numpy(dtype=float)
                    for name, part in w.groupby("series", sort=False)
                }
            outcomes = self.part_path("outcomes", key)
            if outcomes.exists():
                o = pd.read_parquet(outcomes)
                for window, attr in (("measured", "outcomes"), ("all", "outcomes_all")):
                    table = np.zeros((len(KIND_NAMES), len(OUTCOME_NAMES)), dtype=np.int64)
                    part = o[o["window"] == window]
                    for kind, outcome, count in zip(
                        part["kind"], part["outcome"], part["count"], strict=True
                    ):
                        table[KIND_NAMES.index(kind), OUTCOME_NAMES.index(outcome)] = count
                    setattr(run, attr, table)
            for table, column, names, attr in (
                ("outcomes_weekday", "weekday", WEEKDAY_NAMES, "outcomes_by_weekday"),
                ("outcomes_hour", "hour_band", [b[0] for b in HOUR_BANDS], "outcomes_by_hour"),
            ):
                path = self.part_path(table, key)
                if path.exists():
                    setattr(run, attr, _read_profile(pd.read_parquet(path), column, names))
            years = self.part_path("years", key)
            if years.exists():
                y = pd.read_parquet(years)
                run.by_year = [
                    {str(k): float(v) for k, v in zip(g["metric"], g["value"], strict=True)}
                    for _, g in y.groupby("year", sort=True)
                ]
            out.append(run)
        return out

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
                _atomic_write_text(df.to_csv(index=False), self.path / f"{name}.csv")
            tables[name] = df
        return tables

    def write_table(self, name: str, df: pd.DataFrame, csv: bool = False) -> None:
        """Write a whole-experiment table (``differences``, ``design``, ...)."""
        _atomic_write_parquet(df, self.path / f"{name}.parquet")
        if csv:
            _atomic_write_text(df.to_csv(index=False), self.path / f"{name}.csv")

    # -- metadata ----------------------------------------------------------------------------
    def write_scenario(self, label: str, scenario: Scenario) -> Path:
        path = self.path / "scenarios" / f"{label}.yaml"
        _atomic_write_text(dump_scenario_yaml(scenario), path)
        return path

    def write_text(self, name: str, text: str) -> Path:
        path = self.path / name
        _atomic_write_text(text, path)
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
    """Short unique labels (file stems, made safe by :func:`safe_label`) for scenario files."""
    labels: list[str] = []
    for p in paths:
        stem = safe_label(Path(p).stem)
        label, i = stem, 2
        while label in labels:
            label, i = f"{stem}-{i}", i + 1
        labels.append(label)
    return labels


#: Longest label (scenario name or file stem) used in file names: ``<label>-r00000.parquet``
#: and ``<base>-vs-<alternative>-<key>`` stay well under the usual 255-byte limit.
MAX_LABEL = 60


def safe_label(name: str) -> str:
    """A scenario name usable in file names: letters, digits, ``._-`` only, at most
    :data:`MAX_LABEL` characters (a long name keeps its start and a short hash of the rest, so
    two long names stay distinct)."""
    label = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "scenario"
    if len(label) > MAX_LABEL:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        label = f"{label[: MAX_LABEL - 9].rstrip('-.')}-{digest}"
    return label


def write_comparison(
    comparison: Any,
    path: Path | str,
    *,
    executor: str = "processes",
    csv: bool = False,
    extra_meta: Mapping[str, Any] | None = None,
    store: ResultsDir | None = None,
    replications: int | None = None,
) -> Path:
    """Write a finished :class:`~accesssim.experiment.compare.Comparison` as a results
    directory (what ``accesssim compare --out DIR`` and the app both write): the resolved
    scenarios, one part per replication not yet on disk, ``experiment.json``, the consolidated
    tables, ``differences``, ``cost_per_gain``, ``acceptability`` and ``differences_by_year``
    (the paired differences of every metric, year by year).

    ``store`` is an open :class:`ResultsDir` (the command line opens it before running, so
    runs are written as they finish, with the digest of the ``replications`` asked for);
    without it the directory is opened with ``overwrite`` (the app names each directory after
    what it holds).
    """
    own = store is None
    digest = ""
    if store is None:
        labels = comparison.labels
        digest = compare_digest(
            labels, [r.scenario for r in comparison.runs], comparison.seed, comparison.n
        )
        store = ResultsDir(path).open(kind="compare", digest=digest, overwrite=True)
    try:
        labels = comparison.labels
        done = store.done_keys()
        for label, run in zip(labels, comparison.runs, strict=True):
            store.write_scenario(label, run.scenario)
            for result in run.results:
                key = f"{label}-r{result.replication:05d}"
                if key not in done and hasattr(result, "wait_histogram"):
                    store.write_run(key, run_tables(result, label))
        reps = sorted({r.replication for run in comparison.runs for r in run.results})
        meta = {
            "kind": "compare",
            "digest": digest
            if own
            else compare_digest(
                labels, [r.scenario for r in comparison.runs], comparison.seed, replications
            ),
            "baseline": labels[0],
            "alternatives": labels[1:],
            "scenarios": {lab: f"scenarios/{lab}.yaml" for lab in labels},
            "seed": comparison.seed,
            "replications": reps,
            "seeds": seeds_record(comparison.seed, reps),
            "complete": comparison.complete,
            "executor": executor,
        }
        meta.update(extra_meta or {})
        store.write_meta(meta)
        store.consolidate(csv=csv)
        store.write_table("differences", comparison.differences(), csv=csv)
        store.write_table("cost_per_gain", comparison.cost_per_gain(), csv=csv)
        store.write_table("acceptability", comparison.acceptability(), csv=csv)
        store.write_table("differences_by_year", comparison.differences_by_year(), csv=csv)
    finally:
        if own:
            store.close()
    return store.path


def compare_digest(
    labels: Sequence[str], scenarios: Sequence[Scenario], seed: int, replications: int | None
) -> str:
    """Digest of a comparison's runs: each labelled resolved scenario in order (the first is
    the baseline), the root seed and the number of replications."""
    return runs_digest(
        "compare",
        {
            "scenarios": [[lab, sc] for lab, sc in zip(labels, scenarios, strict=True)],
            "seed": int(seed),
            "replications": replications,
        },
    )


def run_digest(label: str, scenario: Scenario, seed: int, replications: int | str) -> str:
    """Digest of a ``run`` experiment's runs: the resolved scenario, the root seed and the
    number of replications (``"auto"`` for automatic replications)."""
    return runs_digest(
        "run", {"scenarios": {label: scenario}, "seed": int(seed), "replications": replications}
    )
