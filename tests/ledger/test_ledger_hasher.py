"""Leaf hashes from the worker process are exactly the reference leaf hashes."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire.ledger.columns_wire import WireFormatError, decode_columns, encode_columns
from ceasefire.ledger.errors import CanonicalizationError
from ceasefire.ledger.hasher import LeafHasher, TreeBase
from ceasefire.ledger.merkle import MemoryHashStore, MerkleLog, run_hashes
from ceasefire.ledger.records import (
    NO_TIME,
    ObservationColumns,
    leaf_of,
    observation_leaf_lines,
    split_hashes,
)


def columns(n: int, rng: np.random.Generator) -> ObservationColumns:
    texts = ["plain", 'q " b \\ c\x01', "Україна 🚀", ""]
    pick = rng.integers(0, len(texts), n).tolist()
    return ObservationColumns(
        uid=[f"src:{i}{texts[k]}" for i, k in enumerate(pick)],
        observed_at_us=rng.integers(0, 2**53 - 1, n),
        observed_until_us=np.where(rng.random(n) < 0.5, NO_TIME, rng.integers(0, 2**50, n)),
        kind=["shelling"] * n,
        lon=rng.uniform(-180, 180, n),
        lat=np.where(rng.random(n) < 0.1, np.nan, rng.uniform(-90, 90, n)),
        uncertainty_m=rng.uniform(0, 1e12, n),
        area=[None if k % 2 else "UA-14" for k in pick],
        weapon_class=[None] * n,
        attributes_json=["{}"] * n,
        raw=[texts[k] * 3 for k in pick],
        file_sha256=["ab" * 32] * n,
        file_row=np.arange(n, dtype=np.int64),
    )


def test_the_worker_process_and_the_fallback_give_the_reference_hashes() -> None:
    cols = columns(120_000, np.random.default_rng(3))  # three Arrow parts of 50,000 rows
    assert len(observation_leaf_lines(cols)) == 3
    hasher = LeafHasher()
    try:
        remote = split_hashes(hasher.hash_columns(cols))
        again = split_hashes(hasher.hash_columns(cols.slice(0, 5)))
        assert hasher._process is not None and hasher._process.poll() is None  # it ran there
    finally:
        hasher.close()
    sample = range(0, len(cols), 997)
    assert [remote[i] for i in sample] == [leaf_of(cols.record(i))[1] for i in sample]
    assert again == remote[:5]
    broken = LeafHasher()
    broken._broken = True  # a worker that cannot start: hashed in process
    assert split_hashes(broken.hash_columns(cols)) == remote
    assert broken._process is None


def test_columns_sent_to_the_worker_give_the_reference_hashes() -> None:
    cols = columns(30_000, np.random.default_rng(5))
    expected = b"".join(leaf_of(cols.record(i))[1] for i in range(len(cols)))
    hasher = LeafHasher()
    try:
        assert hasher.hash_columns(cols) == expected
        assert hasher._process is not None and hasher._process.poll() is None  # it ran there
        # a NUL inside a string cannot be sent: built in process, still the reference bytes
        with_nul = cols.slice(0, 50)
        with_nul.raw = [*with_nul.raw[:-1], "a\x00b"]
        assert hasher.hash_columns(with_nul) == b"".join(
            leaf_of(with_nul.record(i))[1] for i in range(50)
        )
    finally:
        hasher.close()


def test_a_value_without_canonical_form_is_refused_through_the_worker() -> None:
    cols = columns(100, np.random.default_rng(6))
    cols.lon = cols.lon.copy()
    cols.lon[7] = np.inf
    hasher = LeafHasher()
    try:
        with pytest.raises(CanonicalizationError, match="infinite"):
            hasher.hash_columns(cols)
        assert hasher._process is not None and hasher._process.poll() is None  # still usable
        good = columns(10, np.random.default_rng(7))
        assert hasher.hash_columns(good) == b"".join(leaf_of(good.record(i))[1] for i in range(10))
    finally:
        hasher.close()


def test_columns_round_trip_through_the_wire_format() -> None:
    cols = columns(2_000, np.random.default_rng(8))
    payload = encode_columns(cols)
    assert payload is not None
    back = decode_columns(payload, len(cols))
    for name in ("uid", "kind", "area", "weapon_class", "attributes_json", "raw", "file_sha256"):
        assert list(getattr(back, name)) == list(getattr(cols, name)), name
    for name in ("observed_at_us", "observed_until_us", "file_row"):
        assert np.array_equal(getattr(back, name), getattr(cols, name)), name
    for name in ("lon", "lat", "uncertainty_m"):
        assert np.array_equal(getattr(back, name), getattr(cols, name), equal_nan=True), name
    with pytest.raises(WireFormatError):
        decode_columns(payload[:-3], len(cols))
    with pytest.raises(WireFormatError):
        decode_columns(payload, len(cols) + 1)


def test_nodes_planned_in_the_worker_are_the_nodes_the_log_computes() -> None:
    cols = columns(9_000, np.random.default_rng(9))
    reference = [leaf_of(cols.record(i))[1] for i in range(len(cols))]
    for start in (0, 1, 1234, 4096):  # empty, odd, ragged and perfect trees
        planned_store, computed_store = MemoryHashStore(), MemoryHashStore()
        planned, computed = MerkleLog(planned_store), MerkleLog(computed_store)
        prefix = [leaf_of({"type": "note", "n": i})[1] for i in range(start)]
        planned.append_leaf_hashes(prefix)
        computed.append_leaf_hashes(prefix)
        base = TreeBase(planned.size, tuple(planned.frontier))
        hasher = LeafHasher()
        try:
            runs = hasher.plan_columns(cols, base)
            assert hasher._process is not None and hasher._process.poll() is None
        finally:
            hasher.close()
        assert planned.append_planned(base.size, base.frontier, runs)
        computed.append_leaf_hashes(reference)
        assert planned.size == computed.size == start + len(cols)
        assert planned.root() == computed.root()
        for level in range(planned.size.bit_length()):
            assert planned_store.level_hashes(level) == computed_store.level_hashes(level)
        # planned in process when the worker cannot run: the same nodes
        broken = LeafHasher()
        broken._broken = True
        again = broken.plan_columns(cols, base)
        assert [(lv, first, run_hashes(h)) for lv, first, h in again] == [
            (lv, first, run_hashes(h)) for lv, first, h in runs
        ]


def test_a_plan_for_another_tree_is_not_applied() -> None:
    cols = columns(5_000, np.random.default_rng(10))
    log = MerkleLog(MemoryHashStore())
    log.append_leaf_hashes([leaf_of({"type": "note", "n": i})[1] for i in range(3)])
    base = TreeBase(log.size, tuple(log.frontier))
    hasher = LeafHasher()
    try:
        runs = hasher.plan_columns(cols, base)
    finally:
        hasher.close()
    log.append_leaf_hashes([leaf_of({"type": "note", "n": 3})[1]])  # another writer came first
    root = log.root()
    assert not log.append_planned(base.size, base.frontier, runs)
    assert log.size == 4 and log.root() == root  # nothing written
    other = [(0, bytes(32))] if base.frontier[0][1] != bytes(32) else [(0, b"\x01" * 32)]
    fresh = MerkleLog(MemoryHashStore())
    fresh.append_leaf_hashes([leaf_of({"type": "note", "n": i})[1] for i in range(3)])
    assert not fresh.append_planned(base.size, tuple(other), runs)  # another frontier


def test_a_worker_that_dies_is_replaced_by_the_same_work_in_process() -> None:
    cols = columns(6_000, np.random.default_rng(11))
    base = TreeBase(0, ())
    hasher = LeafHasher()
    try:
        first = hasher.plan_columns(cols, base)
        process = hasher._process
        assert process is not None
        process.kill()  # the worker dies between two batches
        process.wait(timeout=10)
        again = hasher.plan_columns(cols, base)
        assert hasher._broken and hasher._process is None  # it was given up on
    finally:
        hasher.close()
    assert [(lv, f, run_hashes(h)) for lv, f, h in again] == [
        (lv, f, run_hashes(h)) for lv, f, h in first
    ]
