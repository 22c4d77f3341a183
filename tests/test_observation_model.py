"""The observation record refuses what cannot be true, and batches round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from ceasefire.observations.model import Observation, ObservationBatch
from ceasefire.observations.taxonomy import Kind

T0 = datetime(2023, 1, 6, 9, 0, tzinfo=UTC)


def obs(**changes: object) -> Observation:
    fields: dict[str, object] = dict(
        source="s", source_id="1", observed_at=T0, kind=Kind.SHELLING, raw="r", lon=37.5, lat=48.0
    )
    fields.update(changes)
    return Observation(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"observed_at": datetime(2023, 1, 6, 9, 0)}, "naive"),
        ({"observed_until": T0 - timedelta(seconds=1)}, "before observed_at"),
        ({"lon": None}, "together"),
        ({"lon": None, "lat": None}, "point, an area, or both"),
        ({"lon": 3_850_000.0}, "not lon/lat"),
        ({"uncertainty_m": -1.0}, "zero or more"),
        ({"uncertainty_m": float("inf")}, "finite"),
        ({"source_id": ""}, "source_id is empty"),
    ],
)
def test_impossible_observations_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        obs(**changes)


def test_an_area_alone_locates_an_observation() -> None:
    alert = obs(lon=None, lat=None, area="UA-63", kind=Kind.AIR_RAID_ALERT)
    assert alert.key == ("s", "1")


def test_a_batch_round_trips_its_records() -> None:
    records = [
        obs(source_id="1", attributes={"b": 2, "a": "ї"}),
        obs(
            source_id="2", lon=None, lat=None, area="UA-14", observed_until=T0 + timedelta(hours=1)
        ),
    ]
    batch = ObservationBatch.from_observations("s", records, file_name="f", file_sha256="x")
    assert batch.attributes_json[0] == '{"a":"ї","b":2}'
    assert batch.has_point.tolist() == [True, False]
    back = list(batch)
    assert [o.source_id for o in back] == ["1", "2"]
    assert back[1].observed_until == T0 + timedelta(hours=1) and back[1].lon is None
    assert back[0].attributes == {"a": "ї", "b": 2}
    assert len(batch.take(np.array([False, True]))) == 1


def test_a_batch_from_another_source_is_refused() -> None:
    with pytest.raises(ValueError, match="source"):
        ObservationBatch.from_observations("other", [obs()])
