"""PRIM recovers a planted box (Friedman & Fisher 1999; Bryant & Lempert 2010).

Synthetic cases: five inputs uniform on [0, 1]; inside the box x0 >= 0.6 and x1 <= 0.3 a case
is of interest with probability 0.9, outside with probability 0.05. The planted box holds
about 71 % of the cases of interest (0.9 x 0.12 / (0.9 x 0.12 + 0.05 x 0.88)). PRIM's chosen
box must restrict x0 and x1 only, with limits within 0.05 of the planted ones, a density near
0.9 and a coverage near 0.7; the noise inputs' quasi-p-values would be large if restricted.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from accesssim.experiment.prim import prim


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_prim_recovers_a_planted_box(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.random((1000, 5))
    planted = (X[:, 0] >= 0.6) & (X[:, 1] <= 0.3)
    y = np.where(planted, rng.random(1000) < 0.9, rng.random(1000) < 0.05).astype(float)
    res = prim(X, y, ["x0", "x1", "x2", "x3", "x4"])
    box = res.box
    assert box.restricted == [0, 1]
    assert abs(box.low[0] - 0.6) <= 0.05
    assert abs(box.high[1] - 0.3) <= 0.05
    assert box.density >= 0.85
    assert 0.5 <= box.coverage <= 0.8
    assert all(p < 0.05 for p in box.quasi_p.values())
    # The trajectory starts from every case and trades coverage for density.
    first = res.trajectory[0]
    assert first.coverage == 1.0
    assert first.mass == 1.0
    dens = [b.density for b in res.trajectory]
    assert all(d2 > d1 for d1, d2 in itertools.pairwise(dens))


def test_prim_without_a_signal_keeps_the_whole_space() -> None:
    rng = np.random.default_rng(5)
    X = rng.random((600, 3))
    y = (rng.random(600) < 0.3).astype(float)  # unrelated to X
    res = prim(X, y, ["a", "b", "c"])
    # No box whose every limit is significant, or a weak one: density stays near 0.3.
    assert res.box.density < 0.5
