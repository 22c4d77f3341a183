"""A static map of an agreement: sides, zones, the line, protected sites, optional points.

Drawn in the agreement's metric CRS (true shapes and a true kilometre scale), with
matplotlib's Agg backend and no tiles, so it renders offline and in any thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2D
from shapely.geometry.base import BaseGeometry

from ceasefire import geo
from ceasefire.agreement.model import Agreement, ZoneShape

SIDE_COLOURS = ("#f3d9d4", "#dde7f2")  # controlling party of the occupied area, the other party
BAND_COLOURS = ("#c8432b", "#e8743b", "#f4a259", "#f9cf86", "#fde9bf")  # narrow (darkest) to wide
LINE_COLOUR = "#7a0c0c"
POINT_COLOURS = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)


def _path(geometry: BaseGeometry) -> MplPath | None:
    """A compound matplotlib path (holes included) for the polygons of ``geometry``, in km."""
    vertices: list[npt.NDArray[np.float64]] = []
    codes: list[npt.NDArray[np.uint8]] = []
    for polygon in shapely.get_parts(shapely.get_parts(geometry)):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords, dtype=np.float64)[:, :2] / 1000.0
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _fill(ax: Axes, geometry: BaseGeometry, **style: object) -> None:
    path = _path(geometry)
    if path is not None:
        ax.add_patch(PathPatch(path, **style))


def _lines(ax: Axes, geometry: BaseGeometry, **style: object) -> None:
    for part in shapely.get_parts(geometry):
        xy = np.asarray(part.coords)[:, :2] / 1000.0 if part.geom_type == "LineString" else None
        if xy is not None:
            ax.plot(xy[:, 0], xy[:, 1], **style)  # type: ignore[arg-type]


def _scale_bar(ax: Axes, length_km: float = 100.0) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x = x1 - (x1 - x0) * 0.05 - length_km
    y = y0 + (y1 - y0) * 0.05
    for i in range(4):
        colour = "black" if i % 2 == 0 else "white"
        ax.add_patch(
            PathPatch(
                MplPath.unit_rectangle().transformed(
                    Affine2D()
                    .scale(length_km / 4, (y1 - y0) * 0.008)
                    .translate(x + i * length_km / 4, y)
                ),
                facecolor=colour,
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
            )
        )
    for value in (0, length_km / 2, length_km):
        ax.text(
            x + value,
            y + (y1 - y0) * 0.014,
            f"{value:g}",
            ha="center",
            va="bottom",
            fontsize=7,
            zorder=20,
        )
    ax.text(x + length_km + 6, y, "km", ha="left", va="bottom", fontsize=7, zorder=20)


ToMap = Callable[[npt.ArrayLike, npt.ArrayLike], tuple["geo.FloatArray", "geo.FloatArray"]]
Overlay = Callable[[Axes, ToMap], Sequence[Patch | Line2D]]
"""A further map layer: draws on the axes, returns its legend entries."""


def render_zone_map(
    agreement: Agreement,
    out_png: Path,
    *,
    lon: npt.ArrayLike | None = None,
    lat: npt.ArrayLike | None = None,
    categories: Sequence[str] | None = None,
    colours: dict[str, str] | None = None,
    title: str | None = None,
    dpi: int = 150,
    overlay: Overlay | None = None,
) -> Path:
    """Draw the agreement's zone map (and optional lon/lat points by category) to a PNG.

    ``overlay(ax, to_map)`` draws a further layer (``to_map`` turns lon/lat arrays into the
    map's coordinates) and returns its legend entries."""
    geography = agreement.geography
    crs = geography.crs
    figure = Figure(figsize=(12, 8.2), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_aspect("equal")
    ax.set_axis_off()
    handles: list[Patch | Line2D] = []
    names = {p.code: p.name for p in agreement.parties}

    for party, colour in zip(
        (geography.controlled_by, geography.other_party), SIDE_COLOURS, strict=True
    ):
        _fill(ax, geography.sides_m[party], facecolor=colour, edgecolor="none", zorder=1)
        handles.append(
            Patch(facecolor=colour, edgecolor="#999999", label=f"held by {names.get(party, party)}")
        )

    bands = sorted(
        (z for z in agreement.zones if z.shape is ZoneShape.BAND), key=lambda z: -(z.band_km or 0)
    )
    for index, zone in enumerate(bands):
        colour = BAND_COLOURS[min(len(BAND_COLOURS) - 1, len(bands) - 1 - index)]
        _fill(
            ax,
            zone.geometry_m,
            facecolor=colour,
            edgecolor="none",
            alpha=0.75,
            zorder=2 + index * 0.01,
        )
        handles.append(Patch(facecolor=colour, alpha=0.75, label=zone.label))

    for area in geography.admin_areas:
        _lines(ax, area.geometry_m.boundary, color="#8a8a8a", linewidth=0.35, zorder=4)
        point = area.geometry_m.representative_point()
        label = area.name.removesuffix(" Oblast").removeprefix("Autonomous Republic of ")
        if area.geometry_m.area > 5e9:  # skip Kyiv city and Sevastopol: too small to label
            ax.text(
                point.x / 1000,
                point.y / 1000,
                label,
                fontsize=6.5,
                color="#6b6b6b",
                ha="center",
                va="center",
                zorder=5,
            )
    _lines(ax, geography.country_m.boundary, color="#303030", linewidth=0.9, zorder=6)

    for zone in agreement.zones:
        if zone.shape is ZoneShape.POLYGON:
            _fill(
                ax,
                zone.geometry_m,
                facecolor="none",
                edgecolor="#2c6e49",
                hatch="///",
                linewidth=1.1,
                zorder=7,
            )
            suffix = " (illustrative)" if zone.illustrative else ""
            handles.append(
                Patch(facecolor="none", edgecolor="#2c6e49", hatch="///", label=zone.label + suffix)
            )
        elif zone.shape is ZoneShape.AROUND:
            _fill(
                ax,
                zone.geometry_m,
                facecolor="#6a3d9a22",
                edgecolor="#6a3d9a",
                linewidth=1.2,
                zorder=7,
            )
            if zone.center_lonlat is not None:
                x, y = geo.project_xy(
                    np.array([zone.center_lonlat[0]]), np.array([zone.center_lonlat[1]]), crs
                )
                ax.plot(
                    x / 1000,
                    y / 1000,
                    marker="*",
                    markersize=11,
                    color="#6a3d9a",
                    markeredgecolor="white",
                    markeredgewidth=0.6,
                    zorder=12,
                    linestyle="none",
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="*",
                    color="#6a3d9a",
                    markersize=11,
                    linestyle="none",
                    label=zone.label,
                )
            )

    _lines(ax, geography.line_m, color=LINE_COLOUR, linewidth=1.8, zorder=9, solid_capstyle="round")
    date = f" ({geography.line_date})" if geography.line_date else ""
    handles.append(Line2D([], [], color=LINE_COLOUR, linewidth=1.8, label=f"line of contact{date}"))

    if lon is not None and lat is not None:
        xs, ys = geo.project_xy(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64), crs
        )
        cats = np.asarray(
            categories if categories is not None else ["points"] * len(xs), dtype=object
        )
        palette = dict(colours or {})
        for index, category in enumerate(sorted(set(cats.tolist()))):
            mask = cats == category
            colour = palette.get(category, POINT_COLOURS[index % len(POINT_COLOURS)])
            ax.scatter(
                xs[mask] / 1000,
                ys[mask] / 1000,
                s=9,
                color=colour,
                edgecolors="white",
                linewidths=0.3,
                zorder=11,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    color=colour,
                    linestyle="none",
                    markersize=5,
                    label=f"{category} ({int(mask.sum()):,})",
                )
            )

    if overlay is not None:

        def to_map(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[geo.FloatArray, geo.FloatArray]:
            x, y = geo.project_xy(
                np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64), crs
            )
            return x / 1000, y / 1000

        handles += overlay(ax, to_map)

    minx, miny, maxx, maxy = (v / 1000 for v in geography.country_m.bounds)
    pad = 0.03 * (maxx - minx)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    _scale_bar(ax)
    ax.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=True, framealpha=0.92)
    heading = title or f"{agreement.title or agreement.id} (version {agreement.version})"
    ax.set_title(heading, fontsize=12, loc="left")
    figure.text(
        0.995,
        0.005,
        f"agreement {agreement.id} v{agreement.version}; "
        "data sources: ATTRIBUTION.md beside agreement.yaml",
        ha="right",
        va="bottom",
        fontsize=6,
        color="#777777",
    )
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out_png, dpi=dpi)
    return out_png
