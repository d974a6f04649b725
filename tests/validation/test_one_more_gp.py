"""One more GP never makes access worse beyond noise, and paired comparisons are sharp.

A planner's first structural comparison is one more GP. With draws keyed by entity
(docs/model.md, sections 4.4 and 5.3), the extra GP changes only what it touches: the same
people make the same requests, the other 78 GPs keep their working time, lists, patterns and
leave. So over 20 seeds of the France baseline (100,000 inhabitants, 78 GPs), adding one GP
by ``gps.count``:

* never raises ED visits per 1,000 or lowers the share of adults with an MT by more than a
  small tolerance: one GP is 1.3 % more capacity, whose effect is an improvement, and what is
  left is the divergence of bookings after the first request the new GP takes (paths differ
  once any booking differs). The tolerances are 2 % of the baseline level for ED visits and
  half a point of coverage, well under the issue's measured sd of the paired differences
  before keyed draws (ED worse in 3/20 seeds and coverage in 4/20, up to several times these);
* gives a paired difference of the mean planned delay whose sd is at most half the 0.205 days
  measured with positional draws (issue 16, main at 01b256d).

Source of the comparison: the measurements quoted in issue 16 and Klein et al. (2024,
arXiv 2409.02086) on common random numbers keyed by agent.
"""

from __future__ import annotations

import numpy as np
import pytest

from accesssim.experiment.replicate import replicate
from accesssim.scenario import load_scenario

pytestmark = pytest.mark.slow

SEEDS = 20
SD_BEFORE = 0.205  # days, sd of the paired difference of wait_planned_mean_days (issue 16)


@pytest.fixture(scope="module")
def paired(repo_root) -> dict[str, np.ndarray]:
    path = repo_root / "scenarios" / "france-baseline.yaml"
    base = load_scenario(path)
    more = load_scenario(path, [f"gps.count={base.generated_gp_count + 1}"])
    a = replicate(base, replications=SEEDS, seed=0, executor="processes", workers=2)
    b = replicate(more, replications=SEEDS, seed=0, executor="processes", workers=2)
    metrics = ("ed_visits_per_1000", "mt_coverage_end", "wait_planned_mean_days")
    return {m: np.array(b.values(m)) - np.array(a.values(m)) for m in metrics} | {
        f"base_{m}": np.array(a.values(m)) for m in metrics
    }


def test_one_more_gp_never_raises_ed_visits_beyond_noise(paired: dict[str, np.ndarray]) -> None:
    tolerance = 0.02 * paired["base_ed_visits_per_1000"].mean()
    worse = paired["ed_visits_per_1000"] > tolerance
    assert not worse.any(), paired["ed_visits_per_1000"]


def test_one_more_gp_never_lowers_mt_coverage_beyond_noise(
    paired: dict[str, np.ndarray],
) -> None:
    worse = paired["mt_coverage_end"] < -0.005
    assert not worse.any(), paired["mt_coverage_end"]


def test_paired_difference_of_the_planned_delay_is_at_least_twice_as_sharp(
    paired: dict[str, np.ndarray],
) -> None:
    sd = float(np.std(paired["wait_planned_mean_days"], ddof=1))
    assert sd <= SD_BEFORE / 2, sd
