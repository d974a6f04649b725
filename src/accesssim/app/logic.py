"""Everything the web app does except drawing widgets; no Streamlit import here.

The app is a thin layer over the public API, and this module is that layer:

* **Territories.** :func:`seed_territories` finds the seed baseline files (``scenarios/``) in
  the working directory, in the installed package, or in the repository of an editable
  install; :func:`load_seed` and :func:`load_upload` read one as a :class:`Baseline` (an
  uploaded file gets the command line's ``FILE:LINE: field.path: reason`` problems, with the
  file's own name).
* **Levers.** :data:`BLOCKS` lists the levers of every policy block, each with its unit and the
  schema's description. :func:`lever_defaults` gives the baseline's values (an unchanged lever
  means "as today"); :func:`build_overrides` turns the levers' values into ``--set``-style
  overrides, and :func:`resolve` applies them with the loading functions of the command line
  (:func:`~accesssim.scenario.apply_overrides`, :func:`~accesssim.scenario.validate_document`),
  so errors read the same.
* **Runs.** :func:`run_comparison` runs the baseline and the alternative with the same seeds
  (:func:`accesssim.compare`; with automatic replications, :func:`accesssim.replicate` with an
  :class:`~accesssim.AutoStop` on the baseline first). :class:`RunCache` keeps every finished
  replication under (scenario content, seed, replication) and every finished comparison under
  (baseline, alternative, seed, replications), so going back to an earlier setting is instant
  and an unchanged baseline is never run twice.
* **Results.** :func:`write_results_dir` writes an ordinary ``accesssim compare --out``
  directory; :func:`figure_images` draws the report's figures from it
  (:mod:`accesssim.report.figures` via :func:`~accesssim.report.load_results`), and
  :func:`report_html` builds the HTML report (:func:`accesssim.report`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import math
import os
import shlex
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
from pydantic import BaseModel

from accesssim._version import __version__
from accesssim.experiment.compare import Comparison, compare
from accesssim.experiment.replicate import AutoStop, Replications, replicate
from accesssim.experiment.store import (
    dump_scenario_yaml,
    run_tables,
    safe_label,
    write_comparison,
)
from accesssim.i18n import N_, _, language
from accesssim.model import METRICS, RunResult, simulate
from accesssim.model.policies import POLICIES, POLICY_BY_KEY, Policy
from accesssim.report.describe import policy_rows, scenario_facts
from accesssim.report.tables import (
    baseline_cost_words,
    cost_year_rows,
    difference_rows,
    icer_rows,
    perspective_costs,
)
from accesssim.scenario import (
    Document,
    InputError,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_document,
    validate_document,
)
from accesssim.scenario.errors import printable
from accesssim.scenario.loading import decode_text
from accesssim.scenario.schema import Policies
from accesssim.vocabulary import HEADLINE_METRICS
from accesssim.wording import fmt_int, pct

__all__ = [
    "BLOCKS",
    "EXCLUDED",
    "SEEDS",
    "Baseline",
    "Block",
    "FigureImage",
    "Lever",
    "Outcome",
    "RunCache",
    "RunSettings",
    "cli_equivalent",
    "comparison_key",
    "cost_table",
    "cost_year_table",
    "default_horizon",
    "differences_table",
    "figure_images",
    "lever_defaults",
    "load_seed",
    "load_upload",
    "map_image",
    "perspective_note",
    "report_html",
    "resolve",
    "results_root",
    "run_comparison",
    "scenario_digest",
    "scenario_dirs",
    "seed_label",
    "seed_territories",
    "territory_facts",
    "write_results_dir",
]

# ---------------------------------------------------------------------------------------------
# Seed territories
# ---------------------------------------------------------------------------------------------

#: The seed baselines offered in the app (file stem -> what it is), smallest first.
SEEDS: dict[str, str] = {
    "haute-combraille-volcans": N_("CPTS Haute-Combraille Volcans (rural Puy-de-Dôme)"),
    "monts-du-lyonnais": N_("CPTS des Monts du Lyonnais (rural and peri-urban, west of Lyon)"),
    "venissieux": N_("CPTS de Vénissieux (urban, south-east of Lyon)"),
    "loire-forez": N_("CPTS Loire-Forez (Loire)"),
    "france-baseline": N_("A national-average territory of 100,000 people (aspatial)"),
    "lyon-metropole": N_("Métropole de Lyon (1.3 million people: a replication takes seconds)"),
}

#: Seed files not offered, and why.
EXCLUDED: dict[str, str] = {
    "auvergne-rhone-alpes": N_(
        "the whole region (8 million inhabitants) is too big for interactive use: run it with "
        "`accesssim compare` on the command line"
    ),
}

#: Above this population an uploaded territory gets a warning (runs take a while).
LARGE_POPULATION = 1_000_000

#: Environment variables read by the app (documented in docs/app.md).
ENV_HORIZON = "ACCESSSIM_APP_HORIZON"
ENV_RESULTS = "ACCESSSIM_APP_RESULTS"


def scenario_dirs(cwd: Path | None = None) -> list[Path]:
    """Where seed scenarios are looked for, in order: ``<cwd>/scenarios``, the package's
    ``accesssim/scenarios`` (an installed wheel), the repository root next to ``src/`` (an
    editable install). Only existing folders are returned."""
    cwd = Path.cwd() if cwd is None else cwd
    candidates = [cwd / "scenarios"]
    with contextlib.suppress(ModuleNotFoundError, TypeError):  # a zipped package: skip
        candidates.append(Path(str(resources.files("accesssim") / "scenarios")))
    here = Path(__file__).resolve()
    if len(here.parents) > 3 and here.parents[2].name == "src":
        candidates.append(here.parents[3] / "scenarios")
    out: list[Path] = []
    for c in candidates:
        if c.is_dir() and c.resolve() not in {o.resolve() for o in out}:
            out.append(c)
    return out


def seed_territories(cwd: Path | None = None) -> dict[str, Path]:
    """The seed baselines found (stem -> file), in the order of :data:`SEEDS`; each stem from
    the first folder of :func:`scenario_dirs` that has it."""
    dirs = scenario_dirs(cwd)
    found: dict[str, Path] = {}
    for stem in SEEDS:
        for d in dirs:
            path = d / f"{stem}.yaml"
            if path.is_file():
                found[stem] = path
                break
    return found


#: Short names for the territory list.
SHORT_NAMES: dict[str, str] = {
    "haute-combraille-volcans": N_("Haute-Combraille Volcans"),
    "monts-du-lyonnais": N_("Monts du Lyonnais"),
    "venissieux": N_("Vénissieux"),
    "loire-forez": N_("Loire-Forez"),
    "france-baseline": N_("France average, aspatial"),
    "lyon-metropole": N_("Métropole de Lyon"),
}


@functools.lru_cache(maxsize=64)
def _population_of(path: str, mtime: float) -> int | None:
    try:
        data = load_document(path).data
    except InputError:
        return None
    pop = data.get("population") or {}
    size = pop.get("size") if isinstance(pop, dict) else None
    if isinstance(size, int):
        return size
    communes = (data.get("territory") or {}).get("communes") or []
    total = sum(c.get("population", 0) for c in communes if isinstance(c, dict))
    return int(total) if total else None


def seed_label(stem: str, path: Path | str) -> str:
    """``Monts du Lyonnais (49,047 inhabitants)``: how a seed is listed."""
    path = Path(path)
    try:
        pop = _population_of(str(path), path.stat().st_mtime)
    except OSError:
        pop = None
    name = _(SHORT_NAMES.get(stem, stem))
    if not pop:
        return name
    return _("{name} ({n} inhabitants)").format(name=name, n=fmt_int(pop))


# ---------------------------------------------------------------------------------------------
# Baselines: a seed file or an uploaded file
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """A baseline document as read (overlays resolved), before any override."""

    ident: str  # stable id: "seed:<stem>" or "upload:<sha256 prefix>"
    source: str  # the file as the planner knows it
    document: Document
    kind: Literal["seed", "upload"]

    @property
    def horizon_days(self) -> int:
        """The file's horizon (days), or the schema default."""
        cal = self.document.data.get("calendar") or {}
        value = cal.get("horizon_days") if isinstance(cal, dict) else None
        return int(value) if isinstance(value, int) else 456


def load_seed(path: Path | str) -> Baseline:
    """Read a seed scenario file (``extends:`` resolved as on the command line)."""
    path = Path(path)
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path)
    return Baseline(
        ident=f"seed:{path.stem}", source=shown, document=load_document(path), kind="seed"
    )


def load_upload(name: str, data: bytes) -> Baseline:
    """Read an uploaded scenario file; problems name the uploaded file, never a server path.

    The bytes go through the same checks as a file on disk (size limit, UTF-8 and binary
    checks, YAML with line numbers and limits, duplicate keys refused). Nothing is written to
    disk. ``extends:`` may name only a seed scenario file (``extends:
    monts-du-lyonnais.yaml``), looked for in :func:`scenario_dirs`: a path leading anywhere
    else is refused with the same message whether or not it exists, and only regular files
    of bounded size are read (docs/reliability.md).

    Raises
    ------
    ScenarioError
        Every problem as ``FILE:LINE: field.path: reason``.
    """
    shown = safe_upload_name(name)
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        text = decode_text(data, shown)
        doc = load_document(shown, text=text, confine=scenario_dirs())
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    doc = Document(data=doc.data, origin=doc.origin, file=shown)
    return Baseline(ident=f"upload:{digest}", source=shown, document=doc, kind="upload")


def safe_upload_name(name: str) -> str:
    """The name an upload is shown under: its base name, printable, at most 120 characters."""
    base = Path(name.replace("\\", "/")).name or "uploaded.yaml"
    base = printable(base).replace("\n", " ")
    return base if len(base) <= 120 else f"{base[:100]}...{base[-16:]}"


def resolve(doc: Document, overrides: Sequence[str] = ()) -> Scenario:
    """Apply ``PATH=VALUE`` overrides to a document and validate it (as ``--set`` does).

    Raises
    ------
    ScenarioError
        Every problem, with its file, line (or the override that set it) and field path.
    """
    try:
        if overrides:
            doc = apply_overrides(doc, list(overrides), Scenario)
    except ScenarioError:
        raise
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    return validate_document(doc, Scenario)


def default_horizon(baseline: Baseline) -> int:
    """The horizon the app starts with: ``ACCESSSIM_APP_HORIZON`` when set (quick runs, tests),
    else the file's own."""
    value = os.environ.get(ENV_HORIZON, "").strip()
    if value:
        try:
            days = int(value)
        except ValueError:
            days = 0
        if days > 0:
            return days
    return baseline.horizon_days


def horizon_overrides(baseline: Baseline, horizon_days: int | None) -> list[str]:
    """``calendar.horizon_days=N`` when it differs from the file's horizon, else nothing."""
    if horizon_days is None or int(horizon_days) == baseline.horizon_days:
        return []
    return [f"calendar.horizon_days={int(horizon_days)}"]


# ---------------------------------------------------------------------------------------------
# What the planner sees of a territory
# ---------------------------------------------------------------------------------------------

_KIND_WORDS = {
    "solo": N_("solo offices"),
    "group": N_("group offices"),
    "msp": N_("health houses (MSP)"),
    "centre": N_("health centres"),
}


def territory_facts(scenario: Scenario) -> dict[str, Any]:
    """Headline facts: name, population, communes, GPs, practices, share without an MT,
    current policies (in words)."""
    facts = scenario_facts(scenario)
    pool = scenario.gps
    if pool.practices:
        counts = Counter(p.kind for p in pool.practices)
        practices = ", ".join(f"{n} {_(_KIND_WORDS[k])}" for k, n in sorted(counts.items()))
        if scenario.generated_gp_count:
            practices += _("; the {n} other GPs in generated practices").format(
                n=scenario.generated_gp_count
            )
    else:
        mix = pool.practice_mix
        practices = _(
            "generated from the practice mix: {solo} of GPs in solo offices, {group} in group "
            "offices ({group_size} GPs), {msp} in health houses (MSP, {msp_size}), {centre} in "
            "health centres ({centre_size})"
        ).format(
            solo=pct(mix.solo),
            group=pct(mix.group),
            group_size=mix.group_size,
            msp=pct(mix.msp),
            msp_size=mix.msp_size,
            centre=pct(mix.centre),
            centre_size=mix.centre_size,
        )
    facts["practices"] = practices
    facts["policies"] = policy_rows(scenario)
    return facts


# ---------------------------------------------------------------------------------------------
# Levers
# ---------------------------------------------------------------------------------------------

Widget = Literal["percent", "number", "integer", "toggle", "choice", "date", "hour"]


@dataclass(frozen=True)
class Lever:
    """One control of a policy block, in the schema's units.

    ``percent`` levers are shown in % and stored as shares; ``date`` levers are stored as
    ISO dates; every other value is stored as the schema field takes it.
    """

    block: str
    field: str
    label: str
    widget: Widget
    unit: str = ""
    minimum: float = 0.0
    maximum: float | None = None
    step: float = 1.0
    choices: tuple[tuple[str, str], ...] = ()  # (value, words)
    model: type[BaseModel] | None = None  # the schema model holding the field
    cost: bool = False

    @property
    def key(self) -> str:
        return f"{self.block}.{self.field}"

    @property
    def help(self) -> str:
        """The schema's description of the field (unit and source)."""
        if self.model is None or self.field not in self.model.model_fields:
            return ""
        text = self.model.model_fields[self.field].description
        return _(text) if text else ""

    @property
    def title(self) -> str:
        """The label with its unit, in the current language."""
        return f"{_(self.label)} ({_(self.unit)})" if self.unit else _(self.label)

    def schema_default(self) -> Any:
        if self.model is None or self.field not in self.model.model_fields:
            return None
        return self.model.model_fields[self.field].get_default(call_default_factory=True)

    def to_ui(self, value: Any) -> Any:
        """Model value -> widget value."""
        if self.widget == "percent":
            return round(100.0 * float(value), 6)
        if self.widget in ("number", "hour"):
            return float(value)
        if self.widget == "integer":
            return int(value)
        return value

    def from_ui(self, value: Any) -> Any:
        """Widget value -> model value."""
        if self.widget == "percent":
            return float(value) / 100.0
        if self.widget in ("number", "hour"):
            return float(value)
        if self.widget == "integer":
            return int(value)
        if self.widget == "date" and isinstance(value, dt.datetime):
            return value.date()
        return value


@dataclass(frozen=True)
class Block:
    """A policy block and its levers.

    ``kind="block"``: an optional mapping of ``policies`` (switched on or off);
    ``kind="entry"``: one entry added to a list (``installations``, ``retirements``) when its
    count is above 0.
    """

    name: str
    title: str
    levers: tuple[Lever, ...]
    kind: Literal["block", "entry"] = "block"
    what: str = ""

    def lever(self, field_name: str) -> Lever:
        return next(lv for lv in self.levers if lv.field == field_name)


def _block(policy: Policy) -> Block:
    """The app's controls of a policy, from the policy's own description of its levers."""
    field_type = Policies.model_fields[policy.key].annotation
    model = next(t for t in get_args(field_type) if isinstance(t, type) and t is not type(None))
    levers = tuple(
        Lever(block=policy.key, model=model, **dataclasses.asdict(lv)) for lv in policy.levers
    )
    return Block(
        policy.key,
        policy.title or policy.label,
        levers,
        kind="entry" if policy.entry else "block",
        what=policy.what,
    )


BLOCKS: tuple[Block, ...] = tuple(_block(p) for p in POLICIES)

BLOCKS_BY_NAME: dict[str, Block] = {b.name: b for b in BLOCKS}

#: Starting values of levers whose schema field has no default.
_START_VALUES: dict[str, Any] = {"medical_assistants.count_fte": 5.0}


def on_key(block: str) -> str:
    """The key of a block's on/off value."""
    return f"{block}.on"


def measure_start(scenario: Scenario) -> dt.date:
    """First measured day (end of the warm-up), the default date of arrivals and departures."""
    cal = scenario.calendar
    return cal.start_date + dt.timedelta(days=cal.warmup_days)


def lever_defaults(baseline: Scenario) -> dict[str, Any]:
    """Every lever's starting value (model units): the baseline's value when its block is in
    force, else the schema default; blocks are on when the baseline has them; arrivals and
    departures start at 0 (none), dated at the end of the warm-up."""
    values: dict[str, Any] = {}
    pol = baseline.policies
    for block in BLOCKS:
        if block.kind == "entry":
            for lv in block.levers:
                if lv.field == "count":
                    values[lv.key] = 0
                elif lv.field == "date":
                    values[lv.key] = measure_start(baseline)
                else:
                    values[lv.key] = lv.schema_default()
            continue
        current = getattr(pol, block.name)
        values[on_key(block.name)] = current is not None
        for lv in block.levers:
            value = getattr(current, lv.field) if current is not None else lv.schema_default()
            if value is None:
                value = _START_VALUES.get(lv.key)
            values[lv.key] = value
    return values


def yaml_value(value: Any) -> str:
    """A value written for ``PATH=VALUE`` (read back as YAML; JSON is valid YAML)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value}")
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, int | float) and not isinstance(b, bool):
        return math.isclose(a, float(b), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(b, float) and isinstance(a, int) and not isinstance(a, bool):
        return math.isclose(float(a), b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def build_overrides(baseline: Scenario, values: Mapping[str, Any]) -> list[str]:
    """The ``--set``-style overrides that turn the baseline into the levers' alternative.

    Only what differs from :func:`lever_defaults` is written, so unchanged levers leave the
    baseline as it is. A block switched off is set to null; a block switched on that the
    baseline does not have is written whole; an arrival or a departure with a count above 0
    is appended to the baseline's list (the list is written whole, as ``--set`` sets a list).
    """
    defaults = lever_defaults(baseline)
    merged = {**defaults, **values}
    out: list[str] = []
    pol = baseline.policies
    for block in BLOCKS:
        if block.kind == "entry":
            count = int(merged[f"{block.name}.count"])
            if count <= 0:
                continue
            entries = [
                e.model_dump(mode="json", exclude_defaults=True) for e in getattr(pol, block.name)
            ]
            entries.append({lv.field: _plain(merged[lv.key]) for lv in block.levers})
            out.append(f"policies.{block.name}={yaml_value(entries)}")
            continue
        on = bool(merged[on_key(block.name)])
        current = getattr(pol, block.name)
        if not on:
            if current is not None:
                out.append(f"policies.{block.name}=")
            continue
        if current is None:
            mapping = {lv.field: _plain(merged[lv.key]) for lv in block.levers}
            out.append(f"policies.{block.name}={yaml_value(mapping)}")
            continue
        for lv in block.levers:
            if not _same(merged[lv.key], defaults[lv.key]):
                out.append(f"policies.{block.name}.{lv.field}={yaml_value(merged[lv.key])}")
    return out


def block_cost_words(block: Block, values: Mapping[str, Any], scenario: Scenario) -> str:
    """How the block is costed, with the levers' current values (docs/policies.md)."""
    measured = scenario.calendar.horizon_days - scenario.calendar.warmup_days
    period = (
        _("over the measured {n} days").format(n=measured)
        if measured != 365
        else _("over the measured year")
    )
    prefix = f"{block.name}."
    own = {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}
    return POLICY_BY_KEY[block.name].cost_words(own, period)


def cli_equivalent(
    source: str,
    overrides: Sequence[str],
    *,
    seed: int,
    replications: int | None,
    alt_file: str = "ALTERNATIVE.yaml",
) -> str:
    """The command lines that give the same numbers as the app."""
    reps = f" --replications {replications}" if replications else " --auto"
    lines = [
        "# " + _("the alternative, from the baseline file and the levers (--set):"),
        f"accesssim run {shlex.quote(source)}{reps} --seed {seed} \\",
        *[f"    --set {shlex.quote(o)} \\" for o in overrides],
    ]
    lines[-1] = lines[-1].removesuffix(" \\")
    lines += [
        "# " + _("or the comparison, with the downloaded alternative:"),
        f"accesssim compare {shlex.quote(source)} {alt_file}{reps} --seed {seed}",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Runs and their cache
# ---------------------------------------------------------------------------------------------


def scenario_digest(scenario: Scenario) -> str:
    """A hash of the resolved scenario (its YAML as written to a results directory)."""
    return hashlib.sha256(dump_scenario_yaml(scenario).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RunSettings:
    """How many replications, with which seed, where."""

    seed: int = 0
    replications: int = 10  # fixed number (ignored when ``precision`` is set)
    precision: float | None = None  # automatic: relative CI half-width target
    max_replications: int = 50
    executor: str = "processes"

    @property
    def spec(self) -> str:
        """What the numbers depend on (the executor does not change them)."""
        if self.precision is None:
            return f"n={self.replications}"
        return f"auto={self.precision:g},max={self.max_replications}"


def comparison_key(base: Scenario, alt: Scenario, settings: RunSettings) -> str:
    """The cache key of a comparison: both scenarios' contents, the seed, the replications."""
    text = "\0".join(
        [scenario_digest(base), scenario_digest(alt), str(settings.seed), settings.spec]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FigureImage:
    """A report figure drawn for the app."""

    key: str
    title: str
    reading: str
    png: bytes


@dataclass
class Outcome:
    """A finished comparison and what the app shows of it."""

    key: str
    comparison: Comparison
    results_dir: Path
    differences: pd.DataFrame
    cost_per_gain: pd.DataFrame
    seconds: float
    computed_runs: int
    figures: list[FigureImage] | None = None
    figures_lang: str | None = None
    reports: dict[str, Path] = dataclasses.field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return self.comparison.labels

    @property
    def n(self) -> int:
        return self.comparison.n


class RunCache:
    """Finished replications and comparisons, kept in memory (least recently used dropped).

    * replications under (scenario digest, seed, replication index): the numbers of a
      replication depend on nothing else, so any comparison, any number of replications and
      the territory map reuse them;
    * the number of replications an automatic run settled on, under (baseline digest, seed,
      precision, cap);
    * comparisons (:class:`Outcome`) under :func:`comparison_key`.

    Thread-safe: the app keeps one per server process (``st.cache_resource``), shared by the
    browser tabs of the one planner who runs it.
    """

    def __init__(self, max_runs: int = 4000, max_comparisons: int = 64) -> None:
        self.max_runs = max_runs
        self.max_comparisons = max_comparisons
        self._runs: OrderedDict[tuple[str, int, int], RunResult] = OrderedDict()
        self._auto: dict[tuple[str, int, str], int] = {}
        self._outcomes: OrderedDict[str, Outcome] = OrderedDict()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._runs)

    def get_run(self, digest: str, seed: int, rep: int) -> RunResult | None:
        with self._lock:
            hit = self._runs.get((digest, seed, rep))
            if hit is not None:
                self._runs.move_to_end((digest, seed, rep))
            return hit

    def put_run(self, digest: str, seed: int, result: RunResult) -> None:
        with self._lock:
            self._runs[(digest, seed, int(result.replication))] = result
            self._runs.move_to_end((digest, seed, int(result.replication)))
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)

    def runs(self, digest: str, seed: int, reps: Sequence[int]) -> dict[int, RunResult]:
        out = {}
        for r in reps:
            hit = self.get_run(digest, seed, r)
            if hit is not None:
                out[r] = hit
        return out

    def get_auto(self, digest: str, seed: int, spec: str) -> int | None:
        with self._lock:
            return self._auto.get((digest, seed, spec))

    def put_auto(self, digest: str, seed: int, spec: str, n: int) -> None:
        with self._lock:
            self._auto[(digest, seed, spec)] = n

    def get_outcome(self, key: str) -> Outcome | None:
        with self._lock:
            hit = self._outcomes.get(key)
            if hit is not None:
                self._outcomes.move_to_end(key)
            return hit

    def put_outcome(self, outcome: Outcome) -> None:
        with self._lock:
            self._outcomes[outcome.key] = outcome
            self._outcomes.move_to_end(outcome.key)
            while len(self._outcomes) > self.max_comparisons:
                self._outcomes.popitem(last=False)


ProgressFn = Callable[[float, str], None]


def one_replication(scenario: Scenario, seed: int, cache: RunCache) -> RunResult:
    """Replication 0 of a scenario, from the cache or run here (serially)."""
    digest = scenario_digest(scenario)
    hit = cache.get_run(digest, seed, 0)
    if hit is None:
        hit = simulate(scenario, seed, 0)
        cache.put_run(digest, seed, hit)
    return hit


def labels_of(base: Scenario, alt: Scenario) -> list[str]:
    labels = [safe_label(base.name), safe_label(alt.name)]
    if labels[0] == labels[1]:
        labels[1] += "-alternative"
    return labels


def run_comparison(
    base: Scenario,
    alt: Scenario,
    settings: RunSettings,
    cache: RunCache,
    *,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    results_root_dir: Path | None = None,
) -> Outcome:
    """Compare ``alt`` with ``base`` (same seeds), reusing cached replications.

    Fixed replications: :func:`accesssim.compare` runs the replications not yet cached
    (``skip=`` the cached ones). Automatic replications: :func:`accesssim.replicate` with
    ``AutoStop(relative=precision, max_replications=cap)`` runs the baseline until its CIs
    (planned wait, needs met within 48 h, MT coverage) are within the precision; the
    alternative then runs the same number with the same seeds (paired differences are
    usually narrower than the baseline's own CIs). The comparison is written to an ordinary
    results directory (:func:`write_results_dir`).
    """
    key = comparison_key(base, alt, settings)
    hit = cache.get_outcome(key)
    if hit is not None:
        return hit
    t0 = time.perf_counter()
    labels = labels_of(base, alt)
    digests = {labels[0]: scenario_digest(base), labels[1]: scenario_digest(alt)}
    seed = settings.seed
    computed = 0

    def say(fraction: float, text: str) -> None:
        if progress is not None:
            progress(min(max(fraction, 0.0), 1.0), text)

    def keep(label: str, result: RunResult) -> None:
        nonlocal computed
        computed += 1
        cache.put_run(digests[label], seed, result)

    if settings.precision is None:
        n = int(settings.replications)
    else:
        spec = settings.spec
        n_auto = cache.get_auto(digests[labels[0]], seed, spec)
        if n_auto is None:
            say(0.0, _("Baseline: adding replications until the precision is reached"))

            def auto_progress(done: int, total: int) -> None:
                say(
                    0.5 * done / max(total, 1),
                    _(
                        "Baseline: {done} of at least {total} replications (precision ±{p}, at "
                        "most {cap})"
                    ).format(
                        done=done,
                        total=total,
                        p=pct(float(settings.precision or 0)),
                        cap=settings.max_replications,
                    ),
                )

            stop = AutoStop(
                relative=float(settings.precision),
                max_replications=int(settings.max_replications),
            )
            reps = replicate(
                base,
                0,  # first batch: AutoStop.min_replications (replicate's default is 10)
                seed=seed,
                executor=settings.executor,
                workers=workers,
                auto=stop,
                progress=auto_progress,
                on_result=lambda r: keep(labels[0], r),
            )
            n_auto = reps.n
            cache.put_auto(digests[labels[0]], seed, spec, n_auto)
        n = n_auto
    have = {lab: cache.runs(digests[lab], seed, range(n)) for lab in labels}
    skip = {lab: set(have[lab]) for lab in labels}
    todo = sum(n - len(s) for s in skip.values())
    offset = 0.5 if settings.precision is not None else 0.0
    if todo:
        say(offset, _("Running {todo} replication(s) of {n} per scenario").format(todo=todo, n=n))

        def on_progress(done: int, total: int) -> None:
            say(
                offset + (0.95 - offset) * done / max(total, 1),
                _("{done} of {total} replication(s) run ({n} per scenario, same seeds)").format(
                    done=done, total=total, n=n
                ),
            )

        cmp = compare(
            base,
            [alt],
            n,
            seed,
            labels=labels,
            executor=settings.executor,
            workers=workers,
            progress=on_progress,
            on_result=keep,
            skip=skip,
        )
        if not cmp.complete:
            raise KeyboardInterrupt
        for lab, run in zip(labels, cmp.runs, strict=True):
            for r in run.results:
                have[lab][r.replication] = r
    runs = [
        Replications(scenario=sc, seed=seed, results=[have[lab][r] for r in sorted(have[lab])])
        for lab, sc in zip(labels, (base, alt), strict=True)
    ]
    comparison = Comparison(labels=labels, runs=runs, seed=seed)
    say(0.98, _("Writing the results directory"))
    root = results_root_dir if results_root_dir is not None else results_root()
    out_dir = root / f"{labels[0]}-vs-{labels[1]}-{key[:12]}"
    write_results_dir(comparison, out_dir, executor=settings.executor)
    outcome = Outcome(
        key=key,
        comparison=comparison,
        results_dir=out_dir,
        differences=comparison.differences(),
        cost_per_gain=comparison.cost_per_gain(),
        seconds=time.perf_counter() - t0,
        computed_runs=computed,
    )
    cache.put_outcome(outcome)
    say(1.0, _("Done"))
    return outcome


# ---------------------------------------------------------------------------------------------
# Results directory, figures, report
# ---------------------------------------------------------------------------------------------


def results_root() -> Path:
    """Where the app writes results directories: ``ACCESSSIM_APP_RESULTS``, else a folder
    ``accesssim-app`` in the system's temporary directory."""
    value = os.environ.get(ENV_RESULTS, "").strip()
    return Path(value) if value else Path(tempfile.gettempdir()) / "accesssim-app"


def write_results_dir(comparison: Comparison, path: Path, *, executor: str = "processes") -> Path:
    """Write a comparison as ``accesssim compare --out DIR`` does, through the same writer
    (:func:`accesssim.experiment.store.write_comparison`; ``differences_by_year.parquet``
    included); the directory, named after what it holds, is replaced if it exists."""
    labels = comparison.labels
    command = [
        "accesssim",
        "compare",
        *[f"scenarios/{lab}.yaml" for lab in labels],
        "--replications",
        str(comparison.n),
        "--seed",
        str(comparison.seed),
    ]
    return write_comparison(
        comparison,
        path,
        executor=executor,
        extra_meta={"command": command, "written_by": f"accesssim app {__version__}"},
    )


def _png(fig: Any, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure_images(results_dir: Path | str) -> list[FigureImage]:
    """The report's figures of a comparison results directory, as PNG images: those of the
    figure catalogue (:func:`accesssim.report.catalogue.figures`), with the same titles and
    captions as the report; the maps drawn larger."""
    from accesssim.report import catalogue, load_results

    res = load_results(results_dir)
    return [
        FigureImage(f.key, f.title, f"{f.reading} {f.uncertainty}", _png(f.draw()))
        for f in catalogue.figures(res, map_width=MAP_WIDTH, map_fontsize=MAP_FONTSIZE)
    ]


#: The app's maps are drawn wider than the report's (inches at 110 dpi), with larger names.
MAP_WIDTH = 11.0
MAP_FONTSIZE = 8.5


def map_image(scenario: Scenario, seed: int, cache: RunCache) -> bytes | None:
    """The per-commune maps of the baseline (one replication), or None for an aspatial
    territory (one place, or communes without coordinates)."""
    from accesssim.report.maps import commune_maps, has_coordinates

    communes = scenario.territory.communes
    if len(communes) < 2 or any(c.lat is None or c.lon is None for c in communes):
        return None
    result = one_replication(scenario, seed, cache)
    label = safe_label(scenario.name)
    table = run_tables(result, label, only=("communes",))["communes"]
    if not has_coordinates(table):
        return None
    fig = commune_maps(table, label=label, width=MAP_WIDTH, fontsize=MAP_FONTSIZE)
    return _png(fig)


def report_html(outcome: Outcome) -> bytes:
    """The HTML report of the comparison in the current language (built once per language,
    then read from the results dir)."""
    from accesssim.report import report

    lang = language()
    path = outcome.results_dir / f"report-{lang}.html"
    if outcome.reports.get(lang) is None or not path.is_file():
        outcome.reports[lang] = report(outcome.results_dir, path)
    return outcome.reports[lang].read_bytes()


def ensure_figures(outcome: Outcome) -> list[FigureImage]:
    """The comparison's figures in the current language (drawn once per language)."""
    lang = language()
    if outcome.figures is None or outcome.figures_lang != lang:
        outcome.figures = figure_images(outcome.results_dir)
        outcome.figures_lang = lang
    return outcome.figures


def baseline_cost(outcome: Outcome) -> str:
    """Why the baseline has a policy cost (what today's policies cost), in words."""
    base = outcome.comparison.runs[0]
    names = {p["key"]: p["name"] for p in policy_rows(base.scenario)}
    costs: dict[str, float] = {}
    for r in base.results:
        for k, v in r.costs.items():
            costs[k] = costs.get(k, 0.0) + float(v) / len(base.results)
    return baseline_cost_words(costs, names)


# ---------------------------------------------------------------------------------------------
# Tables for the page
# ---------------------------------------------------------------------------------------------


def differences_table(outcome: Outcome, all_metrics: bool = False) -> pd.DataFrame:
    """Paired differences as the page shows them (:func:`accesssim.report.tables.
    difference_rows`): plain labels with units and the better direction, CIs, a reading."""
    metrics = list(METRICS) if all_metrics else list(HEADLINE_METRICS)
    rows = difference_rows(outcome.differences, outcome.labels[1], metrics)
    return pd.DataFrame(
        [
            {
                _("indicator (unit)"): f"{r.short} ({r.unit})",
                _("better"): r.better,
                _("baseline"): r.base,
                _("alternative"): r.alt,
                _("difference"): r.diff,
                _("95 % CI"): r.ci,
                _("change"): r.change,
                _("reading"): r.reading,
                "metric": r.metric,
            }
            for r in rows
        ]
    )


def cost_table(outcome: Outcome) -> pd.DataFrame:
    """Cost-effectiveness against the baseline, as the page shows it
    (:func:`accesssim.report.tables.icer_rows`): extra cost, gain and cost per unit of gain
    (ICER), each with its 95 % CI, and the reading."""
    return pd.DataFrame(
        [
            {
                _("gain (unit)"): r.description,
                _("extra cost [95 % CI]"): f"{r.cost} {r.cost_ci}".strip(),
                _("gain [95 % CI]"): f"{r.effect} {r.effect_ci}".strip(),
                _("cost per unit of gain [95 % CI]"): f"{r.icer} {r.icer_ci}".strip(),
                _("reading"): r.case,
            }
            for r in icer_rows(outcome.cost_per_gain)
        ]
    )


def cost_year_table(outcome: Outcome) -> pd.DataFrame:
    """The alternative's extra cost by item and year (mean paired difference, discounted
    euros; :func:`accesssim.report.tables.cost_year_rows`)."""
    import pandas as pd

    base, alt = outcome.labels[0], outcome.labels[1]
    frames = []
    for label, run in zip(outcome.labels, outcome.comparison.runs, strict=False):
        for r in run.results:
            if r.cost_lines:
                frames.append(
                    pd.DataFrame(r.cost_lines).assign(scenario=label, replication=r.replication)
                )
    if not frames:
        return pd.DataFrame()
    persp = outcome.comparison.runs[0].scenario.costs.perspective
    frame = perspective_costs(pd.concat(frames, ignore_index=True), {base: persp, alt: persp})
    years, rows = cost_year_rows(frame, alt, base)
    return pd.DataFrame(
        [
            {
                _("item"): r.label,
                **{_("year {n}").format(n=y): v for y, v in zip(years, r.years, strict=True)},
                **({_("all years"): r.total} if len(years) > 1 else {}),
            }
            for r in rows
        ]
    )


def perspective_note(outcome: Outcome) -> str:
    """Whose costs are counted and at which discount rate, in words."""
    from accesssim.wording import pct, perspective_words

    c = outcome.comparison.runs[0].scenario.costs
    return _("Costs to {who}, discounted at {rate} a year.").format(
        who=perspective_words(c.perspective), rate=pct(c.discount_rate)
    )
