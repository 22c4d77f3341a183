"""The ingest pipeline with a plug-in source defined here, registered like an outside one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest

from ceasefire.errors import UnreadableInputError
from ceasefire.ingest import ingest_file
from ceasefire.observations.model import Observation, Origin
from ceasefire.observations.sources.base import (
    ChunkCollector,
    ParsedChunk,
    decode_text,
    iter_csv_records,
    read_file_facts,
)
from ceasefire.observations.sources.registry import get_source, register_source, unregister_source
from ceasefire.observations.taxonomy import Kind
from ceasefire.store.base import ObservationQuery
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import parse_utc


class PatrolLogSource:
    """A made-up patrol log format: id,time,lon,lat (test data, not a real source)."""

    name: ClassVar[str] = "patrol-log-test"
    description: ClassVar[str] = "patrol log CSV used by the tests"

    def read(self, path: Path, *, chunk_rows: int = 2) -> Iterator[ParsedChunk]:
        facts = read_file_facts(path)
        text = decode_text(facts)
        collector = ChunkCollector(self.name, facts, chunk_rows)
        for record in iter_csv_records(facts, text, ("id", "time", "lon", "lat")):
            try:
                when = parse_utc(record.fields["time"])
            except ValueError as exc:
                collector.reject(record.row, "time", str(exc), record.raw)
            else:
                try:
                    lon, lat = float(record.fields["lon"]), float(record.fields["lat"])
                    collector.accept(
                        Observation(
                            self.name,
                            record.fields["id"],
                            when,
                            Kind.SMALL_ARMS_FIRE,
                            record.raw,
                            lon=lon,
                            lat=lat,
                            uncertainty_m=50.0,
                            origin=Origin(facts.name, facts.sha256, record.row),
                        )
                    )
                except ValueError as exc:
                    collector.reject(record.row, "lon/lat", str(exc), record.raw)
            if collector.full():
                yield collector.flush(len(facts.content))
        yield collector.flush(len(facts.content))


LOG = (
    "id,time,lon,lat\r\n"
    "p1,2023-01-06T10:00:00Z,37.80,48.10\r\n"
    "p2,2023-01-06 10:05,37.81,48.11\r\n"
    "p3,2023-01-06T10:10:00+02:00,37.82,48.12\r\n"
    "p4,2023-01-06T10:15:00Z,north,48.13\r\n"
    "p5,2023-01-06T10:20:00Z,37.84,48.14\r\n"
)


def test_a_run_time_plugin_is_found_by_its_short_name() -> None:
    register_source(PatrolLogSource)
    try:
        assert isinstance(get_source("patrol-log-test"), PatrolLogSource)
    finally:
        unregister_source("patrol-log-test")
    with pytest.raises(Exception, match="unknown source 'patrol-log-test'"):
        get_source("patrol-log-test")


def test_a_source_named_by_dotted_path_is_loaded() -> None:
    source = get_source("ceasefire.observations.sources.firms:FirmsSource")
    assert source.name == "firms"


def test_ingest_counts_keeps_rejections_and_is_idempotent(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = tmp_path / "patrol.csv"
    path.write_bytes(LOG.encode())
    seen: list[tuple[int, int]] = []
    first = ingest_file(
        store, PatrolLogSource(), path, chunk_rows=2, progress=lambda d, t: seen.append((d, t))
    )
    assert (first.rows, first.accepted, first.duplicates, first.rejected) == (5, 3, 0, 2)
    assert first.file_was_new and seen and seen[-1] == (len(LOG), len(LOG))
    second = ingest_file(store, PatrolLogSource(), path, chunk_rows=2)
    assert (second.accepted, second.duplicates, second.rejected, second.file_was_new) == (
        0,
        3,
        2,
        False,
    )
    assert store.count_observations(ObservationQuery()) == 3
    rejected = {(r.row, r.field) for r in store.rejections()}
    assert rejected == {(2, "time"), (4, "lon/lat")}, "a naive time and a bad longitude, once each"
    assert [r.raw for r in store.rejections() if r.row == 2] == ["p2,2023-01-06 10:05,37.81,48.11"]
    assert store.input_file_content(first.file_sha256) == LOG.encode()
    kept = {o.source_id: o for o in store.query_observations(ObservationQuery())}
    assert kept["p3"].observed_at == datetime.fromisoformat("2023-01-06T08:10:00+00:00")
    assert kept["p1"].raw == "p1,2023-01-06T10:00:00Z,37.80,48.10"


def test_a_file_without_the_expected_columns_is_unreadable(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(UnreadableInputError, match="other.csv: lacks column"):
        ingest_file(store, PatrolLogSource(), path)
