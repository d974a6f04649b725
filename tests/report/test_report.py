"""The planner's report (``accesssim report`` and ``--report``), end to end.

One module-scoped fixture writes three small results directories with the installed command
line, each with ``--report`` (3,000 inhabitants, 120 days of which 28 of warm-up):

* ``run``: an aspatial territory, 2 replications (the map is replaced by a sentence);
* ``compare``: a three-commune territory with coordinates against a variant whose shared rota
  starts on day 56 and whose new health centre opens on an ISO date (vertical lines), 2
  paired replications;
* ``sweep``: a 2 x 2 grid, 1 replication per point.

Then: every figure is present and drawn; the page is self-contained (no URL, no script, CSS
for A4 print); building twice, in-process or by another process, gives identical bytes;
figures leave no global matplotlib state behind; bad input gives one message and exit code 2;
and headless Chromium opens the page, renders it (screenshot not blank) and finds its title.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure

import accesssim
from accesssim.report import figures as F
from accesssim.report import load_results, report
from accesssim.report.describe import policy_events
from accesssim.report.maps import commune_maps, has_coordinates
from accesssim.wording import fmt_date
from chromium import CHROMIUM, FLAGS, assert_drawn, needs_chromium
from helpers import ALT, BASE

Cli = Callable[..., subprocess.CompletedProcess[str]]

ASPATIAL = """\
name: tiny-aspatial
population: {size: 3000}
calendar: {horizon_days: 120, warmup_days: 28}
gps: {count: 3}
"""

GRID = """\
name: tiny-grid
base: base.yaml
factors:
  - {path: gps.count, levels: [2, 4]}
  - {path: policies.teleconsultation.platform_daily_capacity, range: [0, 6], name: platform}
design: {kind: grid, levels: 2}
replications: 1
metrics: [unscheduled_within_48h_share, mt_coverage_end]
executor: serial
"""

# Figures expected in each report: weekly series (4), waits, outcomes, [forest], [map];
# sweep: one sensitivity chart and one response plot per metric of interest.
EXPECTED_FIGURES = {"run": 6, "compare": 10, "sweep": 4}  # compare: + acceptability curves
TITLES = {
    "run": "Access to primary care: aspatial",
    "compare": "Policy comparison: alt against base",
    "sweep": "Sweep: tiny-grid",
}


@pytest.fixture(scope="module")
def results(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Results directories of each kind, each written with --report."""
    root = tmp_path_factory.mktemp("report")
    for name, text in (
        ("base.yaml", BASE),
        ("alt.yaml", ALT),
        ("aspatial.yaml", ASPATIAL),
        ("grid.yaml", GRID),
    ):
        (root / name).write_text(text, encoding="utf-8")
    common = ["--replications", "2", "--executor", "serial", "--report"]
    commands = {
        "run": ["run", "aspatial.yaml", *common, "--format", "json", "--out", "run"],
        "compare": ["compare", "base.yaml", "alt.yaml", *common, "--out", "compare"],
        "sweep": ["sweep", "grid.yaml", "--out", "sweep", "--report", "--format", "json"],
    }
    out = {}
    for kind, args in commands.items():
        proc = cli(*args, cwd=root, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "report written to" in proc.stderr
        out[kind] = root / kind
    return out


def html_of(results: dict[str, Path], kind: str) -> str:
    return (results[kind] / "report.html").read_text(encoding="utf-8")


KINDS = pytest.mark.parametrize("kind", ["run", "compare", "sweep"])


@KINDS
def test_report_written_with_its_sections(results: dict[str, Path], kind: str) -> None:
    html = html_of(results, kind)
    assert html.startswith("<!DOCTYPE html>")
    assert f"<h1>{TITLES[kind]}" in html
    assert "How to read this report" in html
    assert "Tiny CPTS" in html or kind == "run"
    assert "3,000 inhabitants" in html
    meta = json.loads((results[kind] / "experiment.json").read_text(encoding="utf-8"))
    created = dt.date.fromisoformat(meta["created"][:10])
    assert fmt_date(created) in html  # the results' own date, not the report's
    assert "accesssim " + accesssim.__version__ in html
    if kind == "run":
        assert "No map: the territory is aspatial" in html
        assert "Headline indicators over the measured period" in html
    if kind == "compare":
        for text in (
            "Differences with the baseline (base)",
            "Cost per unit of gain",
            "Shared CPTS rota (SAS offer)",
            "3 March 2025 (day 56)",  # the rota's start, in words
            "17 March 2025 (day 70)",  # the health centre, an ISO date in the scenario
            "Where people lack a médecin traitant",
            "DREES 2018 survey",
        ):
            assert text in html, text
    if kind == "sweep":
        for text in ("Factors varied by the design", "Which levers matter most", "platform"):
            assert text in html, text


@KINDS
def test_every_figure_is_present_and_drawn(results: dict[str, Path], kind: str) -> None:
    html = html_of(results, kind)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) == EXPECTED_FIGURES[kind]
    assert html.count("<figure") == len(svgs)
    for svg in svgs:
        assert 'viewBox="0 0 ' in svg
        # Drawable content: paths with data (axes, glyphs, lines, bars), not an empty canvas.
        paths = re.findall(r'<path[^>]* d="([^"]+)"', svg)
        assert len(paths) >= 10, svg[:200]
        assert sum(len(d) for d in paths) > 2000
    captions = re.findall(r"<figcaption>.*?</figcaption>", html, flags=re.DOTALL)
    assert len(captions) == len(svgs)
    for cap in captions:
        assert "How to read it:" in cap
        assert "Uncertainty:" in cap


@KINDS
def test_page_is_self_contained_and_prints_on_a4(results: dict[str, Path], kind: str) -> None:
    html = html_of(results, kind)
    assert not re.search(r"https?://", html)
    assert 'src="//' not in html
    assert "@import" not in html
    assert not re.search(r"<(script|link|iframe|object|embed)\b", html, flags=re.IGNORECASE)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    for target in re.findall(r"url\(([^)]*)\)", html):
        assert target.startswith(("#", "data:")), target
    for src in re.findall(r'\ssrc="([^"]*)"', html):
        assert src.startswith("data:"), src
    assert html.count("<style>") == 1
    assert "@page { size: A4; margin: 15mm; }" in html
    assert "@media print" in html
    assert "break-inside: avoid" in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique across inline figures"


@KINDS
def test_same_results_give_the_same_bytes(
    results: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    first = report(results[kind], tmp_path / "a.html").read_bytes()
    second = report(results[kind], tmp_path / "b.html").read_bytes()
    assert first == second
    # ... and the same as the report written by the command line, in another process.
    assert first == (results[kind] / "report.html").read_bytes()


def test_public_api_and_default_path(results: dict[str, Path], tmp_path: Path) -> None:
    assert "report" in accesssim.__all__
    assert accesssim.report is report
    copy = tmp_path / "copy"
    shutil.copytree(results["run"], copy)
    (copy / "report.html").unlink()
    assert report(copy) == copy / "report.html"
    assert (copy / "report.html").is_file()
    nested = report(copy, tmp_path / "new" / "folder" / "r.html")
    assert nested.is_file()


def test_figures_leave_no_global_state(results: dict[str, Path], tmp_path: Path) -> None:
    before = dict(matplotlib.rcParams)
    report(results["compare"], tmp_path / "r.html")
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.rcParams["svg.hashsalt"] is None
    # No pyplot: a fresh interpreter that builds a report never imports it.
    code = (
        "import sys; from accesssim import report; "
        f"report({str(results['compare'])!r}, {str(tmp_path / 'p.html')!r}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_figure_functions_return_figures(results: dict[str, Path]) -> None:
    res = load_results(results["compare"])
    weekly, waits = res.table("weekly"), res.table("waits")
    outcomes, communes, diffs = (
        res.table("outcomes"),
        res.table("communes"),
        res.table("differences"),
    )
    labels = res.labels
    alt = res.scenarios["alt"]
    events = policy_events(alt)
    # The rota starts on day 56; the health centre's ISO date is day 70.
    assert [(e.day, e.label) for e in events] == [(56, "same-day slots start"), (70, "+1 GP")]
    cal = alt.calendar
    fig = F.weekly_series(
        weekly,
        "coverage",
        warmup_days=cal.warmup_days,
        horizon_days=cal.horizon_days,
        start_date=cal.start_date,
        events=events,
        labels=labels,
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.lines) == len(labels) + len(events)  # one mean line each, one line an event
    assert len(ax.patches) >= 1  # the warm-up
    waits_fig = F.wait_distribution(waits, labels=labels)
    legend_texts = [t.get_text() for t in waits_fig.legends[0].get_texts()]
    assert "DREES 2018, all GP appointments: median 2, mean 6 days" in legend_texts
    assert {"simulated median", "simulated mean"} <= set(legend_texts)
    assert has_coordinates(communes)
    for fig in (
        waits_fig,
        F.outcome_flows(outcomes, labels=labels),
        F.differences_forest(diffs, metrics=["ed_visits_per_1000"], labels=["alt"]),
        commune_maps(communes, label=labels[0]),
        commune_maps(communes, label=labels[1], reference=labels[0]),
    ):
        assert isinstance(fig, Figure)
        assert fig.canvas.get_default_filetype() == "png"  # the Agg canvas
        svg = F.figure_svg(fig, prefix="t")
        assert svg.startswith("<svg")
        assert "<path" in svg
    shares = F.outcome_shares(outcomes)
    total = shares.groupby(["scenario", "replication"])["share"].sum()
    assert (total - 1).abs().max() < 1e-12


def test_sweep_figures(results: dict[str, Path]) -> None:
    res = load_results(results["sweep"])
    indices, design, metrics = (
        res.table("sensitivity-indices"),
        res.table("design"),
        res.table("metrics"),
    )
    assert set(indices["method"]) == {"grid"}
    factor = F.top_factor(indices, "mt_coverage_end")
    assert factor in {"gps.count", "platform"}
    assert isinstance(F.sensitivity_tornado(indices, "mt_coverage_end"), Figure)
    assert isinstance(F.response_scatter(design, metrics, "mt_coverage_end", factor), Figure)
    lo, hi = F.prcc_interval(0.5, n=50, k=4)
    assert -1 < lo < 0.5 < hi < 1


def test_aspatial_communes_are_not_mapped(results: dict[str, Path]) -> None:
    communes = pd.read_parquet(results["run"] / "communes.parquet")
    assert not has_coordinates(communes)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "results directory not found"),
        ("empty", "no experiment.json"),
        ("unknown-kind", "unknown kind of results 'banana'"),
        ("bad-json", "is not valid JSON"),
        ("file", "not a directory"),
    ],
)
def test_bad_results_dir_is_one_clear_message(
    cli: Cli, tmp_path: Path, setup: str, message: str
) -> None:
    target = tmp_path / "results"
    if setup == "empty":
        target.mkdir()
    elif setup == "unknown-kind":
        target.mkdir()
        (target / "experiment.json").write_text('{"kind": "banana"}', encoding="utf-8")
    elif setup == "bad-json":
        target.mkdir()
        (target / "experiment.json").write_text("{not json", encoding="utf-8")
    elif setup == "file":
        target.write_text("x", encoding="utf-8")
    proc = cli("report", target)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("report.html"))


def test_report_flag_needs_out(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "aspatial.yaml").write_text(ASPATIAL, encoding="utf-8")
    proc = cli("run", "aspatial.yaml", "--report", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--report" in proc.stderr
    assert "--out" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli("compare", "aspatial.yaml", "aspatial.yaml", "--report", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_report_command_writes_where_asked(
    cli: Cli, results: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere" / "sweep.html"
    proc = cli("report", results["sweep"], "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (results["sweep"] / "report.html").read_bytes()


@needs_chromium
def test_chromium_renders_the_report(results: dict[str, Path], tmp_path: Path) -> None:
    page = results["compare"] / "report.html"
    png = tmp_path / "shot.png"
    base = [str(CHROMIUM), *FLAGS]
    shot = subprocess.run(
        [
            *base,
            f"--user-data-dir={tmp_path / 'profile-1'}",
            f"--screenshot={png}",
            "--window-size=1280,2000",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert png.is_file(), shot.stderr[-2000:]
    assert_drawn(png, (1280, 2000))
    dom = subprocess.run(
        [*base, f"--user-data-dir={tmp_path / 'profile-2'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert TITLES["compare"] in dom.stdout
    assert dom.stdout.count("<svg") == EXPECTED_FIGURES["compare"]
