"""Leaf hashes from the worker process are exactly the reference leaf hashes."""

from __future__ import annotations

import numpy as np

from ceasefire.ledger.hasher import LeafHasher
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
    parts = observation_leaf_lines(cols)
    assert len(parts) == 3
    hasher = LeafHasher()
    try:
        remote = split_hashes(hasher.hash_parts(parts))
        again = split_hashes(hasher.hash_parts(observation_leaf_lines(cols.slice(0, 5))))
        assert hasher._process is not None and hasher._process.poll() is None  # it ran there
    finally:
        hasher.close()
    sample = range(0, len(cols), 997)
    assert [remote[i] for i in sample] == [leaf_of(cols.record(i))[1] for i in sample]
    assert again == remote[:5]
    broken = LeafHasher()
    broken._broken = True  # a worker that cannot start: hashed in process
    assert split_hashes(broken.hash_parts(parts)) == remote
