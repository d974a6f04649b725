"""Comparisons: alternatives against a baseline, with common random numbers.

Every scenario runs the same replication indices under the same root seed, so replication
``i`` of the baseline and of each alternative face the same patients with the same needs
(common random numbers, see :mod:`accesssim.rng`). Each metric's difference is estimated from
the paired differences (a Student-t CI over replications); pairing removes the noise the runs
share, so the CI is much narrower than an unpaired one on the same runs.

Cost-effectiveness (:meth:`Comparison.cost_per_gain`), each alternative against the baseline,
for three effects:

* an extra adult with a declared GP at the horizon (fewer ``patients_without_mt_end``);
* an ED visit avoided over the measurement window;
* an extra unscheduled need met within 48 h over the measurement window;

ED visits and needs met are summed year by year, discounted like costs (costs.discount_rate);
the adults with an MT are a state at the horizon, not discounted. The cost is
``total_cost_eur``: every act the model counts and the policies' own costs, for the scenario's
perspective (the health insurance by default), discounted. Per alternative and effect: the
incremental cost and effect with their 95 % CIs (paired Student t), the ICER (incremental cost
over incremental effect) with its 95 % CI by Fieller's method (:func:`~accesssim.analysis.
fieller_ratio`), the dominance case in words, and the acceptability curve (probability of being
cost-effective against the willingness to pay, :func:`~accesssim.analysis.acceptability`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from accesssim.analysis import (
    Estimate,
    acceptability,
    fieller_ratio,
    mean_ci,
    paired_difference,
    unpaired_difference,
)
from accesssim.experiment.executors import choose_executor, make_executor
from accesssim.experiment.replicate import Replications, run_replication
from accesssim.model import METRIC_NAMES, RunResult
from accesssim.scenario.schema import Scenario
from accesssim.vocabulary import N_GP_KINDS, Outcome
from accesssim.wording import GAIN_WORDS

__all__ = ["GAINS", "Comparison", "compare", "dominance", "gains_of"]

GAINS: dict[str, str] = dict(GAIN_WORDS)
"""Gain -> what it counts (English: the ``description`` column of the results files)."""


def gains_of(result: RunResult) -> dict[str, float]:
    """Counts behind the gains, and the cost, for one replication (differences are taken
    later): flows (ED visits for needs primary care could have handled, unscheduled needs met
    within 48 h) discounted year by year like costs."""
    yearly = result.yearly
    if yearly and yearly.get("year"):
        factor: dict[int, float] = {}
        flows = {"ed_visits": 0.0, "unscheduled_met_48h": 0.0}
        for year, measure, value in zip(
            yearly["year"], yearly["measure"], yearly["value"], strict=True
        ):
            if measure == "discount_factor":
                factor[year] = value
        for year, measure, value in zip(
            yearly["year"], yearly["measure"], yearly["value"], strict=True
        ):
            if measure in flows:
                flows[measure] += value * factor.get(year, 1.0)
        ed, met = flows["ed_visits"], flows["unscheduled_met_48h"]
    else:  # results of an older version: the measurement window, undiscounted
        needs = result.outcomes[1:N_GP_KINDS]
        # Unscheduled needs: requests that ended (one asked again later is not an end).
        unscheduled = float(needs.sum() - needs[:, Outcome.RETRY].sum())
        gp_kinds = result.outcomes[:N_GP_KINDS]
        ed = float(gp_kinds[:, Outcome.ED].sum() + gp_kinds[:, Outcome.ED_DIRECT].sum())
        met = result.metrics["unscheduled_within_48h_share"] * unscheduled
    metrics = result.metrics
    return {
        "patients_with_mt": -float(metrics["patients_without_mt_end"]),
        "ed_visits_avoided": -float(ed),
        "unscheduled_met_48h": float(met),
        "cost": float(metrics.get("total_cost_eur", metrics.get("policy_cost_eur", 0.0))),
    }


def dominance(cost: Estimate, effect: Estimate) -> str:
    """The cost-effectiveness case of an alternative, from the CIs of its incremental cost and
    effect: ``dominant`` (better and cheaper), ``dominated`` (worse and dearer), ``dearer_better``
    (a trade-off: the ICER is the price of a unit), ``cheaper_worse`` (saves money at a loss),
    ``better`` or ``worse`` (the cost change could be chance), ``no_clear_effect``."""
    better = effect.low > 0
    worse = effect.high < 0
    dearer = cost.low > 0
    cheaper = cost.high < 0
    if better:
        return "dominant" if cheaper else ("dearer_better" if dearer else "better")
    if worse:
        return "dominated" if dearer else ("cheaper_worse" if cheaper else "worse")
    return "no_clear_effect"


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

    def _deltas(self, j: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        pairs = self._paired()
        base = [gains_of(p[0]) for p in pairs]
        alt = [gains_of(p[j]) for p in pairs]
        effects = {
            g: np.array([a[g] - b[g] for a, b in zip(alt, base, strict=True)]) for g in GAINS
        }
        cost = np.array([a["cost"] - b["cost"] for a, b in zip(alt, base, strict=True)])
        return effects, cost

    def cost_per_gain(self) -> pd.DataFrame:
        """One row per (alternative, gain): incremental cost and effect with their CIs, the
        ICER (euros per unit of gain) with its Fieller CI, and the dominance case.

        ``eur_per_unit`` is the ICER when the effect's CI lies above 0 (otherwise NaN, as the
        ratio of a gain that could be 0 means nothing); ``icer`` is the plain ratio of means.
        """
        rows = []
        for j, label in enumerate(self.labels[1:], start=1):
            effects, dcost = self._deltas(j)
            cost = mean_ci(dcost, self.level)
            for gain, text in GAINS.items():
                est = mean_ci(effects[gain], self.level)
                ratio = fieller_ratio(dcost, effects[gain], self.level)
                rows.append(
                    {
                        "alternative": label,
                        "gain": gain,
                        "description": text,
                        "extra_cost_eur": cost.mean,
                        "cost_low": cost.low,
                        "cost_high": cost.high,
                        "gain_mean": est.mean,
                        "gain_low": est.low,
                        "gain_high": est.high,
                        "icer": ratio.value,
                        "icer_low": ratio.low,
                        "icer_high": ratio.high,
                        "icer_bounded": ratio.bounded,
                        "eur_per_unit": ratio.value if est.low > 0 else float("nan"),
                        "dominance": dominance(cost, est),
                        "n": est.n,
                    }
                )
        return pd.DataFrame(rows)

    def acceptability(self, points: int = 41) -> pd.DataFrame:
        """The cost-effectiveness acceptability curves: one row per (alternative, gain,
        willingness to pay): the probability that the alternative is cost-effective against
        the baseline at that price of a unit of gain. The range of willingness to pay goes from
        0 to twice the largest ICER upper bound (or ICER) of the gain over the alternatives."""
        deltas = {j: self._deltas(j) for j in range(1, len(self.labels))}
        rows = []
        for gain in GAINS:
            top = 0.0
            for effects, dcost in deltas.values():
                r = fieller_ratio(dcost, effects[gain], self.level)
                for v in (r.high if r.bounded else float("nan"), r.value):
                    if np.isfinite(v):
                        top = max(top, abs(v))
            top = 2.0 * top if top > 0 else 1000.0
            wtp = np.linspace(0.0, top, points)
            for j, (effects, dcost) in deltas.items():
                prob = acceptability(dcost, effects[gain], wtp)
                for lam, pr in zip(wtp, prob, strict=True):
                    rows.append(
                        {
                            "alternative": self.labels[j],
                            "gain": gain,
                            "wtp_eur": float(lam),
                            "probability": float(pr),
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


COST_BASIS = ("perspective", "discount_rate")
"""Fields of ``costs`` every scenario of a comparison must share: costs and effects of the
arms are differenced, so they must be counted for the same payer and discounted alike."""


def cost_basis_mismatches(
    base: Scenario, alternatives: Sequence[Scenario]
) -> list[tuple[int, str]]:
    """``(index of the alternative, field of costs)`` for each field of :data:`COST_BASIS`
    that differs from the baseline's."""
    return [
        (i, name)
        for i, alt in enumerate(alternatives)
        for name in COST_BASIS
        if getattr(alt.costs, name) != getattr(base.costs, name)
    ]


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
    mismatched = cost_basis_mismatches(base, alternatives)
    if mismatched:
        i, name = mismatched[0]
        raise ValueError(
            f"{alternatives[i].name}: costs.{name} is {getattr(alternatives[i].costs, name)!r} "
            f"but the baseline's is {getattr(base.costs, name)!r}: the arms of a comparison "
            "are costed for the same payer and discounted alike"
        )
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
