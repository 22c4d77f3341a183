"""The report's pictures: a map of findings and warnings over the zones, and a timeline of
activity."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ceasefire.agreement.mapping import Overlay, ToMap, render_zone_map
from ceasefire.agreement.model import Agreement
from ceasefire.reports.model import FindingView, WarningLine

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

LEVEL_COLOURS = {
    "confirmed": "#7b1fa2",
    "corroborated": "#d84315",
    "reported": "#f9a825",
    "rejected": "#9e9e9e",
}


# how each warning event is marked on the map: (marker, colour)
WARNING_MARKERS = {
    "escalation": ("^", "#c62828"),
    "renewal": ("D", "#1565c0"),
}
NATIONAL_AREA = "UA"


def _marker_size(probability: float) -> float:
    """Marker area in points^2: larger for likelier warnings."""
    return 30.0 + 150.0 * probability


def warnings_overlay(warnings: Sequence[WarningLine]) -> Overlay:
    """A map layer with each located warning at its area's point, marked by event (shape
    and colour) and sized by probability; country-wide ones are listed in the legend."""

    def draw(ax: Axes, to_map: ToMap) -> list[Patch | Line2D]:
        handles: list[Patch | Line2D] = []
        for event, (marker, colour) in WARNING_MARKERS.items():
            mine = [w for w in warnings if w.event == event and w.area_id != NATIONAL_AREA]
            located = [w for w in mine if w.lon is not None and w.lat is not None]
            if located:
                lon = np.array([w.lon for w in located], dtype=np.float64)
                lat = np.array([w.lat for w in located], dtype=np.float64)
                x, y = to_map(lon, lat)
                ax.scatter(
                    x,
                    y,
                    s=[_marker_size(w.probability) for w in located],
                    marker=marker,
                    facecolors=colour,
                    edgecolors="#202020",
                    linewidths=0.7,
                    alpha=0.9,
                    zorder=13,
                )
                handles.append(_handle(marker, colour, f"warning: {event} ({len(located)})"))
        for w in warnings:
            if w.area_id == NATIONAL_AREA:
                marker, colour = WARNING_MARKERS.get(w.event, ("o", "#555555"))
                label = f"country-wide warning: {w.event} ({w.signal}) {w.probability:.0%}"
                handles.append(_handle(marker, colour, label))
        return handles

    return draw


def _handle(marker: str, colour: str, label: str) -> Line2D:
    return Line2D(
        [],
        [],
        marker=marker,
        color=colour,
        markeredgecolor="#202020",
        linestyle="none",
        markersize=8,
        label=label,
    )


def findings_map_png(
    agreement: Agreement,
    findings: Sequence[FindingView],
    title: str,
    warnings: Sequence[WarningLine] = (),
) -> bytes:
    """The zone map with each located finding as a point coloured by verification level,
    and the warnings (if any) as markers by event."""
    located = [f for f in findings if f.lon is not None and f.lat is not None]
    lon = np.array([f.lon for f in located], dtype=np.float64)
    lat = np.array([f.lat for f in located], dtype=np.float64)
    with TemporaryDirectory() as tmp:
        out = Path(tmp) / "map.png"
        render_zone_map(
            agreement,
            out,
            lon=lon,
            lat=lat,
            categories=[f"finding: {f.level}" for f in located],
            colours={f"finding: {k}": v for k, v in LEVEL_COLOURS.items()},
            title=title,
            dpi=110,
            overlay=warnings_overlay(warnings) if warnings else None,
        )
        return out.read_bytes()


def timeline_png(
    days: Sequence[datetime],
    counts_by_series: Mapping[str, Sequence[int]],
    window: tuple[datetime, datetime],
    title: str,
) -> bytes:
    """Daily counts per series as lines, with the report window shaded."""
    figure = Figure(figsize=(9, 3.2), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    for name, counts in sorted(counts_by_series.items()):
        ax.plot(
            [_mpl_day(d) for d in days],
            list(counts),
            marker="o",
            markersize=3,
            linewidth=1.5,
            label=name,
        )
    ax.axvspan(
        _mpl_day(window[0]), _mpl_day(window[1]), color="#ffcc80", alpha=0.35, label="report window"
    )
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel("per day (UTC)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncols=3, loc="upper left")
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _mpl_day(moment: datetime) -> float:
    """Matplotlib's date number: days since 1970-01-01 UTC (its default epoch)."""
    return (moment - _EPOCH) / timedelta(days=1)


def daily_series(
    times: Sequence[datetime], labels: Sequence[str], start: datetime, days: int
) -> tuple[list[datetime], dict[str, list[int]]]:
    """Counts per label per UTC day for ``days`` days from ``start``."""
    keys = [start + timedelta(days=i) for i in range(days)]
    counts: dict[str, Counter[int]] = {}
    for when, label in zip(times, labels, strict=True):
        index = (when - start) // timedelta(days=1)
        if 0 <= index < days:
            counts.setdefault(label, Counter())[index] += 1
    return keys, {label: [c[i] for i in range(days)] for label, c in counts.items()}
