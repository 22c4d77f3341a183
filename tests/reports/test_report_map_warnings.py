"""The daily report's map draws the day's warnings: at their area's point, marked by event,
with a legend; country-wide ones only in the legend. The warnings here are MADE UP (model
``made-up-1``); the agreement is the shipped example."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.reports.build import WarningsIn, build_report
from ceasefire.reports.charts import warnings_overlay
from ceasefire.reports.from_warnings import mission_warnings, warning_line
from ceasefire.reports.model import ReportData
from ceasefire.store.warnings_sqlite import SqliteWarnings
from ceasefire.warning.model import WarningEvent, WarningRecord
from ceasefire.workspace import Workspace

DAY = datetime(2023, 1, 7, tzinfo=UTC)


def _made_up(area: str, event: WarningEvent, p: float, lon: float, lat: float) -> WarningRecord:
    """A MADE-UP warning (not a forecast of anything)."""
    return WarningRecord(
        issued_at=DAY,
        valid_from=DAY,
        valid_to=DAY + timedelta(days=1),
        area_id=area,
        area_name=f"{area} (made up)",
        event=event,
        signal="fires",
        probability=p,
        expected_count=2.0,
        threshold=3.0,
        model="made-up-1",
        lon=lon,
        lat=lat,
    )


MADE_UP = (
    _made_up("UA-14", WarningEvent.ESCALATION, 0.8, 37.8, 48.0),
    _made_up("cell25km:-2:-3", WarningEvent.ESCALATION, 0.4, 35.0, 47.9),
    _made_up("UA-46", WarningEvent.RENEWAL, 0.3, 24.0, 49.8),
    _made_up("UA", WarningEvent.ESCALATION, 0.5, 31.2, 49.0),
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = Workspace.init(tmp_path_factory.mktemp("map"))
    ws.load_agreement(example_agreement_dir())
    SqliteWarnings(ws.store).add(MADE_UP)
    with ws:
        yield ws


def _build(ws: Workspace, warnings_in: WarningsIn | None) -> ReportData:
    record, agreement = ws.active_agreement()
    return build_report(
        ws.store,
        agreement,
        record.key,
        DAY,
        DAY + timedelta(days=1),
        findings_in=lambda a, b: [],
        gaps_in=lambda a, b: [],
        warnings_in=warnings_in,
    )


def test_a_warning_line_keeps_its_area_and_point() -> None:
    line = warning_line(MADE_UP[1])
    assert (line.area_id, line.lon, line.lat) == ("cell25km:-2:-3", 35.0, 47.9)


def test_the_overlay_marks_each_event_and_lists_country_wide_warnings() -> None:
    figure = Figure()
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    lines = [warning_line(w) for w in MADE_UP]
    handles = warnings_overlay(lines)(ax, lambda lon, lat: (np.asarray(lon), np.asarray(lat)))
    labels = [h.get_label() for h in handles]
    assert labels == [
        "warning: escalation (2)",
        "warning: renewal (1)",
        "country-wide warning: escalation (fires) 50%",
    ]
    drawn = [c for c in ax.collections if isinstance(c, PathCollection)]
    points = [np.asarray(c.get_offsets()).tolist() for c in drawn]
    assert points == [[[37.8, 48.0], [35.0, 47.9]], [[24.0, 49.8]]]  # no point for "UA"
    sizes = drawn[0].get_sizes().tolist()
    assert sizes[0] > sizes[1], "the likelier warning is drawn larger"


def test_the_report_map_shows_warnings_only_where_the_report_has_them(
    workspace: Workspace, tmp_path: Path
) -> None:
    with_warnings = _build(workspace, mission_warnings(workspace.store))
    without = _build(workspace, None)
    assert with_warnings.warnings and without.warnings is None
    assert with_warnings.map_png.startswith(b"\x89PNG")
    assert with_warnings.map_png != without.map_png
    # a rendition without a Warnings section has no warnings on its map either
    assert _build(workspace, None).map_png == without.map_png
    (tmp_path / "map.png").write_bytes(with_warnings.map_png)


def test_a_day_without_warnings_draws_the_plain_map(workspace: Workspace) -> None:
    empty = _build(workspace, lambda a, b: [])
    assert empty.warnings == ()
    assert empty.map_png == _build(workspace, None).map_png
