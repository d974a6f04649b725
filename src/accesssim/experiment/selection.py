"""Which differences between simulated mixes are real: a KN-type paired screening.

After a search, a handful of finalist mixes are run again with more replications, all with
the same seeds (common random numbers). For every pair of finalists and every objective this
module runs the two-system fully sequential procedure of Kim & Nelson (2001) on the paired
differences:

* the first ``n0`` replications give the variance ``S2`` of the paired differences;
* with the planner's indifference zone ``delta`` (the smallest difference that matters) and
  ``eta = ((2 alpha_pair) ** (-2 / (n0 - 1)) - 1) / 2``, ``h2 = 2 eta (n0 - 1)``, the running
  sum of differences stays inside the triangle ``|sum| <= max(0, h2 S2 / (2 delta) -
  delta r / 2)`` while the evidence is not enough; once it leaves the triangle, the side it
  leaves by says which mix is better. The triangle closes after ``h2 S2 / delta^2``
  replications (enough to see a difference of ``delta``), so every comparison ends: at the
  apex, the difference is decided if its Bonferroni confidence interval excludes 0, and is
  otherwise a *tie* (no difference as large as ``delta`` showed up);
* ``alpha_pair`` is the overall ``alpha`` split over all comparisons (Bonferroni), so all
  decisions are right together with probability at least ``1 - alpha`` whenever the true
  differences are at least ``delta``.

A decided difference whose observed mean is smaller than ``delta`` is reported as a *tie*: it
may be real, but it is smaller than what the planner said matters (this errs on the side of
keeping mixes in the set). A difference without noise (a fixed cost: ``S2 = 0``) is known
exactly: a tie when smaller than ``delta``, else decided. A comparison still inside its
triangle when the replication cap is reached is *undecided*. Mix ``j`` *really dominates* ``i``
when it is better or tied on every objective and better on at least one; the confirmed
Pareto set is the mixes that no other really dominates. An undecided comparison never counts
towards dominance, so the set errs on the side of keeping mixes.

The decisions are checked every ``batch`` replications (a fixed number, so the result does
not depend on how many workers ran them); checking less often than every replication only
makes the procedure more conservative.

References: Kim, S.-H. & Nelson, B. L. (2001), "A fully sequential procedure for
indifference-zone selection in simulation", ACM TOMACS 11(3), 251-273. For Pareto sets of
simulated systems see Lee, Chew, Teng & Goldsman (2010), "Finding the non-dominated Pareto set
for multi-objective simulation models", IIE Transactions 42(9), 656-674.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "BETTER_A",
    "BETTER_B",
    "TIE",
    "UNDECIDED",
    "KNResult",
    "kn_h2",
    "kn_screen",
    "really_dominated",
]

BETTER_A = "a better"
BETTER_B = "b better"
TIE = "tie"
UNDECIDED = "undecided"


def kn_h2(alpha_pair: float, n0: int) -> float:
    """KN's ``h^2`` for two systems at error ``alpha_pair`` with ``n0`` first-stage runs (c = 1)."""
    if not 0 < alpha_pair < 0.5:
        raise ValueError("alpha_pair must be in (0, 0.5)")
    if n0 < 2:
        raise ValueError("n0 must be at least 2")
    eta = 0.5 * ((2.0 * alpha_pair) ** (-2.0 / (n0 - 1)) - 1.0)
    return 2.0 * eta * (n0 - 1)


@dataclass
class KNResult:
    """Decisions of every pair (a < b) and objective, with what backs them."""

    pairs: list[tuple[int, int]]
    decision: np.ndarray  # (pairs, objectives) of str: BETTER_A, BETTER_B, TIE, UNDECIDED
    exit_replications: np.ndarray  # (pairs, objectives): replications at the decision (0: none)
    mean_diff: np.ndarray  # (pairs, objectives): mean of (a - b), oriented so higher is better
    low: np.ndarray  # Bonferroni CI of the mean difference (level 1 - 2 alpha_pair)
    high: np.ndarray
    n: np.ndarray  # common replications used
    alpha_pair: float
    h2: float

    def undecided_systems(self) -> set[int]:
        """Systems in at least one comparison still inside its continuation region."""
        out: set[int] = set()
        for k, (a, b) in enumerate(self.pairs):
            if np.any(self.decision[k] == UNDECIDED):
                out.update((a, b))
        return out


def kn_screen(
    values: list[np.ndarray],
    delta: np.ndarray,
    *,
    alpha: float = 0.05,
    n0: int = 10,
    batch: int = 5,
) -> KNResult:
    """Pairwise KN decisions from the replications available so far.

    Parameters
    ----------
    values
        One array per system, ``(replications, objectives)``, replication ``r`` of every
        system run with the same seed (common random numbers); oriented so that **higher is
        better** for every objective. Systems may have different numbers of replications
        (one that stopped early); a pair uses the replications both have.
    delta
        Indifference zone of each objective (same units, > 0).
    alpha
        Overall error, split over all pairs and objectives (Bonferroni).
    n0
        First-stage replications (the variance is estimated on them).
    batch
        Decisions are checked after ``n0``, ``n0 + batch``, ``n0 + 2 batch``... replications.

    Returns
    -------
    KNResult
        Recomputed from scratch from the data: the same data always gives the same decisions.
    """
    k = len(values)
    m = int(np.asarray(delta).size)
    delta = np.asarray(delta, dtype=float)
    if np.any(delta <= 0):
        raise ValueError("every indifference zone must be > 0")
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
    n_tests = max(len(pairs) * m, 1)
    alpha_pair = alpha / n_tests
    h2 = kn_h2(alpha_pair, n0)
    shape = (len(pairs), m)
    decision = np.full(shape, UNDECIDED, dtype=object)
    exit_r = np.zeros(shape, dtype=int)
    mean_diff = np.full(shape, np.nan)
    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)
    n_used = np.zeros(len(pairs), dtype=int)
    for p, (a, b) in enumerate(pairs):
        r_common = min(values[a].shape[0], values[b].shape[0])
        n_used[p] = r_common
        if r_common == 0:
            continue
        d = values[a][:r_common] - values[b][:r_common]  # (r, m)
        mean_diff[p] = np.nanmean(d, axis=0) if r_common else np.nan
        if r_common >= 2:
            sd = np.std(d, axis=0, ddof=1)
            t = stats.t.ppf(1.0 - alpha_pair, r_common - 1)
            half = t * sd / math.sqrt(r_common)
            low[p], high[p] = mean_diff[p] - half, mean_diff[p] + half
        if r_common < n0:
            continue
        s2 = np.var(d[:n0], axis=0, ddof=1)
        csum = np.cumsum(d, axis=0)
        checks = list(range(n0, r_common + 1, batch))
        for j in range(m):
            if not np.all(np.isfinite(d[:, j])):
                continue
            if s2[j] == 0.0:
                # No noise in the difference (e.g. a fixed cost): it is known exactly.
                md = float(csum[n0 - 1, j]) / n0
                decision[p, j] = (BETTER_A if md > 0 else BETTER_B) if abs(md) >= delta[j] else TIE
                exit_r[p, j] = n0
                continue
            for r in checks:
                bound = h2 * s2[j] / (2.0 * delta[j]) - delta[j] * r / 2.0
                total = csum[r - 1, j]
                if bound <= 0.0:
                    # The triangle has closed: h2 S2 / delta^2 replications, enough to see a
                    # difference of delta. Decided if the Bonferroni CI excludes 0, else a tie.
                    sd_r = float(np.std(d[:r, j], ddof=1))
                    half = stats.t.ppf(1.0 - alpha_pair, r - 1) * sd_r / math.sqrt(r)
                    if abs(total / r) > half:
                        decision[p, j] = _side(total, r, delta[j])
                    else:
                        decision[p, j] = TIE
                    exit_r[p, j] = r
                    break
                if abs(total) > bound:
                    decision[p, j] = _side(total, r, delta[j])
                    exit_r[p, j] = r
                    break
    return KNResult(pairs, decision, exit_r, mean_diff, low, high, n_used, alpha_pair, h2)


def _side(total: float, r: int, delta: float) -> str:
    """The better side of a decided comparison; a tie when the mean difference < delta."""
    if abs(total / r) < delta:
        return TIE
    return BETTER_A if total > 0 else BETTER_B


def really_dominated(result: KNResult, k: int) -> dict[int, list[int]]:
    """For each system, the systems that really dominate it (see the module docstring)."""
    out: dict[int, list[int]] = {i: [] for i in range(k)}
    for p, (a, b) in enumerate(result.pairs):
        dec = result.decision[p]
        a_ok = np.all((dec == BETTER_A) | (dec == TIE)) and np.any(dec == BETTER_A)
        b_ok = np.all((dec == BETTER_B) | (dec == TIE)) and np.any(dec == BETTER_B)
        if a_ok:
            out[b].append(a)
        if b_ok:
            out[a].append(b)
    return out
