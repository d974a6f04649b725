"""Comparisons: alternatives against a baseline, with common random numbers.

Every scenario runs the same replication indices under the same root seed, so replication
``i`` of the baseline and of each alternative face the same patients with the same needs
(common random numbers, see :mod:`accesssim.rng`). Each metric's difference is estimated from
the paired differences (a Student-t CI over replications); pairing removes the noise the runs
share, so the CI is much narrower than an unpaired one on the same runs.

Cost per unit of gain is the mean extra cost over the mean gain, for three gains:

* an extra adult with a declared GP at the horizon (fewer ``patients_without_mt_end``);
* an ED visit avoided over the measurement window;
* an extra unscheduled need met within 48 h over the measurement window.

It is reported only when the gain's CI lies above 0 (otherwise the ratio is meaningless).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from accesssim.analysis import Estimate, mean_ci, paired_difference, unpaired_difference
from accesssim.experiment.executors import choose_executor, make_executor
from accesssim.experiment.replicate import Replications, run_replication
from accesssim.model import METRIC_NAMES, RunResult
from accesssim.scenario.schema import Scenario
from accesssim.vocabulary import N_GP_KINDS, Outcome
from accesssim.wording import GAIN_WORDS

__all__ = ["GAINS", "Comparison", "compare", "gains_of"]

GAINS: dict[str, str] = dict(GAIN_WORDS)
"""Gain -> what it counts (English: the ``description`` column of the results files)."""


def gains_of(result: RunResult) -> dict[str, float]:
    """Counts behind the gains, for one replication (differences are taken later)."""
    needs = result.outcomes[1:N_GP_KINDS]
    # Unscheduled needs: requests that ended (one asked again later is not an end).
    unscheduled = float(needs.sum() - needs[:, Outcome.RETRY].sum())
    ed = result.outcomes[:, Outcome.ED].sum() + result.outcomes[:, Outcome.ED_DIRECT].sum()
    return {
        "patients_with_mt": -float(result.metrics["patients_without_mt_end"]),
        "ed_visits_avoided": -float(ed),
        "unscheduled_met_48h": result.metrics["unscheduled_within_48h_share"] * unscheduled,
        "cost": float(result.metrics["policy_cost_eur"]),
    }


@dataclass
class Comparison:
    """A baseline and alternatives run with the same seeds."""

    labels: list[str]
    runs: list[Replications]
    seed: int
    complete: bool = True
    level: float = 0.95
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def base(self) -> Replications:
        return self.runs[0]

    @property
    def n(self) -> int:
        """Replications common to every scenario."""
        return min(r.n for r in self.runs)

    def _paired(self) -> list[tuple[RunResult, ...]]:
        common = set.intersection(*({x.replication for x in run.results} for run in self.runs))
        by_rep = [{x.replication: x for x in run.results} for run in self.runs]
        return [tuple(b[r] for b in by_rep) for r in sorted(common)]

    def differences(self) -> pd.DataFrame:
        """One row per (alternative, metric): means, paired difference and its CI."""
        pairs = self._paired()
        rows = []
        for j, label in enumerate(self.labels[1:], start=1):
            for metric in METRIC_NAMES:
                base = np.array([p[0].metrics[metric] for p in pairs], dtype=float)
                alt = np.array([p[j].metrics[metric] for p in pairs], dtype=float)
                ok = ~(np.isnan(base) | np.isnan(alt))
                d = paired_difference(base[ok], alt[ok], self.level)
                u = unpaired_difference(base[ok], alt[ok], self.level)
                b_mean = float(base[ok].mean()) if ok.any() else float("nan")
                rows.append(
                    {
                        "alternative": label,
                        "metric": metric,
                        "base_mean": b_mean,
                        "alt_mean": float(alt[ok].mean()) if ok.any() else float("nan"),
                        "diff": d.mean,
                        "low": d.low,
                        "high": d.high,
                        "half_width": d.half_width,
                        "unpaired_half_width": u.half_width,
                        "relative": d.mean / b_mean if b_mean else float("nan"),
                        "significant": d.excludes_zero(),
                        "n": d.n,
                    }
                )
        return pd.DataFrame(rows)

    def differences_by_year(self) -> pd.DataFrame:
        """One row per (alternative, year, metric): means and the paired difference with its
        CI, year by year (year 1 is the first 365 days after the warm-up)."""
        from accesssim.vocabulary import YEAR_METRICS

        pairs = self._paired()
        rows = []
        n_years = min((len(x.by_year) for p in pairs for x in p), default=0)
        for j, label in enumerate(self.labels[1:], start=1):
            for year in range(n_years):
                for metric in YEAR_METRICS:
                    base = np.array([p[0].by_year[year][metric] for p in pairs], dtype=float)
                    alt = np.array([p[j].by_year[year][metric] for p in pairs], dtype=float)
                    ok = ~(np.isnan(base) | np.isnan(alt))
                    d = paired_difference(base[ok], alt[ok], self.level)
                    rows.append(
                        {
                            "alternative": label,
                            "year": year + 1,
                            "metric": metric,
                            "base_mean": float(base[ok].mean()) if ok.any() else float("nan"),
                            "alt_mean": float(alt[ok].mean()) if ok.any() else float("nan"),
                            "diff": d.mean,
                            "low": d.low,
                            "high": d.high,
                            "half_width": d.half_width,
                            "significant": d.excludes_zero(),
                            "n": d.n,
                        }
                    )
        return pd.DataFrame(rows)

    def cost_per_gain(self) -> pd.DataFrame:
        """One row per (alternative, gain): extra cost, gain with CI, euros per unit."""
        pairs = self._paired()
        rows = []
        for j, label in enumerate(self.labels[1:], start=1):
            g_base = [gains_of(p[0]) for p in pairs]
            g_alt = [gains_of(p[j]) for p in pairs]
            cost = paired_difference([g["cost"] for g in g_base], [g["cost"] for g in g_alt])
            for gain, text in GAINS.items():
                est = paired_difference([g[gain] for g in g_base], [g[gain] for g in g_alt])
                per = cost.mean / est.mean if est.low > 0 else float("nan")
                rows.append(
                    {
                        "alternative": label,
                        "gain": gain,
                        "description": text,
                        "extra_cost_eur": cost.mean,
                        "gain_mean": est.mean,
                        "gain_low": est.low,
                        "gain_high": est.high,
                        "eur_per_unit": per,
                    }
                )
        return pd.DataFrame(rows)

    def estimate(self, alternative: str, metric: str) -> Estimate:
        """The paired difference (alternative - baseline) of one metric."""
        j = self.labels.index(alternative)
        pairs = self._paired()
        base = [p[0].metrics[metric] for p in pairs]
        alt = [p[j].metrics[metric] for p in pairs]
        return paired_difference(base, alt, self.level)

    def summary(self, label: str) -> dict[str, Estimate]:
        run = self.runs[self.labels.index(label)]
        return {m: mean_ci(run.values(m), self.level) for m in METRIC_NAMES}


def compare(
    base: Scenario,
    alternatives: Sequence[Scenario],
    replications: int = 10,
    seed: int = 0,
    *,
    labels: Sequence[str] | None = None,
    executor: str = "processes",
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[str, RunResult], None] | None = None,
    skip: dict[str, set[int]] | None = None,
    prior: Mapping[str, Iterable[RunResult]] | None = None,
) -> Comparison:
    """Run ``base`` and every alternative with the same seeds; return the comparison.

    All (scenario, replication) tasks go to one executor at once, so alternatives run in
    parallel with the baseline. Interrupting (Ctrl-C) keeps what finished
    (``complete=False``). ``skip`` names replications not to run (per label); ``prior`` gives
    replications already run (read back on ``--resume``): not run again, and part of the
    comparison.
    """
    scenarios = [base, *alternatives]
    names = list(labels) if labels is not None else [s.name for s in scenarios]
    if len(set(names)) != len(names):
        names = [f"{n}-{i}" for i, n in enumerate(names)]
    skip = skip or {}
    prior = prior or {}
    done: list[dict[int, RunResult]] = [
        {r.replication: r for r in prior.get(name, ())} for name in names
    ]
    tasks: list[tuple[int, int]] = [
        (k, r)
        for r in range(replications)
        for k in range(len(scenarios))
        if r not in skip.get(names[k], set()) and r not in done[k]
    ]
    runs = [Replications(scenario=s, seed=seed) for s in scenarios]
    complete = True
    finished = 0
    exe = make_executor(choose_executor(executor, len(tasks), dask_address), workers, dask_address)
    try:
        args = [(scenarios[k], seed, r) for k, r in tasks]
        for i, result in exe.run(run_replication, args):
            k, r = tasks[i]
            done[k][r] = result
            if on_result is not None:
                on_result(names[k], result)
            finished += 1
            if progress is not None:
                progress(finished, len(tasks))
    except KeyboardInterrupt:
        complete = False
    finally:
        exe.close()
    for k, run in enumerate(runs):
        run.results = [done[k][r] for r in sorted(done[k])]
        run.complete = complete
    return Comparison(labels=names, runs=runs, seed=seed, complete=complete)
