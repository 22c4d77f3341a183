"""Every accepted record becomes a leaf in the same transaction; the log recomputes end to end."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.errors import StoreError
from ceasefire.ledger.checkpoint import NoteSigner
from ceasefire.ledger.errors import LedgerCorruptError
from ceasefire.ledger_ops import audit, consistency_bundle, inclusion_bundle, issue_checkpoint
from ceasefire.observations.model import ObservationBatch, Rejection
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.verifier import check_consistency_bundle, check_inclusion_bundle


def fill(store: SQLiteStore, make_batch: Callable[..., ObservationBatch]) -> None:
    run = store.start_ingest_run("test", "test.csv", "0" * 64)
    store.add_observations(make_batch(ids=["a", "b", "c"]), run)
    store.add_observations(make_batch(ids=["c", "d", "d", "e"]), run)  # c known, d repeated
    store.add_rejections(
        [Rejection("test", 7, "lat", "not a number", 'x,"y"', "test.csv", "0" * 64)], run
    )


def test_records_and_leaves_commit_together_and_recompute(
    tmp_path: Path, make_batch: Callable[..., ObservationBatch]
) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        assert store.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        fill(store, make_batch)
        store.append_record("finding", {"id": "F-1", "observations": ["test:a", "test:d"]})
        result = store.ledger.audit()
        assert (result.leaves, result.observations, result.rejections, result.records) == (
            7,
            5,
            1,
            1,
        )
        assert [store.ledger.leaf_of_uid(f"test:{x}") for x in "abcde"] == [0, 1, 2, 3, 4]
        entry = json.loads(store.ledger.entry(3).data)
        assert entry["uid"] == "test:d" and entry["type"] == "observation"
        assert json.loads(store.ledger.entry(5).data)["raw"] == 'x,"y"'
        # a changed record no longer matches its leaf
        store.connection.execute("UPDATE observations SET raw='forged' WHERE uid='test:b'")
        with pytest.raises(LedgerCorruptError, match="leaf 1 does not match"):
            store.ledger.audit()


def test_a_failed_transaction_leaves_neither_record_nor_leaf(
    tmp_path: Path, make_batch: Callable[..., ObservationBatch]
) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        fill(store, make_batch)
        with pytest.raises(RuntimeError):
            with store.transaction("a caller's transaction"):
                store.append_record("decision", {"id": "D-1"})
                raise RuntimeError("the caller fails after appending")
        assert store.ledger.size() == 6
        assert store.append_record("decision", {"id": "D-2"}) == 6
        assert store.ledger.audit().leaves == 7


def test_disk_full_mid_ingest_fails_closed(
    tmp_path: Path, make_batch: Callable[..., ObservationBatch]
) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        fill(store, make_batch)
        (pages,) = store.connection.execute("PRAGMA page_count").fetchone()
        store.connection.execute(f"PRAGMA max_page_count={pages + 1}")
        run = store.start_ingest_run("test", "big.csv", "1" * 64)
        ids = [f"n{i}" for i in range(20_000)]
        with pytest.raises(StoreError, match="full"):
            when = [datetime(2023, 1, 7, tzinfo=UTC)] * len(ids)
            store.add_observations(make_batch(ids=ids, lon=[30.0] * len(ids), times=when), run)
        store.connection.execute("PRAGMA max_page_count=1073741823")
        result = store.ledger.audit()  # no partial state: neither rows nor leaves
        assert (result.leaves, result.observations) == (6, 5)


def test_a_store_with_a_ledger_is_not_written_without_it(
    tmp_path: Path, make_batch: Callable[..., ObservationBatch]
) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        fill(store, make_batch)
    with SQLiteStore(tmp_path / "s.db", ledger=False) as store:
        run = store.start_ingest_run("test", "x.csv", "0" * 64)
        with pytest.raises(StoreError, match="ledger"):
            store.add_observations(make_batch(ids=["z"]), run)


def test_checkpoints_and_bundles_verify_with_the_standalone_verifier(
    tmp_path: Path, make_batch: Callable[..., ObservationBatch]
) -> None:
    signer = NoteSigner.generate("monitoring.example/test-log")
    with SQLiteStore(tmp_path / "s.db") as store:
        run = store.start_ingest_run("test", "test.csv", "0" * 64)
        store.add_observations(make_batch(ids=["a", "b", "c"]), run)
        first = issue_checkpoint(store, signer)
        store.add_observations(make_batch(ids=[f"x{i}" for i in range(40)]), run)
        second = issue_checkpoint(store, signer)
        assert (first.size, second.size) == (3, 43)
        bundle = inclusion_bundle(store, store.ledger.leaf_of_uid("test:b"))
        assert check_inclusion_bundle(bundle, [signer.verifier]).startswith("leaf 1 ")
        cbundle = consistency_bundle(store, 3, 43)
        assert "43" in check_consistency_bundle(cbundle, [signer.verifier])
        result, latest = audit(store)
        assert latest is not None and latest.size == 43 and result.leaves == 43
        # a rewritten leaf tile is found by the audit
        conn: sqlite3.Connection = store.connection
        conn.execute("UPDATE ledger_tiles SET hashes = zeroblob(length(hashes)) WHERE id = 0")
        with pytest.raises(LedgerCorruptError):
            audit(store)
