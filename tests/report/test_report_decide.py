"""The report of an optimisation, and of a sweep on which ``accesssim discover`` ran.

A small optimisation (5,000 inhabitants, 150 days, three levers searched exhaustively) and a
small crossed sweep (two mixes at 16 uncertainty samples, then discover) are written with the
installed command line and ``--report``. Then: the decision sections are present with their
figures drawn, the page is self-contained, building twice gives identical bytes, and the
figure functions return figures from the tables alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from accesssim.report import figures_decide as FD
from accesssim.report import report

BASE = """\
name: tiny
population: {size: 5000}
calendar: {horizon_days: 150, warmup_days: 28}
gps: {count: 4}
policies:
  unscheduled_slots: {reserved_share: 0.2, release_day: same, release_time_hours: 12}
  teleconsultation: {platform_daily_capacity: 0}
  nurses: {fte: 0}
"""

OPTIMISE = """\
name: tiny-opt
base: base.yaml
levers:
  - {path: policies.unscheduled_slots.reserved_share, range: [0.1, 0.4], step: 0.1,
     name: reserved_share}
  - {path: policies.teleconsultation.platform_daily_capacity, range: [0, 8], step: 4,
     name: tele}
  - {path: policies.nurses.fte, range: [0, 1], step: 1, name: nurses}
budget: {amount_eur: 40000, per: year}
objectives:
  - {metric: unscheduled_within_48h_share, sense: maximise}
  - {metric: wait_planned_mean_days, sense: minimise}
  - {metric: policy_cost_eur, sense: minimise, indifference: 1000}
search: {algorithm: exhaustive}
replications: 2
confirm: {finalists: 4, first_stage: 4, batch: 2, max_replications: 6}
executor: serial
"""

SWEEP = """\
name: tiny-robust
base: base.yaml
levers:
  - {path: policies.teleconsultation.platform_daily_capacity, range: [0, 10], name: tele}
mixes:
  - {name: today, values: {tele: 0}}
  - {name: platform, values: {tele: 8}}
uncertainties:
# Up to one departure a year per GP: over 122 measured days some of the 4 GPs leave in some
# samples (each GP's departure draw is keyed, so a rate decides whether it comes in time).
  - {path: gps.other_departure_rate, range: [0.0, 1.0], name: departures}
  - {path: gps.attractiveness, range: [0.3, 1.0], name: installations}
design: {kind: lhs, points: 16, seed: 1}
thresholds:
  - {metric: unscheduled_within_48h_share, min: 0.9}
executor: serial
"""


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory, cli) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("decide")
    (tmp / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp / "opt.yaml").write_text(OPTIMISE, encoding="utf-8")
    (tmp / "sweep.yaml").write_text(SWEEP, encoding="utf-8")
    res = cli("optimise", tmp / "opt.yaml", "--out", tmp / "opt", "--report", timeout=600)
    assert res.returncode == 0, res.stderr
    res = cli("sweep", tmp / "sweep.yaml", "--out", tmp / "sweep", timeout=600)
    assert res.returncode == 0, res.stderr
    res = cli("discover", tmp / "sweep", "--report", timeout=600)
    assert res.returncode == 0, res.stderr
    return {"optimise": tmp / "opt", "discover": tmp / "sweep"}


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)


def test_optimisation_report(dirs: dict[str, Path], tmp_path: Path) -> None:
    html = (dirs["optimise"] / "report.html").read_text(encoding="utf-8")
    for text in (
        "<h1>Optimisation: tiny-opt",
        "The best mixes for the budget",
        "The Pareto front: access against cost",
        "The confirmed Pareto set: mean [95 % CI]",
        "Which differences between the mixes of the set are real",
        "The levers and the search",
        "as today (the baseline)",
        "KN-type",
    ):
        assert text in html, text
    figures = svgs(html)
    assert len(figures) == 1
    assert len(re.findall(r'<path[^>]* d="', figures[0])) >= 10
    assert not re.search(r"https?://", html)
    again = report(dirs["optimise"], tmp_path / "again.html").read_bytes()
    assert again == (dirs["optimise"] / "report.html").read_bytes()


def test_discovery_report(dirs: dict[str, Path], tmp_path: Path) -> None:
    html = (dirs["discover"] / "report.html").read_text(encoding="utf-8")
    assert "Where each mix fails: robustness and scenario discovery" in html
    assert "Robustness of each mix across the uncertainty samples" in html
    assert "mix=platform" in html  # sensitivity to the mix, not to collinear levers
    again = report(dirs["discover"], tmp_path / "again.html").read_bytes()
    assert again == (dirs["discover"] / "report.html").read_bytes()


def test_decision_figures_from_the_tables(dirs: dict[str, Path]) -> None:
    mixes = pd.read_parquet(dirs["optimise"] / "mixes.parquet")
    objectives = [
        {"metric": "unscheduled_within_48h_share", "sense": "maximise"},
        {"metric": "wait_planned_mean_days", "sense": "minimise"},
    ]
    assert isinstance(FD.pareto_front(mixes, objectives, budget=40000.0), Figure)
    traj = pd.DataFrame(
        {
            "mix": ["a"] * 3,
            "step": [0, 1, 2],
            "coverage": [1.0, 0.9, 0.7],
            "density": [0.3, 0.5, 0.8],
            "mass": [1.0, 0.6, 0.3],
            "n": [30, 18, 9],
            "restricted": [0, 1, 2],
            "chosen": [False, False, True],
        }
    )
    assert isinstance(FD.prim_peeling(traj, "a"), Figure)
    scores = pd.read_parquet(dirs["discover"] / "feature-scores.parquet")
    mix = str(scores["mix"].iloc[0])
    assert isinstance(FD.feature_score_bars(scores, mix), Figure)


def test_discovery_words_in_french(dirs: dict[str, Path], cli, tmp_path: Path) -> None:
    """``discover --lang fr`` and the French report give the PRIM box's conditions and the
    thresholds in French; ``discovery.json`` keeps its English words."""
    import json
    import shutil

    from accesssim.i18n import using

    # A threshold that the mixes miss when GPs retire fast: each gets a PRIM box.
    sweep = Path(shutil.copytree(dirs["discover"], tmp_path / "sweep"))
    wide = {"COLUMNS": "200"}
    res = cli("discover", sweep, "--threshold", "mt_coverage_end>=0.9", "--lang", "fr", env=wide)
    assert res.returncode == 0, res.stderr
    disc = json.loads((sweep / "discovery.json").read_text(encoding="utf-8"))
    boxes = [i["box"] for i in disc["mixes"].values() if i.get("box") and i["box"]["limits"]]
    assert boxes, "the sweep gives no PRIM box to word"
    assert all(re.search(r" is (between|above|below) \d", b["words"]) for b in boxes)
    assert disc["thresholds"] == [{"metric": "mt_coverage_end", "min": 0.9, "max": None}]
    english = (" is between ", " is above ", " is below ", ">= 0.9")
    shown = res.stdout
    assert re.search(
        r"échoue surtout quand \w+ (est entre|est au-dessus de|est en dessous de) \d", shown
    )
    assert "Adultes avec un MT ≥ 90,0\u202f%" in shown
    assert [w for w in english if w in shown] == []
    with using("fr"):
        html = report(sweep, tmp_path / "fr.html").read_text(encoding="utf-8")
    assert re.search(r"(est entre|est au-dessus de|est en dessous de) \d", html)
    assert "Adultes avec un MT ≥ 90,0\u202f%" in html
    assert "Où chaque combinaison échoue : robustesse et découverte de scénarios" in html
    assert "échoue surtout quand" in html
    assert "Boîte PRIM" in html
    sentences = ("fails mostly when", "Where each mix fails", "PRIM box (", "Maximum regret")
    assert [w for w in (*english, *sentences) if w in html] == []
