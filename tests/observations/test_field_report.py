"""Field reports: strict schema, field paths in rejections, bearing and distance placement."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyproj import Geod

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.sources.field_report import FieldReportSource

FIXTURES = Path(__file__).parent / "fixtures"


def test_fixture() -> None:
    chunks = list(FieldReportSource().read(FIXTURES / "field_reports.jsonl"))
    accepted = [o for c in chunks for o in c.batch]
    rejected = [r for c in chunks for r in c.rejections]
    assert [o.source_id for o in accepted] == ["FR-0001", "FR-0002", "FR-0008"]
    assert [(r.row, r.field) for r in rejected] == [
        (4, "observed_at"),
        (5, "colour"),
        (6, "evidence.0.sha256"),
        (7, "lon"),
        (8, "lon"),
        (10, "(record)"),
    ]
    point, bearing, area_only = accepted
    assert point.observed_at == datetime(2025, 4, 19, 15, 10, tzinfo=UTC)
    assert point.attributes["evidence"][0]["media_type"] == "image/jpeg"
    assert point.weapon_class == "artillery_100mm_plus" and point.attributes["count"] == 4
    _, _, distance = Geod(ellps="WGS84").inv(37.55, 48.73, bearing.lon, bearing.lat)
    assert distance == pytest.approx(4000.0, abs=0.01)
    assert bearing.lon is not None and bearing.lon > 37.55
    # sqrt(10^2 + (0.25 * 4000)^2 + (4000 * tan 10 deg)^2)
    assert bearing.uncertainty_m == pytest.approx(1223.7, abs=0.1)
    assert area_only.area == "UA-14/Bakhmutskyi raion" and area_only.lon is None


def test_not_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text("report_id,monitor_id\nFR-1,M-1\n", encoding="utf-8")
    with pytest.raises(UnreadableInputError, match="not JSON lines"):
        FieldReportSource().read(path)
