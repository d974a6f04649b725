"""Scenario discovery on a sweep: where does a policy mix fail, and how robust is each mix?

The sweep's experiment file separates ``levers:`` (what the planner chooses; each candidate
mix in ``mixes:``) from ``uncertainties:`` (what nobody chooses: GP retirements,
teleconsultation uptake...), and every mix is run at every uncertainty sample with the same
seeds. ``thresholds:`` say when a plan succeeds (e.g. ``mt_coverage_end >= 0.9``). For each
mix, :func:`discover` computes, from the per-point means over replications:

* **satisficing**: the share of uncertainty samples where the mix meets every threshold
  (the domain criterion of satisficing robustness, Starr 1963; Lempert & Collins 2007);
* **regret** for each threshold metric: at each sample, how far the mix is from the best mix
  at that sample, then its maximum, 90th percentile and mean over the samples (Savage 1951's
  minimax regret; Lempert et al. 2006);
* **PRIM** boxes on the samples where the mix fails (:mod:`accesssim.experiment.prim`,
  Friedman & Fisher 1999; Bryant & Lempert 2010): the conditions under which it misses its
  targets, with coverage, density and the peeling trajectory;
* **feature scores**: which uncertainties drive the failures and each threshold metric,
  from extremely randomised trees' impurity importance (Geurts, Ernst & Wehenkel 2006,
  scikit-learn; the feature scoring of the EMA Workbench, Kwakkel 2017).

Outputs, written atomically beside the sweep's tables: ``discovery.json`` (everything a
reader needs, in words and numbers), ``robustness.parquet``, ``prim-trajectory.parquet``,
``prim-boxes.parquet`` and ``feature-scores.parquet``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from accesssim.experiment.prim import PrimResult, prim
from accesssim.experiment.store import ResultsDir
from accesssim.experiment.sweep import Threshold
from accesssim.i18n import _, language, using
from accesssim.model import METRIC_NAMES
from accesssim.scenario.errors import InputError, Problem

__all__ = ["Discovery", "box_words", "discover", "parse_threshold", "threshold_words"]


def parse_threshold(text: str) -> Threshold:
    """``metric>=value`` or ``metric<=value`` as a :class:`Threshold`."""
    for op in (">=", "<="):
        if op in text:
            metric, _op, value = text.partition(op)
            metric = metric.strip()
            try:
                number = float(value)
            except ValueError:
                break
            if metric not in METRIC_NAMES:
                raise InputError(
                    [
                        Problem(
                            "--threshold",
                            None,
                            metric,
                            _("unknown metric {name}").format(name=repr(metric)),
                        )
                    ]
                )
            return Threshold(metric=metric, **({"min": number} if op == ">=" else {"max": number}))
    raise InputError(
        [Problem("--threshold", None, text, _("expected METRIC>=VALUE or METRIC<=VALUE"))]
    )


@dataclass
class Discovery:
    """Robustness of each mix and where it fails."""

    thresholds: list[Threshold]
    mixes: list[str]
    uncertainties: list[str]
    robustness: pd.DataFrame  # mix, metric, satisficing, regret_max, regret_p90, regret_mean
    trajectory: pd.DataFrame  # mix, step, coverage, density, mass, n, restricted, chosen
    boxes: pd.DataFrame  # mix, uncertainty, low, high, quasi_p (the chosen box's limits)
    scores: pd.DataFrame  # mix, outcome, uncertainty, score
    summary: dict[str, Any]


def _bad(path: Path, reason: str, field: str = "RESULTS_DIR") -> InputError:
    return InputError([Problem(str(path), None, field, reason)])


def _box_words(res: PrimResult, meta_factors: dict[str, dict[str, Any]]) -> str:
    """The box's conditions in English, as ``discovery.json`` keeps them."""
    box = res.box
    limits = {res.names[j]: [float(box.low[j]), float(box.high[j])] for j in box.restricted}
    with using("en"):
        return box_words(limits, meta_factors)


def _g(x: float) -> str:
    """A limit with 3 significant digits (``0.88``; ``0,88`` in French)."""
    text = f"{x:.3g}"
    return text.replace(".", ",") if language() == "fr" else text


def box_words(
    limits: Mapping[str, Sequence[float | None]],
    factors: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """A PRIM box's conditions in words, in the current language: ``limits`` maps each
    restricted uncertainty to its ``[low, high]`` (None or an infinity: no limit; the index of
    the level for a categorical factor, whose ``levels`` ``factors`` gives), as
    ``discovery.json`` keeps them under ``mixes.MIX.box.limits``."""
    parts = []
    for name, (low, high) in limits.items():
        lo = -math.inf if low is None else float(low)
        hi = math.inf if high is None else float(high)
        levels = (factors or {}).get(name, {}).get("levels")
        if levels:
            chosen = [str(v) for i, v in enumerate(levels) if lo <= i <= hi]
            parts.append(_("{name} is {levels}").format(name=name, levels=_(" or ").join(chosen)))
        elif np.isfinite(lo) and np.isfinite(hi):
            parts.append(
                _("{name} is between {low} and {high}").format(name=name, low=_g(lo), high=_g(hi))
            )
        elif np.isfinite(lo):
            parts.append(_("{name} is above {low}").format(name=name, low=_g(lo)))
        else:
            parts.append(_("{name} is below {high}").format(name=name, high=_g(hi)))
    return _(" and ").join(parts)


def threshold_words(threshold: Threshold | Mapping[str, Any]) -> str:
    """A threshold in words, in the current language: ``mt_coverage_end >= 0.9`` in English
    (the text files keep), ``Adultes avec un MT ≥ 90,0 %`` in French (the metric's short
    label and its value in its unit)."""
    t = threshold if isinstance(threshold, Threshold) else Threshold(**threshold)
    if language() == "en":
        return t.text()
    from accesssim.wording import fmt_value, metric_short

    if t.min is not None:
        text = _("{metric} >= {value}")
        value = t.min
    else:
        text = _("{metric} <= {value}")
        value = t.max
    assert value is not None
    return text.format(metric=metric_short(t.metric), value=fmt_value(t.metric, value))


def discover(
    results_dir: Path | str,
    thresholds: Sequence[Threshold] | None = None,
    *,
    peel_alpha: float = 0.05,
    min_coverage: float = 0.5,
    seed: int = 0,
) -> Discovery:
    """Scenario discovery on a finished sweep with uncertainties (see the module docstring).

    Parameters
    ----------
    results_dir
        The ``--out`` directory of ``accesssim sweep`` on an experiment with ``uncertainties``.
    thresholds
        Satisficing criteria; default: the experiment file's ``thresholds``.
    peel_alpha, min_coverage
        PRIM's peeling share and the smallest coverage of the chosen box.
    seed
        Seed of the extra-trees feature scoring.
    """
    path = Path(results_dir)
    meta_path = path / "experiment.json"
    if not meta_path.is_file():
        raise _bad(path, _("no experiment.json: give the --out directory of accesssim sweep"))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("kind") != "sweep":
        reason = _("results of {kind}, not of a sweep").format(kind=repr(meta.get("kind")))
        raise _bad(meta_path, reason, "kind")
    uncertainties = list(meta.get("uncertainties") or [])
    if not uncertainties:
        raise _bad(
            meta_path,
            _(
                "the sweep has no uncertainties: discovery needs an experiment file that "
                "separates levers: (or mixes:) from uncertainties:"
            ),
            "uncertainties",
        )
    if thresholds is None:
        thresholds = [Threshold(**t) for t in meta.get("thresholds") or []]
    thresholds = list(thresholds)
    if not thresholds:
        raise _bad(
            meta_path,
            _("no thresholds: add thresholds: to the experiment file or give --threshold"),
            "thresholds",
        )
    design_path, metrics_path = path / "design.parquet", path / "metrics.parquet"
    if not design_path.is_file() or not metrics_path.is_file():
        raise _bad(path, _("design.parquet or metrics.parquet is missing: finish the sweep first"))
    design = pd.read_parquet(design_path)
    metrics = pd.read_parquet(metrics_path)
    runs = len(metrics[["point", "replication"]].drop_duplicates())
    expected = int(meta.get("points") or 0) * len(meta.get("replications") or [])
    if runs < expected:
        raise _bad(
            path,
            _(
                "the sweep is incomplete ({runs} of {expected} runs): finish it with "
                "accesssim sweep EXPERIMENT --out DIR --resume"
            ).format(runs=runs, expected=expected),
        )
    wanted = sorted({t.metric for t in thresholds})
    wide = (
        metrics[metrics["metric"].isin(wanted)]
        .groupby(["point", "metric"])["value"]
        .mean()
        .unstack("metric")
        .reindex(columns=wanted)
    )
    frame = design.set_index("point").join(wide, how="inner").reset_index()
    if "mix" not in frame.columns:
        frame["mix"] = "all"
    factors = {f.get("name") or f["path"]: f for f in meta.get("factors") or []}
    X_all = np.column_stack(
        [_numeric(frame[u], factors.get(u, {}).get("levels")) for u in uncertainties]
    )
    mixes = list(dict.fromkeys(frame["mix"].astype(str)))
    met = np.ones(len(frame), dtype=bool)
    for t in thresholds:
        met &= t.met(frame[t.metric].to_numpy(float))
    frame["success"] = met
    # Regret: the same uncertainty sample across mixes (the design's row within each mix).
    frame["sample"] = frame.groupby("mix").cumcount()
    rob_rows, traj_rows, box_rows, score_rows = [], [], [], []
    summary: dict[str, Any] = {"mixes": {}}
    for mix in mixes:
        part = frame[frame["mix"].astype(str) == mix]
        X = X_all[part.index.to_numpy()]
        fail = (~part["success"].to_numpy(bool)).astype(float)
        info: dict[str, Any] = {
            "samples": int(len(part)),
            "satisficing": float(1.0 - fail.mean()) if len(part) else float("nan"),
        }
        for t in thresholds:
            sense = 1.0 if t.min is not None else -1.0
            pivot = frame.pivot_table(index="sample", columns="mix", values=t.metric)
            best = (pivot * sense).max(axis=1) * sense
            own = pivot[mix]
            regret = ((best - own) * sense).to_numpy(float)
            rob_rows.append(
                {
                    "mix": mix,
                    "metric": t.metric,
                    "threshold": t.text(),
                    "satisficing": float(np.mean(t.met(own.to_numpy(float)))),
                    "mean": float(np.nanmean(own)),
                    "worst": float(np.nanmin(own * sense) * sense),
                    "regret_max": float(np.nanmax(regret)),
                    "regret_p90": float(np.nanquantile(regret, 0.9)),
                    "regret_mean": float(np.nanmean(regret)),
                }
            )
        rob_rows.append(
            {
                "mix": mix,
                "metric": "all thresholds",
                "threshold": " and ".join(t.text() for t in thresholds),
                "satisficing": info["satisficing"],
                "mean": float("nan"),
                "worst": float("nan"),
                "regret_max": float("nan"),
                "regret_p90": float("nan"),
                "regret_mean": float("nan"),
            }
        )
        if fail.sum() > 0:
            res = prim(X, fail, uncertainties, peel_alpha=peel_alpha, min_coverage=min_coverage)
            for b in res.trajectory:
                traj_rows.append(
                    {
                        "mix": mix,
                        "step": b.step,
                        "coverage": b.coverage,
                        "density": b.density,
                        "mass": b.mass,
                        "n": b.n,
                        "restricted": len(b.restricted),
                        "chosen": b.step == res.chosen,
                    }
                )
            box = res.box
            for j in box.restricted:
                box_rows.append(
                    {
                        "mix": mix,
                        "uncertainty": uncertainties[j],
                        "low": float(box.low[j]),
                        "high": float(box.high[j]),
                        "quasi_p": float(box.quasi_p.get(j, float("nan"))),
                    }
                )
            info["box"] = {
                "words": _box_words(res, factors),
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "cases": box.n,
                "failures": res.n_interest,
                "step": res.chosen,
                "limits": {
                    uncertainties[j]: [_num(box.low[j]), _num(box.high[j])] for j in box.restricted
                },
            }
        else:
            info["box"] = None
        for outcome, y, classify in [("fails", fail, True)] + [
            (t.metric, part[t.metric].to_numpy(float), False) for t in thresholds
        ]:
            scores = _feature_scores(X, y, classify, seed)
            for u, sc in zip(uncertainties, scores, strict=True):
                score_rows.append({"mix": mix, "outcome": outcome, "uncertainty": u, "score": sc})
        summary["mixes"][mix] = info
    robustness = pd.DataFrame(rob_rows)
    disc = Discovery(
        thresholds=thresholds,
        mixes=mixes,
        uncertainties=uncertainties,
        robustness=robustness,
        trajectory=pd.DataFrame(
            traj_rows,
            columns=["mix", "step", "coverage", "density", "mass", "n", "restricted", "chosen"],
        ),
        boxes=pd.DataFrame(box_rows, columns=["mix", "uncertainty", "low", "high", "quasi_p"]),
        scores=pd.DataFrame(score_rows, columns=["mix", "outcome", "uncertainty", "score"]),
        summary=summary,
    )
    _write(path, disc, peel_alpha, min_coverage)
    return disc


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _numeric(col: pd.Series, levels: list[Any] | None) -> np.ndarray:
    if levels:
        return np.array([float(levels.index(v)) if v in levels else np.nan for v in col])
    return col.to_numpy(dtype=float)


def _feature_scores(X: np.ndarray, y: np.ndarray, classify: bool, seed: int) -> list[float]:
    """Extra-trees impurity importance of each input (0 when y does not vary)."""
    ok = ~np.isnan(y)
    if ok.sum() < 4 or np.unique(y[ok]).size < 2:
        return [0.0] * X.shape[1]
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    cls = ExtraTreesClassifier if classify else ExtraTreesRegressor
    model = cls(n_estimators=250, max_features=0.6, random_state=seed, n_jobs=1)
    model.fit(X[ok], y[ok].astype(int) if classify else y[ok])
    return [float(v) for v in model.feature_importances_]


def _write(path: Path, disc: Discovery, peel_alpha: float, min_coverage: float) -> None:
    store = ResultsDir(path)
    store.write_table("robustness", disc.robustness)
    store.write_table("prim-trajectory", disc.trajectory)
    store.write_table("prim-boxes", disc.boxes)
    store.write_table("feature-scores", disc.scores)

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    payload = {
        "thresholds": [t.model_dump(mode="json") for t in disc.thresholds],
        "uncertainties": disc.uncertainties,
        "prim": {"peel_alpha": peel_alpha, "min_coverage": min_coverage, "max_quasi_p": 0.05},
        "mixes": clean(disc.summary["mixes"]),
        "robustness": [clean(r) for r in disc.robustness.to_dict("records")],
    }
    store.write_text("discovery.json", json.dumps(payload, indent=2) + "\n")
