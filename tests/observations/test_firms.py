"""FIRMS: both layouts, footprints, validation and the hot path's equivalence to the slow one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.observations.model import NO_TIME
from ceasefire.observations.sources.base import ParsedChunk
from ceasefire.observations.sources.firms import FirmsSource

FIXTURES = Path(__file__).parent / "fixtures"
VIIRS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,"
    "bright_ti5,frp,daynight,instrument"
)


def _read(path: Path, chunk_rows: int = 100_000) -> list[ParsedChunk]:
    return list(FirmsSource().read(path, chunk_rows=chunk_rows))


def test_small_file_rows_and_reasons() -> None:
    chunks = _read(FIXTURES / "firms_small.csv")
    batch = chunks[0].batch
    assert batch.row.tolist() == [1, 7, 8]
    assert [(r.row, r.field) for r in chunks[0].rejections] == [
        (2, "LATITUDE"),
        (3, "LONGITUDE"),
        (4, "ACQ_DATE"),
        (6, "(record)"),
    ]
    assert chunks[0].rejections[2].raw == "47.3,37.7,2022-02-30"
    # an exact duplicate row gets the same id, so the store sees it once
    assert batch.source_id[0] == batch.source_id[1] == "2022-01-01/47.1005/37.6171"
    first = batch.observation(0)
    assert first.observed_at == datetime(2022, 1, 1, tzinfo=UTC)
    assert first.observed_until == datetime(2022, 1, 2, tzinfo=UTC)
    assert first.uncertainty_m == 707.1  # half-diagonal of an assumed 1 km MODIS pixel
    assert first.attributes == {
        "footprint": "instrument not stated: MODIS 1 km pixel assumed (the larger)",
        "time_precision": "day",
    }


def test_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "crlf.csv"
    path.write_bytes(
        b"\xef\xbb\xbfLATITUDE,LONGITUDE,ACQ_DATE\r\n47.1,37.6,2022-01-01\r\n\r\n48.0,38.0,2022-01-02"
    )
    (chunk,) = _read(path)
    assert chunk.batch.raw == ["47.1,37.6,2022-01-01", "48.0,38.0,2022-01-02"]
    assert chunk.batch.row.tolist() == [1, 3]
    assert chunk.bytes_read == path.stat().st_size


def test_full_viirs_export(tmp_path: Path) -> None:
    path = tmp_path / "viirs.csv"
    path.write_text(
        VIIRS_HEADER + "\n"
        "47.52171,33.67307,298.69,0.46,0.64,2025-09-17,0052,N20,nominal,2.0NRT,277.93,1.3,N,VIIRS\n"
        "49.52766,37.99889,367,,,2025-09-17,08:58:00,N20,high,2.0NRT,291.3,14.22,D,VIIRS\n"
        "47.50315,37.04028,343.39,0.48,0.4,2025-09-17,2575,N20,nominal,2.0NRT,302.09,6.82,D,VIIRS\n"
        "47.5,37.0,320.1,1.2,1.1,2025-09-17,930,T,85,6.1NRT,290.0,20.5,D,MODIS\n",
        encoding="utf-8",
    )
    (chunk,) = _read(path)
    assert [(r.row, r.field) for r in chunk.rejections] == [(3, "acq_time")]
    first, second, modis = chunk.batch
    assert first.observed_at == datetime(2025, 9, 17, 0, 52, tzinfo=UTC)
    assert first.observed_until is None
    assert first.uncertainty_m == 394.1  # 0.5 * hypot(460 m, 640 m)
    assert first.source_id == "2025-09-17T0052/N20/47.52171/33.67307"
    assert first.attributes["frp"] == 1.3 and first.attributes["confidence"] == "nominal"
    assert second.observed_at == datetime(2025, 9, 17, 8, 58, tzinfo=UTC)
    assert second.uncertainty_m == 265.2  # no scan/track: nominal VIIRS 375 m pixel
    assert second.attributes["footprint"] == "nominal VIIRS 375 m pixel"
    assert second.attributes["bright_ti4"] == 367.0 and second.attributes["scan"] is None
    assert modis.observed_at == datetime(2025, 9, 17, 9, 30, tzinfo=UTC)
    assert modis.attributes["confidence"] == 85
    assert modis.uncertainty_m == 813.9  # 0.5 * hypot(1200 m, 1100 m)


def test_quoted_file_takes_the_slow_path_with_the_same_result(tmp_path: Path) -> None:
    plain = (FIXTURES / "firms_small.csv").read_text(encoding="utf-8")
    quoted = plain.replace("2022-03-06", '"2022-03-06"')
    path = tmp_path / "quoted.csv"
    path.write_text(quoted, encoding="utf-8")
    fast, slow = _read(FIXTURES / "firms_small.csv", 2), _read(path, 2)
    # chunks may be cut differently (the fast path counts blank lines), the rows may not
    fast_ids = [i for c in fast for i in c.batch.source_id]
    assert fast_ids == [i for c in slow for i in c.batch.source_id]
    assert [(r.row, r.field) for c in fast for r in c.rejections] == [
        (r.row, r.field) for c in slow for r in c.rejections
    ]
    assert slow[-1].batch.raw[-1] == '48.2113,38.2567,"2022-03-06"'


def test_not_a_firms_file(tmp_path: Path) -> None:
    from ceasefire.errors import UnreadableInputError

    path = tmp_path / "alerts.csv"
    path.write_text("region,started_at,finished_at,naive\n", encoding="utf-8")
    with pytest.raises(UnreadableInputError, match="lacks column"):
        FirmsSource().read(path)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("year", "rows"), [(2000, 79), (2021, 57_595), (2022, 133_979), (2023, 98_287)]
)
def test_real_yearly_files(shared_data: Path, year: int, rows: int) -> None:
    chunks = _read(shared_data / f"firms-fires/ukr_fire_data_{year}.csv", 50_000)
    assert sum(len(c.batch) for c in chunks) == rows  # wc -l minus the header
    assert sum(len(c.rejections) for c in chunks) == 0
    assert all(c.rows_read <= 50_000 for c in chunks)
    first = chunks[0].batch
    assert first.observed_until_us[0] - first.observed_at_us[0] == 86_400_000_000
    assert first.observed_until_us[0] != NO_TIME


@pytest.mark.shared_data
def test_real_2022_first_row(shared_data: Path) -> None:
    batch = _read(shared_data / "firms-fires/ukr_fire_data_2022.csv", 10)[0].batch
    assert batch.raw[0] == "47.1005,37.6171,2022-01-01"
    assert (batch.lat[0], batch.lon[0]) == (47.1005, 37.6171)


@pytest.mark.shared_data
def test_real_viirs_sample(shared_data: Path) -> None:
    path = (
        shared_data
        / "economist-samples/J1_VIIRS_C2_Global_VJ114IMGTDL_NRT_2025260.txt.SAMPLE24.csv"
    )
    (chunk,) = _read(path)
    assert len(chunk.batch) == 24 and not chunk.rejections
    assert all(json.loads(a)["instrument"] == "VIIRS" for a in chunk.batch.attributes_json)
