"""The contract every registered source keeps, checked on a small fixture file per source."""

from __future__ import annotations

import json
import math
from datetime import UTC
from pathlib import Path

import numpy as np
import pytest

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.model import NO_TIME, ObservationBatch, canonical_json
from ceasefire.observations.sources.base import ParsedChunk, Source
from ceasefire.observations.sources.registry import available_sources, get_source

FIXTURES = Path(__file__).parent / "fixtures"

# source -> (fixture file, encoding, header lines before the first record)
SAMPLES: dict[str, tuple[str, str, int]] = {
    "firms": ("firms_small.csv", "utf-8", 1),
    "acled": ("acled_made_up.csv", "utf-8", 1),
    "ucdp": ("ucdp_small.csv", "cp1252", 1),
    "alerts": ("alerts_official_small.csv", "utf-8", 1),
    "attacks": ("attacks_small.csv", "utf-8", 1),
    "field": ("field_reports.jsonl", "utf-8", 0),
}

SOURCES = sorted(available_sources())


def _sample(name: str) -> tuple[Path, str, int]:
    if name not in SAMPLES:
        pytest.skip(f"no sample file for source {name!r} (registered from outside this package)")
    file_name, encoding, header = SAMPLES[name]
    return FIXTURES / file_name, encoding, header


def _read(name: str, path: Path, chunk_rows: int) -> list[ParsedChunk]:
    return list(get_source(name).read(path, chunk_rows=chunk_rows))


def _same(a: ObservationBatch, b: ObservationBatch) -> bool:
    return (
        a.source_id == b.source_id
        and a.raw == b.raw
        and a.kind == b.kind
        and a.area == b.area
        and a.weapon_class == b.weapon_class
        and a.attributes_json == b.attributes_json
        and np.array_equal(a.observed_at_us, b.observed_at_us)
        and np.array_equal(a.observed_until_us, b.observed_until_us)
        and np.array_equal(a.lon, b.lon, equal_nan=True)
        and np.array_equal(a.lat, b.lat, equal_nan=True)
        and np.array_equal(a.uncertainty_m, b.uncertainty_m, equal_nan=True)
        and np.array_equal(a.row, b.row)
        and (a.file_name, a.file_sha256) == (b.file_name, b.file_sha256)
    )


def test_every_built_in_source_is_registered() -> None:
    assert set(SAMPLES) <= set(SOURCES)


@pytest.mark.parametrize("name", SOURCES)
def test_is_a_source(name: str) -> None:
    source = get_source(name)
    assert isinstance(source, Source)
    assert source.name == name
    assert source.description


@pytest.mark.parametrize("name", SOURCES)
def test_every_record_lands_once_with_its_raw_text(name: str) -> None:
    path, encoding, header = _sample(name)
    lines = path.read_bytes().decode(encoding).removeprefix("\ufeff").split("\n")
    records = {
        i - header + 1: line.removesuffix("\r") for i, line in enumerate(lines) if i >= header
    }
    records = {row: text for row, text in records.items() if text.strip()}
    chunks = _read(name, path, chunk_rows=2)
    seen: dict[int, str] = {}
    for chunk in chunks:
        assert chunk.batch.source == name
        assert chunk.rows_read == len(chunk.batch) + len(chunk.rejections) <= 2
        for row, raw in zip(chunk.batch.row.tolist(), chunk.batch.raw, strict=True):
            assert row not in seen
            seen[row] = raw
        for rejection in chunk.rejections:
            assert rejection.row not in seen
            assert rejection.source == name and rejection.field and rejection.reason
            assert rejection.file_name == path.name
            seen[rejection.row] = rejection.raw
    assert seen == records
    assert sum(len(c.rejections) for c in chunks) > 0, "each sample has bad rows"
    assert sum(len(c.batch) for c in chunks) > 0


@pytest.mark.parametrize("name", SOURCES)
def test_chunks_report_progress_through_the_file(name: str) -> None:
    path, _, _ = _sample(name)
    chunks = _read(name, path, chunk_rows=2)
    progress = [c.bytes_read for c in chunks]
    assert progress == sorted(progress)
    assert progress[-1] == path.stat().st_size


@pytest.mark.parametrize("name", SOURCES)
def test_chunk_size_does_not_change_the_result(name: str) -> None:
    path, _, _ = _sample(name)
    small = _read(name, path, chunk_rows=1)
    large = _read(name, path, chunk_rows=10_000)
    assert len(large) == 1
    assert [r for c in small for r in c.batch.source_id] == large[0].batch.source_id
    assert [r for c in small for r in c.rejections] == large[0].rejections


@pytest.mark.parametrize("name", SOURCES)
def test_rereading_gives_identical_batches(name: str) -> None:
    path, _, _ = _sample(name)
    first, second = _read(name, path, 3), _read(name, path, 3)
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        assert _same(a.batch, b.batch)
        assert a.rejections == b.rejections


@pytest.mark.parametrize("name", SOURCES)
def test_observations_are_valid_utc_and_json_safe(name: str) -> None:
    path, _, _ = _sample(name)
    for chunk in _read(name, path, 100):
        batch = chunk.batch
        assert batch.file_sha256 and batch.file_name == path.name
        for i, observation in enumerate(
            batch
        ):  # building each Observation re-checks its invariants
            assert observation.observed_at.tzinfo is UTC
            if batch.observed_until_us[i] != NO_TIME:
                assert batch.observed_until_us[i] >= batch.observed_at_us[i]
            attributes = json.loads(batch.attributes_json[i], parse_constant=lambda c: math.nan)
            assert canonical_json(attributes) == batch.attributes_json[i]
            assert observation.source_id
            assert observation.uncertainty_m is None or observation.uncertainty_m >= 0


@pytest.mark.parametrize("name", SOURCES)
def test_missing_file_is_unreadable(name: str, tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError) as error:
        get_source(name).read(tmp_path / "absent.csv")
    assert "\n" not in str(error.value)
    assert "absent.csv" in str(error.value)


@pytest.mark.parametrize("name", SOURCES)
def test_wrong_file_is_unreadable(name: str, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_bytes(b"\xff\xfeW\x00h\x00a\x00t\x00,\x00\n\x00" + bytes(range(256)))
    with pytest.raises(UnreadableInputError) as error:
        list(get_source(name).read(path))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("name", SOURCES)
def test_empty_file(name: str, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    try:
        chunks = list(get_source(name).read(path))
    except UnreadableInputError as error:
        assert "\n" not in str(error)
    else:
        assert sum(c.rows_read for c in chunks) == 0
