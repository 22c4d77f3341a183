"""ACLED on made-up rows (its real rows may not be shared): kinds, precision, areas."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ceasefire.observations.sources.acled import AcledSource

FIXTURES = Path(__file__).parent / "fixtures"


def test_made_up_rows() -> None:
    (chunk,) = AcledSource().read(FIXTURES / "acled_made_up.csv")
    missile, drone, clash, unknown_admin1 = chunk.batch
    assert [(r.row, r.field) for r in chunk.rejections] == [
        (4, "geo_precision"),
        (5, "event_date"),
        (7, "longitude"),
    ]
    assert missile.kind == "missile_strike" and missile.source_id == "UKR90001"
    assert missile.area == "UA-63" and missile.uncertainty_m == 2_000.0
    assert missile.observed_at == datetime(2024, 3, 1, 22, 0, tzinfo=UTC)  # Kyiv day, UTC+2
    assert missile.attributes["fatalities"] == 2
    assert (
        drone.kind == "drone_strike" and drone.uncertainty_m == 15_000.0 and drone.area == "UA-51"
    )
    assert clash.kind == "armed_clash" and clash.uncertainty_m == 50_000.0
    # time_precision 2: three days either side of the date
    assert clash.observed_at == datetime(2024, 2, 29, 22, 0, tzinfo=UTC)
    assert clash.observed_until == datetime(2024, 3, 7, 22, 0, tzinfo=UTC)
    assert unknown_admin1.area is None and unknown_admin1.attributes["admin1"] == "Atlantis"
    assert unknown_admin1.lon == 30.0
