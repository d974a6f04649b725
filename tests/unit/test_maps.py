"""Maps of the territory: one Voronoi cell per commune, clipped to the territory, and the
per-commune tallies of the kernel that they show (they add up to the territory's totals)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.collections import PolyCollection

from accesssim.experiment import run_tables
from accesssim.i18n import using
from accesssim.model import simulate
from accesssim.report.maps import (
    MAP_INDICATORS,
    clip_convex,
    commune_cells,
    commune_maps,
    has_coordinates,
    project_km,
)
from accesssim.scenario import load_scenario
from accesssim.vocabulary import Counter, Kind, Outcome


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def _inside(poly: np.ndarray, p: np.ndarray) -> bool:
    """Point in a convex counter-clockwise polygon (on the edge counts)."""
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) < -1e-9:
            return False
    return True


coordinate = st.floats(-30, 30, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3))
points = st.lists(
    st.tuples(coordinate, coordinate),
    min_size=2,
    max_size=40,
    unique=True,
)


@given(points)
def test_one_cell_per_town_hall_tiling_the_territory(pts: list[tuple[float, float]]) -> None:
    xy = np.array(pts, dtype=float)
    cells, outline = commune_cells(xy)
    assert len(cells) == len(xy)
    uniq = np.unique(xy, axis=0)
    total = 0.0
    for cell, p in zip(cells, xy, strict=True):
        assert len(cell) >= 3
        assert _inside(cell, p)  # a town hall lies in its own cell
    for q in uniq:
        k = next(i for i, p in enumerate(xy) if np.array_equal(p, q))
        total += _area(cells[k])
    # Distinct town halls' cells do not overlap and cover the outline.
    assert total == pytest.approx(_area(outline), rel=1e-6)


def test_clip_keeps_the_inside() -> None:
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], dtype=float)
    big = np.array([[1, 1], [5, 1], [5, 5], [1, 5]], dtype=float)
    cut = clip_convex(big, square)
    assert _area(cut) == pytest.approx(1.0)
    far = np.array([[10, 10], [11, 10], [11, 11]], dtype=float)
    assert clip_convex(far, square).size == 0


def test_projection_in_km() -> None:
    # 0.1 degree of latitude is 11.1 km; of longitude at 45.7 N, 7.8 km.
    xy = project_km(np.array([45.7, 45.8, 45.7]), np.array([4.5, 4.5, 4.6]))
    assert np.hypot(*(xy[1] - xy[0])) == pytest.approx(11.12, abs=0.01)
    assert np.hypot(*(xy[2] - xy[0])) == pytest.approx(7.77, abs=0.02)


@pytest.fixture(scope="module")
def monts() -> tuple[object, object]:
    scenario = load_scenario(
        "scenarios/monts-du-lyonnais.yaml",
        ["calendar.horizon_days=70", "calendar.warmup_days=14"],
    )
    return scenario, simulate(scenario, seed=3)


def test_commune_tallies_add_up_to_the_territory(monts: tuple[object, object]) -> None:
    scenario, result = monts
    c = result.communes  # type: ignore[attr-defined]
    n = len(scenario.territory.communes)  # type: ignore[attr-defined]
    assert len(c["insee"]) == n
    measured = result.outcomes  # type: ignore[attr-defined]
    assert sum(c["ed_visits"]) == int(measured[:, Outcome.ED].sum())
    assert sum(c["unscheduled"]) == int(measured[Kind.U24 :].sum())
    counters = result.diagnostics["counters"]  # type: ignore[attr-defined]
    assert "C_U48_MET" not in counters  # (reported as a metric, not a diagnostic)
    within = result.metrics["unscheduled_within_48h_share"]  # type: ignore[attr-defined]
    assert sum(c["unscheduled_48h_met"]) == round(within * sum(c["unscheduled"]))
    assert sum(c["without_mt"]) == result.metrics["patients_without_mt_end"]  # type: ignore[attr-defined]
    years = 56 / 365
    pop = np.array(c["population"], dtype=float)
    ed = np.array(c["ed_visits"], dtype=float) * 1000 / pop / years
    assert np.allclose(c["ed_visits_per_1000"], ed)
    assert int(Counter.U48_MET) == 11  # the kernel's counter the tallies mirror


def test_a_map_has_one_cell_per_commune(monts: tuple[object, object]) -> None:
    scenario, result = monts
    table = run_tables(result, "monts")["communes"]  # type: ignore[arg-type]
    other = table.assign(scenario="alt", mt_coverage=table["mt_coverage"] + 0.01)
    communes = pd.concat([table, other], ignore_index=True)
    assert has_coordinates(communes)
    n = len(scenario.territory.communes)  # type: ignore[attr-defined]
    for fig in (
        commune_maps(communes, label="monts"),
        commune_maps(communes, label="alt", reference="monts"),
    ):
        panels = [
            ax for ax in fig.axes if any(isinstance(c, PolyCollection) for c in ax.collections)
        ]
        assert len(panels) == len(MAP_INDICATORS)
        for ax in panels:
            (coll,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
            assert len(coll.get_paths()) == n
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(t.endswith(" km") for t in texts)  # the scale bar
        assert "Bessenay" in texts or "L'Arbresle" in texts  # names of the largest communes
        words = " ".join(t.get_text() for t in fig.texts)
        assert "Approximate boundaries" in words
    with using("fr"):
        fig = commune_maps(communes, label="monts")
        assert "Limites approximatives" in " ".join(t.get_text() for t in fig.texts)
