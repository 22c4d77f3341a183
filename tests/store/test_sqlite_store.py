"""The SQLite store: idempotent writes, nothing lost, versioned agreements and schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from ceasefire.agreement.model import Agreement
from ceasefire.errors import ConflictError, SchemaVersionError, StoreError
from ceasefire.observations.model import ObservationBatch, Rejection
from ceasefire.store.base import AssessmentRows, ObservationQuery
from ceasefire.store.schema import COMPONENTS
from ceasefire.store.sqlite import SQLiteStore, open_store

BatchFactory = Callable[..., ObservationBatch]


def _run(store: SQLiteStore) -> int:
    return store.start_ingest_run("test", "test.csv", "0" * 64)


def test_a_new_store_has_the_current_schema_in_wal_mode(store: SQLiteStore) -> None:
    assert store.schema_versions() == {name: len(migrations) for name, migrations in COMPONENTS}
    (mode,) = store.connection.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"


def test_a_store_newer_than_the_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_versions SET version = version + 1 WHERE component = 'core'")
    with pytest.raises(
        SchemaVersionError, match="core schema version 2; this ceasefire knows up to 1"
    ):
        SQLiteStore(path)


def test_reopening_a_store_keeps_its_rows(tmp_path: Path, make_batch: BatchFactory) -> None:
    path = tmp_path / "s.db"
    with SQLiteStore(path) as first:
        first.add_observations(make_batch(), _run(first))
    with SQLiteStore(path) as second:
        assert second.count_observations(ObservationQuery()) == 3


def test_writing_the_same_observations_twice_stores_them_once(
    store: SQLiteStore, make_batch: BatchFactory
) -> None:
    run = _run(store)
    first = store.add_observations(make_batch(ids=["a", "b"]), run)
    second = store.add_observations(make_batch(ids=["a", "b", "c"]), run)
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (second.inserted, second.duplicates) == (1, 2)
    assert store.count_observations(ObservationQuery()) == 3


def test_the_same_source_id_from_two_sources_is_two_observations(
    store: SQLiteStore, make_batch: BatchFactory
) -> None:
    run = _run(store)
    store.add_observations(make_batch(source="one", ids=["x"]), run)
    store.add_observations(make_batch(source="two", ids=["x"]), run)
    rows = store.query_observations(ObservationQuery())
    assert sorted((r.source, r.source_id) for r in rows) == [("one", "x"), ("two", "x")]


def test_observations_read_back_exactly_as_written(
    store: SQLiteStore, make_batch: BatchFactory
) -> None:
    batch = make_batch(
        ids=["id:with:colons"], lon=[float("nan")], lat=[float("nan")], area=["UA-63"]
    )
    store.add_observations(batch, _run(store))
    (row,) = store.query_observations(ObservationQuery())
    assert row.source_id == "id:with:colons"
    assert row.lon is None and row.lat is None and row.area == "UA-63"
    assert row.raw == "raw,id:with:colons"
    assert row.observed_at == datetime(2023, 1, 6, 12, 0, tzinfo=UTC)
    assert row.observed_at.tzinfo is UTC
    assert row.file_sha256 == "0" * 64 and row.file_row == 1


def test_rejections_are_kept_once_per_file_row_and_field(store: SQLiteStore) -> None:
    run = _run(store)
    bad = [Rejection("test", 7, "lat", "not a number", "x,y", "f.csv", "1" * 64)]
    assert store.add_rejections(bad, run).inserted == 1
    assert store.add_rejections(bad, run).duplicates == 1
    (kept,) = store.rejections()
    assert (kept.row, kept.field, kept.reason, kept.raw) == (7, "lat", "not a number", "x,y")


def test_input_files_are_kept_whole_and_once(store: SQLiteStore) -> None:
    assert store.save_input_file("a" * 64, "f.csv", "test", b"h\r\n1\r\n") is True
    assert store.save_input_file("a" * 64, "f.csv", "test", b"h\r\n1\r\n") is False
    assert store.input_file_content("a" * 64) == b"h\r\n1\r\n"


def test_time_kind_and_source_filters(store: SQLiteStore, make_batch: BatchFactory) -> None:
    run = _run(store)
    days = [datetime(2023, 1, d, tzinfo=UTC) for d in (5, 6, 7)]
    store.add_observations(make_batch(ids=["a", "b", "c"], times=days), run)
    store.add_observations(
        make_batch(source="other", ids=["z"], kind="explosion", times=days[:1]), run
    )
    between = ObservationQuery(since=days[1], until=days[2])
    assert [r.source_id for r in store.query_observations(between)] == ["b"]
    assert store.count_observations(ObservationQuery(kinds=("explosion",))) == 1
    assert store.count_observations(ObservationQuery(sources=("test",))) == 3
    assert [r.source_id for r in store.query_observations(ObservationQuery(limit=2, offset=1))] == [
        "z",
        "b",
    ]


def test_an_agreement_version_cannot_change_content(
    store: SQLiteStore, square_agreement: Agreement
) -> None:
    first = store.save_agreement(square_agreement, {"agreement.yaml": b"v1"})
    again = store.save_agreement(square_agreement, {"agreement.yaml": b"v1"})
    assert first.key == again.key and again.active
    with pytest.raises(ConflictError, match="new version number"):
        store.save_agreement(square_agreement, {"agreement.yaml": b"changed"})
    assert store.agreement_files(first.key) == {"agreement.yaml": b"v1"}


def test_assessments_advance_a_watermark_and_feed_zone_filters(
    store: SQLiteStore, make_batch: BatchFactory, square_agreement: Agreement
) -> None:
    key = store.save_agreement(square_agreement, {"agreement.yaml": b"v1"}).key
    store.add_observations(make_batch(ids=["a", "b", "c"]), _run(store))
    pending = store.pending_assessment(key, limit=10)
    assert len(pending.rowids) == 3
    store.save_assessments(
        key,
        AssessmentRows(
            rowids=pending.rowids,
            signed_distance_m=np.array([-5_000.0, 3_000.0, np.nan]),
            side=["UA", "RU", ""],
            oblast=["UA-N", "UA-N", ""],
            zone_ids=("band",),
            in_zone=np.array([[True], [True], [False]]),
        ),
    )
    assert len(store.pending_assessment(key, limit=10).rowids) == 0
    in_band = store.query_observations(ObservationQuery(zone="band", agreement_key=key))
    assert [(r.source_id, r.side, r.zones) for r in in_band] == [
        ("a", "UA", ("band",)),
        ("b", "RU", ("band",)),
    ]
    assert store.count_observations(ObservationQuery(side="RU", agreement_key=key)) == 1
    assert [(c.zone, c.side, c.count) for c in store.zone_counts(key)] == [
        ("band", "RU", 1),
        ("band", "UA", 1),
    ]
    (unplaced,) = [
        r
        for r in store.query_observations(ObservationQuery(agreement_key=key))
        if r.source_id == "c"
    ]
    assert unplaced.signed_distance_m is None and unplaced.zones == ()
    # observations arriving later are the only ones pending
    store.add_observations(make_batch(ids=["d"]), _run(store))
    assert len(store.pending_assessment(key, limit=10).rowids) == 1


def test_zone_filter_without_an_agreement_is_an_error(store: SQLiteStore) -> None:
    with pytest.raises(StoreError, match="needs an agreement"):
        store.query_observations(ObservationQuery(zone="band"))


@pytest.mark.parametrize(
    ("url", "message"),
    [("postgresql://localhost/x", "not available yet"), ("mysql://x", "unsupported store URL")],
)
def test_store_urls_other_than_sqlite_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_more_zones_than_the_bit_mask_holds_are_still_stored_and_filtered(
    store: SQLiteStore, make_batch: BatchFactory, square_agreement: Agreement
) -> None:
    key = store.save_agreement(square_agreement, {"agreement.yaml": b"v1"}).key
    store.add_observations(make_batch(ids=["a", "b"]), _run(store))
    pending = store.pending_assessment(key, limit=10)
    zone_ids = tuple(f"site-{i:02d}" for i in range(70))
    in_zone = np.zeros((2, 70), dtype=bool)
    in_zone[0, [3, 65]] = True  # a: one zone inside the mask, one past it
    in_zone[1, 69] = True
    store.save_assessments(
        key,
        AssessmentRows(
            rowids=pending.rowids,
            signed_distance_m=np.array([1.0, 2.0]),
            side=["RU", "UA"],
            oblast=["UA-N", "UA-S"],
            zone_ids=zone_ids,
            in_zone=in_zone,
        ),
    )
    rows = {
        r.source_id: r.zones for r in store.query_observations(ObservationQuery(agreement_key=key))
    }
    assert rows == {"a": ("site-03", "site-65"), "b": ("site-69",)}
    for zone, expected in (
        ("site-03", ["a"]),
        ("site-65", ["a"]),
        ("site-69", ["b"]),
        ("site-10", []),
    ):
        found = store.query_observations(ObservationQuery(zone=zone, agreement_key=key))
        assert [r.source_id for r in found] == expected, zone
    counts = {(c.zone, c.side): c.count for c in store.zone_counts(key)}
    assert counts == {("site-03", "RU"): 1, ("site-65", "RU"): 1, ("site-69", "UA"): 1}
