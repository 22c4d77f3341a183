"""The report's pictures: a map of findings over the zones, and a timeline of activity."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ceasefire.agreement.mapping import render_zone_map
from ceasefire.agreement.model import Agreement
from ceasefire.reports.model import FindingView

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

LEVEL_COLOURS = {
    "confirmed": "#7b1fa2",
    "corroborated": "#d84315",
    "reported": "#f9a825",
    "rejected": "#9e9e9e",
}


def findings_map_png(agreement: Agreement, findings: Sequence[FindingView], title: str) -> bytes:
    """The zone map with each located finding as a point coloured by verification level."""
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
