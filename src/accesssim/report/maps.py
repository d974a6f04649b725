"""Maps of the territory: per-commune results as a choropleth of approximate commune cells.

A scenario gives each commune its town-hall point (lat, lon), not its boundary. The cells drawn
here are the Voronoi cells of those points (:class:`scipy.spatial.Voronoi`): every place is
given to the nearest town hall. They are clipped to an outline of the territory, the convex
hull of the town halls widened by half the typical distance between neighbouring town halls,
so that border communes do not stretch to infinity. The cells are therefore **approximate
boundaries**, and every map says so. Coordinates are projected to kilometres (equirectangular
around the territory's centre; errors under 1 % over a CPTS), which gives a true scale bar.

:func:`commune_cells` is the geometry (one polygon per commune); :func:`commune_maps` draws
one panel per indicator (MT coverage, adults without an MT, ED visits per 1,000 inhabitants,
needs met within 48 h), either a scenario's values or the difference between two scenarios,
with the names of the largest communes and a scale bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from accesssim.i18n import N_, _
from accesssim.report.figures import STYLE, localise
from accesssim.wording import number

__all__ = [
    "MAP_INDICATORS",
    "MapIndicator",
    "clip_convex",
    "commune_cells",
    "commune_maps",
    "commune_means",
    "has_coordinates",
    "project_km",
]

EARTH_KM_PER_DEG = 111.195  # km per degree of latitude (mean Earth radius 6,371 km)


@dataclass(frozen=True)
class MapIndicator:
    """A per-commune column of ``communes.parquet`` as a map shows it."""

    column: str
    title: str  # panel title (translated where drawn)
    unit: str  # colour bar unit of values
    diff_unit: str  # colour bar unit of differences
    scale: float  # value x scale = what is shown (shares -> %)
    better: int  # +1 higher is better, -1 lower is better
    cmap: str


MAP_INDICATORS: tuple[MapIndicator, ...] = (
    MapIndicator(
        "mt_coverage",
        N_("Adults with a médecin traitant (MT)"),
        "%",
        N_("pt"),
        100.0,
        1,
        "viridis",
    ),
    MapIndicator(
        "without_mt", N_("Adults without an MT"), N_("people"), N_("people"), 1.0, -1, "magma_r"
    ),
    MapIndicator(
        "ed_visits_per_1000",
        N_("ED visits primary care could have handled"),
        N_("per 1,000 inhabitants per year"),
        N_("per 1,000 inhabitants per year"),
        1.0,
        -1,
        "magma_r",
    ),
    MapIndicator(
        "unscheduled_within_48h_share",
        N_("Same-day needs seen within 48 h"),
        "%",
        N_("pt"),
        100.0,
        1,
        "viridis",
    ),
)


def has_coordinates(communes: pd.DataFrame | None) -> bool:
    """Whether a ``communes.parquet`` table can be mapped: 2+ communes, all with lat/lon."""
    if communes is None or communes.empty:
        return False
    first = communes.drop_duplicates("insee")
    return len(first) > 1 and bool(first["lat"].notna().all() and first["lon"].notna().all())


def commune_means(communes: pd.DataFrame, label: str) -> pd.DataFrame:
    """One row per commune of scenario ``label``: its place and the mean of every column over
    the replications (sorted by INSEE code)."""
    part = communes[communes["scenario"] == label]
    first = part.groupby("insee", sort=True)[["name", "population", "lat", "lon"]].first()
    cols = [m.column for m in MAP_INDICATORS if m.column in part.columns]
    means = part.groupby("insee", sort=True)[cols].mean()
    return first.join(means).reset_index()


def project_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular projection to km around the mean point: ``[n, 2]`` (east, north)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    lat0, lon0 = float(lat.mean()), float(lon.mean())
    x = (lon - lon0) * EARTH_KM_PER_DEG * math.cos(math.radians(lat0))
    y = (lat - lat0) * EARTH_KM_PER_DEG
    return np.column_stack([x, y])


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull, counter-clockwise (monotone chain; works for collinear inputs too)."""
    pts = sorted({(float(x), float(y)) for x, y in points})
    if len(pts) < 3:
        return np.array(pts, dtype=float)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=float)


def clip_convex(poly: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """The part of polygon ``poly`` inside the convex counter-clockwise polygon ``clip``
    (Sutherland-Hodgman); an empty array when nothing is left."""
    out = [tuple(p) for p in poly]
    n = len(clip)
    for i in range(n):
        a, b = clip[i], clip[(i + 1) % n]
        if not out:
            break

        def inside(p: tuple[float, float], a: np.ndarray = a, b: np.ndarray = b) -> bool:
            return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0

        def cut(
            p: tuple[float, float], q: tuple[float, float], a: np.ndarray = a, b: np.ndarray = b
        ) -> tuple[float, float]:
            dx, dy = q[0] - p[0], q[1] - p[1]
            ex, ey = b[0] - a[0], b[1] - a[1]
            den = ex * dy - ey * dx
            t = 0.0 if den == 0 else (ey * (p[0] - a[0]) - ex * (p[1] - a[1])) / den
            return (p[0] + t * dx, p[1] + t * dy)

        src, out = out, []
        for j, p in enumerate(src):
            q = src[(j + 1) % len(src)]
            if inside(p):
                out.append(p)
                if not inside(q):
                    out.append(cut(p, q))
            elif inside(q):
                out.append(cut(p, q))
    return np.array(out, dtype=float).reshape(-1, 2)


def _outline(xy: np.ndarray) -> np.ndarray:
    """The territory's outline: the hull of the town halls widened by half the median
    distance to the nearest other town hall (at least 1 km)."""
    from scipy.spatial import cKDTree

    dist, _idx = cKDTree(xy).query(xy, k=2)
    pad = max(0.5 * float(np.median(dist[:, 1])), 1.0)
    angles = np.linspace(0.0, 2 * math.pi, 24, endpoint=False)
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * pad
    hull = _hull(xy)
    return _hull((hull[:, None, :] + ring[None, :, :]).reshape(-1, 2))


def commune_cells(xy: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """One polygon per point (km): its Voronoi cell clipped to the territory's outline; and
    the outline. Points at the same place share the cell (each gets a copy). Four far points
    are added so that every town hall's cell is finite before clipping."""
    from scipy.spatial import Voronoi

    xy = np.round(np.asarray(xy, dtype=float), 6)  # town halls within a millimetre: one place
    outline = _outline(xy)
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    span = float(np.ptp(outline, axis=0).max())  # far beyond the outline: every cell bounded
    far = uniq.mean(axis=0) + 100 * span * np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    vor = Voronoi(np.vstack([uniq, far]))
    cells = []
    for i in range(len(uniq)):
        region = vor.regions[vor.point_region[i]]
        poly = vor.vertices[[v for v in region if v >= 0]]
        poly = _hull(poly)  # the vertices of a finite region, counter-clockwise
        cells.append(clip_convex(poly, outline))
    return [cells[i] for i in inverse], outline


def _nice_length(span_km: float) -> float:
    """A round scale-bar length near a fifth of the map's width."""
    target = span_km / 5
    for v in (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200):
        if v >= target * 0.7:
            return float(v)
    return float(10 ** math.floor(math.log10(target)))


def _scale_bar(ax: object, outline: np.ndarray, fontsize: float) -> None:
    x0, y0 = outline.min(axis=0)
    x1, y1 = outline.max(axis=0)
    length = _nice_length(x1 - x0)
    bx, by = x0, y0 - 0.06 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=2.2, solid_capstyle="butt")  # type: ignore[attr-defined]
    ax.text(  # type: ignore[attr-defined]
        bx + length / 2,
        by + 0.015 * (y1 - y0),
        f"{number(length, 0 if length >= 1 else 1)} km",
        ha="center",
        va="bottom",
        fontsize=fontsize,
    )


def _place_labels(
    fig: Figure, ax: Any, names: Sequence[str], xy: np.ndarray, fontsize: float = 6.5
) -> None:
    """Write commune names next to their points, avoiding overlaps between names (greedy)."""
    fig.canvas.draw()  # settle the layout, so display coordinates are final
    px = fig.dpi / 72.0
    frame = ax.get_window_extent()
    placed: list[tuple[float, float, float, float]] = []
    candidates = (
        (5, 3, "left", "bottom"),
        (5, -3, "left", "top"),
        (-5, 3, "right", "bottom"),
        (-5, -3, "right", "top"),
        (0, 9, "center", "bottom"),
        (0, -9, "center", "top"),
    )
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for name, point in zip(names, xy, strict=True):
        ax.plot(*point, marker="o", markersize=1.8, color="#111111")
        x, y = ax.transData.transform((float(point[0]), float(point[1])))
        w = 0.58 * fontsize * len(str(name)) * px
        h = 1.15 * fontsize * px
        best, best_overlap = candidates[0], math.inf
        for dx, dy, ha, va in candidates:
            x0 = x + dx * px - {"left": 0.0, "center": w / 2, "right": w}[ha]
            y0 = y + dy * px - {"bottom": 0.0, "top": h}[va]
            box = (x0, y0, x0 + w, y0 + h)
            overlap = sum(
                max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
                * max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
                for b in placed
            )
            inside = max(0.0, min(box[2], frame.x1) - max(box[0], frame.x0)) * max(
                0.0, min(box[3], frame.y1) - max(box[1], frame.y0)
            )
            overlap += 2.0 * (w * h - inside)  # leaving the panel is worse than touching
            if overlap < best_overlap:
                best, best_overlap, best_box = (dx, dy, ha, va), overlap, box
            if overlap == 0:
                break
        placed.append(best_box)
        dx, dy, ha, va = best
        text = ax.annotate(
            str(name),
            (float(point[0]), float(point[1])),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            color="#111111",
            path_effects=halo,
        )
        text.set_in_layout(False)


def commune_maps(
    communes: pd.DataFrame,
    *,
    label: str,
    reference: str | None = None,
    indicators: Sequence[MapIndicator] = MAP_INDICATORS,
    width: float = 7.2,
    label_largest: int = 8,
    fontsize: float = 6.5,
) -> Figure:
    """A choropleth per indicator of scenario ``label`` (means over replications), or of its
    difference from scenario ``reference`` when given (same replications; diverging colours,
    blue where it is better for patients).

    Cells are approximate commune boundaries (Voronoi cells around town halls, clipped to the
    territory); the ``label_largest`` most populous communes are named; each panel has a
    scale bar.
    """
    with matplotlib.rc_context(STYLE):
        return localise(
            _commune_maps(communes, label, reference, indicators, width, label_largest, fontsize)
        )


def _commune_maps(
    communes: pd.DataFrame,
    label: str,
    reference: str | None,
    indicators: Sequence[MapIndicator],
    width: float,
    label_largest: int,
    fontsize: float,
) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    base = commune_means(communes, label)
    xy = project_km(base["lat"].to_numpy(), base["lon"].to_numpy())
    cells, outline = commune_cells(xy)
    ref = None
    if reference is not None:
        ref = commune_means(communes, reference).set_index("insee").reindex(base["insee"])
    shown = [m for m in indicators if m.column in base.columns]
    ncols = 2 if len(shown) > 1 else 1
    nrows = math.ceil(len(shown) / ncols)
    span = np.ptp(outline, axis=0)
    ratio = min(max(float(span[1] / max(span[0], 1e-6)), 0.5), 1.4)
    panel_w = width / ncols
    fig = Figure(figsize=(width, nrows * (panel_w * ratio * 0.82 + 0.55)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    largest = base.sort_values(["population", "insee"], ascending=[False, True]).head(label_largest)
    for ax, ind in zip(axes, shown, strict=False):
        values = base[ind.column].to_numpy(dtype=float) * ind.scale
        if ref is not None:
            values = values - ref[ind.column].to_numpy(dtype=float) * ind.scale
            finite = values[np.isfinite(values)]
            lim = float(np.abs(finite).max()) if finite.size else 1.0
            lim = lim or 1.0
            cmap = "RdBu" if ind.better > 0 else "RdBu_r"
            vmin, vmax = -lim, lim
            unit = _(ind.diff_unit) if ind.diff_unit != "%" else "%"
        else:
            cmap = ind.cmap
            finite = values[np.isfinite(values)]
            vmin = float(finite.min()) if finite.size else 0.0
            vmax = float(finite.max()) if finite.size else 1.0
            unit = _(ind.unit) if ind.unit != "%" else "%"
        coll = PolyCollection(
            list(cells),
            array=np.ma.masked_invalid(values),
            cmap=matplotlib.colormaps[cmap].with_extremes(bad="#dddddd"),
            edgecolors="white",
            linewidths=0.4,
        )
        coll.set_clim(vmin, vmax)
        ax.add_collection(coll)
        ax.plot(*np.vstack([outline, outline[:1]]).T, color="#555555", linewidth=0.6)
        _scale_bar(ax, outline, fontsize)
        ax.set_aspect("equal")
        ax.set_xlim(outline[:, 0].min() - 0.5, outline[:, 0].max() + 0.5)
        lo, hi = outline[:, 1].min(), outline[:, 1].max()
        ax.set_ylim(lo - 0.12 * (hi - lo), hi + 0.03 * (hi - lo))
        ax.set_axis_off()
        ax.set_title(_(ind.title), loc="left", fontsize=fontsize + 2)
        cb = fig.colorbar(coll, ax=ax, shrink=0.8, pad=0.01)
        cb.set_label(unit, fontsize=fontsize + 0.5)
        cb.ax.tick_params(labelsize=fontsize)
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    idx = largest.index.to_numpy()
    for ax in axes[: len(shown)]:
        _place_labels(fig, ax, largest["name"].tolist(), xy[idx], fontsize)
    fig.text(
        0.995,
        0.002,
        _("Approximate boundaries: cells around each town hall (Voronoi), not legal limits."),
        ha="right",
        va="bottom",
        fontsize=fontsize,
        color="#555555",
    )
    return fig
