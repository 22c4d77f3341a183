"""Air-raid alerts: both layouts, areas, the swapped row, naive ends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.sources.alerts import AirRaidAlertSource

FIXTURES = Path(__file__).parent / "fixtures"


def test_official_fixture() -> None:
    (chunk,) = AirRaidAlertSource().read(FIXTURES / "alerts_official_small.csv")
    assert chunk.batch.area == [
        "UA-05",
        "UA-12/Nikopolskyi raion",
        "UA-53/Hrebinkivska terytorialna hromada",
        "UA-51",
    ]
    assert [(r.row, r.field) for r in chunk.rejections] == [
        (4, "oblast"),
        (5, "finished_at"),
        (6, "started_at"),
    ]
    swapped = chunk.batch.observation(2)
    assert swapped.attributes["raion"] == "Lubenskyi raion"
    assert "swapped" in swapped.attributes["note"]
    ongoing = chunk.batch.observation(3)
    assert ongoing.observed_until is None and ongoing.attributes["ongoing"] is True
    assert chunk.batch.source_id[0] == "official/UA-05/2022-03-15T16:10:34Z"


def test_volunteer_fixture() -> None:
    (chunk,) = AirRaidAlertSource().read(FIXTURES / "alerts_volunteer_small.csv")
    kyiv, cherkasy = chunk.batch
    assert kyiv.area == "UA-30" and kyiv.attributes["end_estimated"] is True
    assert kyiv.observed_until == datetime(2022, 2, 25, 17, 6, 22, tzinfo=UTC)
    assert cherkasy.attributes["end_estimated"] is False
    assert [(r.row, r.field) for r in chunk.rejections] == [(3, "region"), (4, "naive")]


def test_unknown_layout(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("when,where\n2022-01-01,Kyiv\n", encoding="utf-8")
    with pytest.raises(UnreadableInputError, match="not an air-raid alerts file"):
        AirRaidAlertSource().read(path)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("file_name", "rows", "estimated"),
    [("official_data_en.csv", 29_907, 0), ("volunteer_data_en.csv", 29_020, 1_192)],
)
def test_real_files(shared_data: Path, file_name: str, rows: int, estimated: int) -> None:
    chunks = list(
        AirRaidAlertSource().read(shared_data / "air-raid-alerts" / file_name, chunk_rows=10_000)
    )
    observations = [o for c in chunks for o in c.batch]
    assert len(observations) == rows and not any(c.rejections for c in chunks)
    assert sum(o.attributes.get("end_estimated") is True for o in observations) == estimated
    assert len({o.source_id for o in observations}) == rows
    assert all(o.lon is None and o.area for o in observations)


@pytest.mark.shared_data
def test_real_official_quirks(shared_data: Path) -> None:
    chunks = list(AirRaidAlertSource().read(shared_data / "air-raid-alerts/official_data_en.csv"))
    observations = [o for c in chunks for o in c.batch]
    first = observations[0]
    assert first.area == "UA-05" and first.observed_at == datetime(
        2022, 3, 15, 16, 10, 34, tzinfo=UTC
    )
    swapped = [o for o in observations if "note" in o.attributes]
    assert [o.origin.row for o in swapped if o.origin] == [17]  # line 18 of the file
    levels = {
        lvl: sum(o.attributes["level"] == lvl for o in observations)
        for lvl in ("oblast", "raion", "hromada")
    }
    assert levels == {"oblast": 25_364, "raion": 896, "hromada": 3_647}
