"""UCDP GED: cp1252, three date layouts, where_prec and adm_1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.observations.model import Observation
from ceasefire.observations.sources.ucdp import UcdpSource, ucdp_date

FIXTURES = Path(__file__).parent / "fixtures"


def test_fixture_rows() -> None:
    chunks = list(UcdpSource().read(FIXTURES / "ucdp_small.csv"))
    accepted = [o for c in chunks for o in c.batch]
    rejected = [r for c in chunks for r in c.rejections]
    assert [o.source_id for o in accepted] == ["416623", "468247", "900002"]
    assert [(r.row, r.field) for r in rejected] == [(3, "date_start"), (5, "date_end")]
    assert "31/31/2014" in rejected[0].reason and rejected[0].raw.startswith("900001,")
    invented = accepted[2]
    assert (
        invented.attributes["where_description"] == "Café near Luhansk – invented"
    )  # cp1252 é and –
    assert invented.observed_at == accepted[1].observed_at  # ISO dates read like the Excel ones


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("1/22/2014 12:00:00 AM", (2014, 1, 22)),
        ("10/13/2014 12:00:00 AM", (2014, 10, 13)),
        ("05/02/2014 00:00", (2014, 5, 2)),
        ("2023-03-05", (2023, 3, 5)),
    ],
)
def test_date_layouts(cell: str, day: tuple[int, int, int]) -> None:
    assert ucdp_date(cell, "date_start").timetuple()[:3] == day


def _real(shared_data: Path) -> list[Observation]:
    return [
        o
        for c in UcdpSource().read(shared_data / "conflict-events/UCDP-Ukraine.csv")
        for o in c.batch
    ]


@pytest.mark.shared_data
def test_real_file(shared_data: Path) -> None:
    chunks = list(
        UcdpSource().read(shared_data / "conflict-events/UCDP-Ukraine.csv", chunk_rows=1000)
    )
    assert sum(len(c.batch) for c in chunks) == 3883  # every event; no date is unparseable
    assert sum(len(c.rejections) for c in chunks) == 0
    events = {o.source_id: o for c in chunks for o in c.batch}
    maidan = events["147997"]  # 1/22/2014 12:00:00 AM, Kiev Special Republican city, where_prec 1
    assert maidan.observed_at == datetime(2014, 1, 21, 22, 0, tzinfo=UTC)  # Kyiv midnight, UTC+2
    assert maidan.area == "UA-30" and maidan.uncertainty_m == 1_000.0
    assert maidan.attributes["best"] == 5 and maidan.attributes["side_b"] == "Maidan"
    luhansk = events["468247"]  # 2/27/2023 12:00:00 AM -> 03/05/2023 00:00, where_prec 4
    assert luhansk.observed_at == datetime(2023, 2, 26, 22, 0, tzinfo=UTC)
    assert luhansk.observed_until == datetime(2023, 3, 5, 22, 0, tzinfo=UTC)
    assert luhansk.area == "UA-09" and luhansk.uncertainty_m == 100_000.0
    assert events["155365"].observed_at == datetime(
        2014, 10, 12, 21, 0, tzinfo=UTC
    )  # MM/DD, summer
    assert events["153027"].observed_at == datetime(
        2014, 5, 1, 21, 0, tzinfo=UTC
    )  # MM/DD/YYYY HH:MM
    assert sum(o.area is None for o in events.values()) == 311  # empty adm_1 (Donbas-wide, country)
