"""Ledger figures: appending leaves, roots, inclusion and consistency proofs.

Prints ``name: value`` lines. ``python benchmarks/ledger.py --leaves 1000000``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable

from ceasefire.ledger.merkle import HashStore, MemoryHashStore, MerkleLog
from ceasefire.ledger.sqlite_store import SqliteHashStore
from ceasefire.verifier import verify_consistency, verify_inclusion


def per_call(fn: Callable[[], object], repeat: int) -> float:
    """Mean seconds per call of ``fn`` over ``repeat`` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def bench(name: str, store: HashStore, leaves: list[bytes], commit: Callable[[], None]) -> None:
    log = MerkleLog(store)
    start = time.perf_counter()
    log.append_many(leaves)
    commit()
    elapsed = time.perf_counter() - start
    n = log.size
    print(f"{name}_append_leaves_per_s: {n / elapsed:,.0f}")
    print(f"{name}_append_total_s: {elapsed:.2f}")
    reopened_start = time.perf_counter()
    log = MerkleLog(store)
    print(f"{name}_reopen_ms: {(time.perf_counter() - reopened_start) * 1e3:.3f}")
    rng = random.Random(1)
    print(f"{name}_root_current_us: {per_call(log.root, 1000) * 1e6:.1f}")
    print(f"{name}_root_past_us: {per_call(lambda: log.root(rng.randint(1, n)), 1000) * 1e6:.1f}")
    inclusion = per_call(lambda: log.inclusion_proof(rng.randrange(n)), 1000)
    print(f"{name}_inclusion_proof_us: {inclusion * 1e6:.1f}")
    consistency = per_call(lambda: log.consistency_proof(rng.randint(1, n - 1)), 1000)
    print(f"{name}_consistency_proof_us: {consistency * 1e6:.1f}")
    index = rng.randrange(n)
    proof = log.inclusion_proof(index)
    root, leaf = log.root(), log.leaf_hash(index)
    verify = per_call(lambda: verify_inclusion(leaf, index, n, proof, root), 1000)
    print(f"inclusion_proof_hashes: {len(proof)}")
    print(f"{name}_verify_inclusion_us: {verify * 1e6:.1f}")
    old = n // 3 + 1
    cproof, old_root = log.consistency_proof(old), log.root(old)
    cverify = per_call(lambda: verify_consistency(old, n, cproof, old_root, root), 1000)
    print(f"{name}_verify_consistency_us: {cverify * 1e6:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    args = parser.parse_args()
    leaves = [hashlib.sha256(b"%d" % i).digest() * 4 for i in range(args.leaves)]
    print(f"leaves: {args.leaves}")
    print("leaf_bytes: 128")
    bench("memory", MemoryHashStore(), leaves, lambda: None)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ledger.db")
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        bench("sqlite", SqliteHashStore(conn), leaves, conn.commit)
        conn.close()
        print(f"sqlite_file_mb: {os.path.getsize(path) / 1e6:.1f}")


if __name__ == "__main__":
    main()
