"""Calibration targets: does the baseline look like France?

Each target is a published French figure (../shared/CALIBRATION.md) with a tolerance, a
scenario it applies to and the metric that measures it. :func:`calibration_table` runs the
scenarios (replications with common seeds) and returns, per target, the simulated mean, its
95 % CI and whether the mean lies within the tolerance. ``accesssim calibrate`` prints it;
docs/calibration.md holds it as generated. Nothing here adjusts a parameter: the defaults were
fitted beforehand (see docs/calibration.md) and this table measures them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from accesssim._version import __version__
from accesssim.analysis import mean_ci
from accesssim.experiment.replicate import Replications, replicate
from accesssim.i18n import N_
from accesssim.model import RunResult

__all__ = [
    "TARGETS",
    "Target",
    "calibration_markdown",
    "calibration_table",
    "fmt_target",
    "write_markdown",
]

START = "<!-- calibration-table:start -->"
END = "<!-- calibration-table:end -->"


@dataclass(frozen=True)
class Target:
    """A published figure the baseline must reproduce."""

    key: str
    label: str
    scenario: str  # "france" or "lyon"
    value: Callable[[RunResult], float]
    low: float
    high: float
    published: str
    source: str
    unit: str = ""


def _m(name: str) -> Callable[[RunResult], float]:
    return lambda r: r.metrics[name]


TARGETS: tuple[Target, ...] = (
    Target(
        "acts_per_inhabitant",
        N_("GP acts per inhabitant per year"),
        "france",
        _m("gp_acts_per_inhabitant"),
        3.3,
        3.7,
        N_("3.3 (2022) to about 3.7 (2023)"),
        "DREES APL 2022 (3.3 accessible consultations); Cour des comptes 2025 (229 M office "
        "consultations + 15 M home visits + 5.5 M teleconsultations, about 3.7)",
        "acts/inhabitant/year",
    ),
    Target(
        "fte_output",
        N_("Full-time GP output"),
        "france",
        _m("acts_per_fte_gp"),
        4600,
        5400,
        N_("about 5,000 acts a year, 22 a working day"),
        "CNAM; IQVIA 2018",
        "acts/FTE/year",
    ),
    Target(
        "list_per_fte",
        N_("Mean MT list per FTE GP"),
        "france",
        _m("mt_list_per_fte"),
        900,
        1050,
        N_("960 adults (median 927); 1,001 in another series"),
        "CNAM 2021",
        "adults/FTE",
    ),
    Target(
        "without_mt",
        N_("Adults without an MT (national)"),
        "france",
        lambda r: 1.0 - r.metrics["mt_coverage_end"],
        0.10,
        0.12,
        N_("11 % (30 June 2021)"),
        "CNAM 2021 (5.96 M adults)",
        "share",
    ),
    Target(
        "without_mt_drift",
        N_("Drift of the share with an MT over the year, no policy"),
        "france",
        lambda r: r.metrics["mt_coverage_end"] - r.metrics["mt_coverage_start"],
        -0.01,
        0.01,
        N_("stable (under 1 point)"),
        "calibration requirement (stationary baseline)",
        "share",
    ),
    Target(
        "without_mt_lyon",
        N_("Adults without an MT (Lyon metropolitan area)"),
        "lyon",
        lambda r: 1.0 - r.metrics["mt_coverage_end"],
        0.10,
        0.13,
        N_("11.4 %"),
        "ARS Auvergne-Rhône-Alpes (Grand Large CPTS release)",
        "share",
    ),
    Target(
        "wait_median",
        N_("Median delay from request to appointment"),
        "france",
        _m("wait_all_median_days"),
        1.5,
        3.0,
        N_("2 days"),
        "DREES 2018 (Constances, 23,500 requests)",
        "days",
    ),
    Target(
        "wait_mean",
        N_("Mean delay from request to appointment"),
        "france",
        _m("wait_all_mean_days"),
        4.5,
        7.5,
        N_("6 days"),
        "DREES 2018",
        "days",
    ),
    Target(
        "within_a_day",
        N_("Appointments the same or the next day"),
        "france",
        _m("wait_all_within_1day_share"),
        0.44,
        0.54,
        N_("49 %"),
        "DREES 2018",
        "share",
    ),
    Target(
        "teleconsultation",
        N_("Teleconsultation share of GP activity"),
        "france",
        _m("teleconsultation_share"),
        0.02,
        0.04,
        N_("2.2 % (2023); 3.7 % (2021)"),
        "DREES ER 1249; Cour des comptes 2025",
        "share",
    ),
    Target(
        "ed_avoidable",
        N_("ED visits primary care could have handled, per 1000 per year"),
        "france",
        _m("ed_visits_per_1000"),
        133 / 3,
        133 * 3,
        N_("about 133 (43 % of 310): order of magnitude, within a factor 3"),
        "DREES ER 1320 (20.9 M ED visits in 2023) and DREES 2013 survey (43 %)",
        "per 1000/year",
    ),
    Target(
        "ed_total",
        N_("ED visits, all causes, per 1000 per year"),
        "france",
        _m("ed_visits_total_per_1000"),
        310 * 0.8,
        310 * 1.2,
        N_("about 310 (20.9 M visits in 2023 for 67.8 M inhabitants): within 20 %"),
        "DREES ER 1320 (2024); CNAM charges et produits 2026",
        "per 1000/year",
    ),
    Target(
        "ed_avoidable_share",
        N_("Share of ED visits primary care could have handled"),
        "france",
        _m("ed_avoidable_share"),
        0.33,
        0.53,
        N_("43 %: within 10 points (a survey of one week of visits)"),
        "DREES 2013 survey (Études et Résultats 889)",
        "share",
    ),
    Target(
        "ed_monday",
        N_("ED visits on Mondays above the other days"),
        "france",
        _m("ed_monday_excess"),
        0.0,
        0.25,
        N_("+11 %: Monday above the other days, at most +25 %"),
        "DREES ER 1320 (2024)",
        "share",
    ),
    Target(
        "ed_fri_sat",
        N_("Share of ED visits on Fridays and Saturdays"),
        "france",
        _m("ed_fri_sat_share"),
        0.0,
        0.35,
        N_("at most 35 % (about 2 / 7 = 29 % with no weekday effect)"),
        "DREES ER 1320 (2024): Monday the busiest day, no Friday-Saturday peak",
        "share",
    ),
    Target(
        "symptoms_first",
        N_("New symptoms seen sooner than planned care (median days, unscheduled minus planned)"),
        "france",
        lambda r: r.metrics["wait_unscheduled_median_days"] - r.metrics["wait_planned_median_days"],
        -math.inf,
        -0.5,
        N_("new or worsening symptoms: median same day; routine check: 6 days"),
        "DREES 2018 (face validity)",
        "days",
    ),
)


def calibration_table(
    france: Path | str,
    lyon: Path | str | None = None,
    replications: int = 10,
    seed: int = 0,
    *,
    executor: str = "processes",
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run the calibration scenarios and compare every target; one row per target."""
    from accesssim.scenario import load_scenario

    paths = {"france": france, "lyon": lyon}
    runs: dict[str, Replications] = {}
    for key, path in paths.items():
        if path is None:
            continue
        runs[key] = replicate(
            load_scenario(path),
            replications,
            seed,
            executor=executor,
            workers=workers,
            dask_address=dask_address,
            progress=progress,
        )
    rows = []
    for t in TARGETS:
        if t.scenario not in runs:
            continue
        values = np.array([t.value(r) for r in runs[t.scenario].results], dtype=float)
        est = mean_ci(values)
        rows.append(
            {
                "target": t.key,
                "label": t.label,
                "scenario": Path(str(paths[t.scenario])).stem,
                "published": t.published,
                "low": t.low,
                "high": t.high,
                "mean": est.mean,
                "ci_low": est.low,
                "ci_high": est.high,
                "n": est.n,
                "unit": t.unit,
                "passed": bool(t.low <= est.mean <= t.high),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "-"
    if unit == "share":
        return f"{100 * value:.1f} %"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_target(value: float, unit: str) -> str:
    """A target's value in the current language (Babel: ``49,0 %``, ``5 000`` in French); in
    English as in docs/calibration.md."""
    from accesssim.i18n import language
    from accesssim.wording import number

    if not math.isfinite(value):
        return "-"
    if unit == "share":
        space = "\u202f" if language() == "fr" else " "  # French: a narrow no-break space
        return f"{number(100 * value, 1)}{space}%"
    if abs(value) >= 100:
        return number(value)
    return number(value, 2)


def calibration_markdown(table: pd.DataFrame, replications: int, seed: int) -> str:
    """The calibration table as Markdown (the generated part of docs/calibration.md)."""
    lines = [
        f"Generated by `accesssim calibrate --replications {replications} --seed {seed}` "
        f"(accesssim {__version__}, {dt.date.today().isoformat()}): {replications} "
        "replications of one year after a 91-day warm-up; mean and 95 % CI over replications.",
        "",
        "| target | published | tolerance | simulated mean | 95 % CI | pass | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lo = "-inf" if not math.isfinite(r.low) else _fmt(r.low, r.unit)
        tol = f"{lo} to {_fmt(r.high, r.unit)}"
        ci = f"[{_fmt(r.ci_low, r.unit)}, {_fmt(r.ci_high, r.unit)}]"
        ok = "yes" if r.passed else "**no**"
        lines.append(
            f"| {r.label} ({r.scenario}) | {r.published} | {tol} | {_fmt(r.mean, r.unit)} | "
            f"{ci} | {ok} | {r.source} |"
        )
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, table_md: str) -> None:
    """Write the table into ``path``: between the markers if the file has them, else alone."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = f"{head}{START}\n{table_md}{END}{tail}"
    else:
        text = f"{START}\n{table_md}{END}\n"
    path.write_text(text, encoding="utf-8")
