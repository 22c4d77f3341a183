"""The Merkle log against published RFC 6962 vectors and a naive reference of the RFC."""

from __future__ import annotations

import functools
import hashlib
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire import verifier
from ceasefire.errors import ConflictError
from ceasefire.ledger import merkle
from ceasefire.ledger.errors import LedgerCorruptError, LedgerRangeError, ProofError
from ceasefire.ledger.merkle import HashStore, MemoryHashStore, MerkleLog
from ceasefire.ledger.sqlite_store import SqliteHashStore, select_tiles_sql, tile_id
from ceasefire.verifier import VerificationError, verify_consistency, verify_inclusion

# --- published vectors ------------------------------------------------------------------
# From github.com/transparency-dev/merkle (Apache-2.0), the Go library behind Trillian and
# Tessera: testonly/constants.go (LeafInputs, RootHashes) and proof/verify_test.go
# (inclusionProofs, consistencyProofs; leaf numbers there are 1-based), which carry over the
# test data of Certificate Transparency's RFC 6962 reference implementation. The hash
# vectors come from rfc6962/rfc6962_test.go.

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [  # by tree size, 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION_VECTORS = [  # (leaf index, tree size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY_VECTORS = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def test_rfc6962_hasher_vectors() -> None:
    assert merkle.EMPTY_ROOT.hex() == ROOTS[0]
    assert merkle.leaf_hash(b"").hex() == ROOTS[1]
    assert merkle.leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert merkle.node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.fixture(params=["memory", "sqlite"])
def new_store(request: pytest.FixtureRequest) -> Iterator[Callable[[], HashStore]]:
    connections: list[sqlite3.Connection] = []

    def make() -> HashStore:
        if request.param == "memory":
            return MemoryHashStore()
        conn = sqlite3.connect(":memory:")
        connections.append(conn)
        return SqliteHashStore(conn)

    yield make
    for conn in connections:
        conn.close()


def test_published_roots_and_proofs(new_store: Callable[[], HashStore]) -> None:
    log = MerkleLog(new_store())
    for size, data in enumerate(LEAF_INPUTS):
        assert log.root().hex() == ROOTS[size]
        log.append(data)
    for size, root in enumerate(ROOTS):
        assert log.root(size).hex() == root
    for index, size, proof in INCLUSION_VECTORS:
        assert [h.hex() for h in log.inclusion_proof(index, size)] == proof
        verify_inclusion(
            merkle.leaf_hash(LEAF_INPUTS[index]), index, size, _unhex(proof), _unhex1(ROOTS[size])
        )
    for old, new, proof in CONSISTENCY_VECTORS:
        assert [h.hex() for h in log.consistency_proof(old, new)] == proof
        verify_consistency(old, new, _unhex(proof), _unhex1(ROOTS[old]), _unhex1(ROOTS[new]))


def _unhex(hashes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


def _unhex1(value: str) -> bytes:
    return bytes.fromhex(value)


# --- a naive reference: RFC 6962 section 2.1, written out recursively ----------------------

# Distinct leaves of varied lengths, the empty one first.
REF_LEAVES = [b""] + [hashlib.sha256(b"leaf %d" % i).digest()[: 1 + i % 40] for i in range(1, 3000)]


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@functools.cache
def mth(start: int, end: int) -> bytes:
    """MTH(D[start:end]) of the RFC, over REF_LEAVES."""
    n = end - start
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + REF_LEAVES[start])
    k = 1
    while k * 2 < n:
        k *= 2
    return _sha(b"\x01" + mth(start, start + k) + mth(start + k, end))


def ref_path(m: int, start: int, end: int) -> list[bytes]:
    """PATH(m, D[start:end]) of the RFC."""
    n = end - start
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, start, start + k) + [mth(start + k, end)]
    return ref_path(m - k, start + k, end) + [mth(start, start + k)]


def ref_subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b) of the RFC."""
    n = end - start
    if m == n:
        return [] if complete else [mth(start, end)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, start, start + k, complete) + [mth(start + k, end)]
    return ref_subproof(m - k, start + k, end, False) + [mth(start, start + k)]


def ref_consistency(m: int, n: int) -> list[bytes]:
    return ref_subproof(m, 0, n, True) if 0 < m < n else []


@pytest.fixture(scope="module")
def log300() -> MerkleLog:
    log = MerkleLog(MemoryHashStore())
    log.append_many(REF_LEAVES[:300])
    return log


def test_roots_every_size_to_300(log300: MerkleLog) -> None:
    for size in range(301):
        assert log300.root(size) == mth(0, size)


def test_inclusion_every_leaf_every_size_to_300(log300: MerkleLog) -> None:
    for size in range(1, 301):
        root = mth(0, size)
        for index in range(size):
            proof = log300.inclusion_proof(index, size)
            assert proof == ref_path(index, 0, size)
            verify_inclusion(mth(index, index + 1), index, size, proof, root)


def test_consistency_every_pair_to_64(log300: MerkleLog) -> None:
    for new in range(65):
        for old in range(new + 1):
            proof = log300.consistency_proof(old, new)
            assert proof == ref_consistency(old, new)
            verify_consistency(old, new, proof, mth(0, old), mth(0, new))


def test_random_larger_trees() -> None:
    rng = random.Random(6962)
    log = MerkleLog(MemoryHashStore())
    log.append_many(REF_LEAVES)
    for _ in range(150):
        new = rng.randint(1, len(REF_LEAVES))
        old = rng.randint(0, new)
        index = rng.randrange(new)
        assert log.root(new) == mth(0, new)
        proof = log.inclusion_proof(index, new)
        assert proof == ref_path(index, 0, new)
        verify_inclusion(mth(index, index + 1), index, new, proof, mth(0, new))
        cproof = log.consistency_proof(old, new)
        assert cproof == ref_consistency(old, new)
        verify_consistency(old, new, cproof, mth(0, old), mth(0, new))


def test_stores_agree_and_reopen(new_store: Callable[[], HashStore]) -> None:
    store = new_store()
    log = MerkleLog(store)
    for i in range(200):  # one at a time, checking the frontier as it grows
        log.append(REF_LEAVES[i])
        assert log.root() == mth(0, i + 1)
    reopened = MerkleLog(store)
    assert reopened.size == 200 and reopened.root() == mth(0, 200)
    reopened.append_many(REF_LEAVES[200:333])
    assert MerkleLog(store).root() == mth(0, 333)
    for old, new in [(1, 333), (200, 333), (37, 129), (128, 256), (333, 333)]:
        assert reopened.consistency_proof(old, new) == ref_consistency(old, new)
    for index in range(0, 333, 7):
        assert reopened.inclusion_proof(index) == ref_path(index, 0, 333)
        assert reopened.leaf_hash(index) == mth(index, index + 1)


def test_bulk_append_flushes_in_batches(
    new_store: Callable[[], HashStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merkle, "FLUSH_NODES", 7)
    store = new_store()
    log = MerkleLog(store)
    assert log.append_many(REF_LEAVES[:100]) == 0
    assert log.append_leaf_hashes(mth(i, i + 1) for i in range(100, 161)) == 100
    assert log.size == 161 and log.root() == mth(0, 161)
    assert MerkleLog(store).root() == mth(0, 161)


def test_sqlite_rollback_then_reopen() -> None:
    conn = sqlite3.connect(":memory:")
    store = SqliteHashStore(conn)
    log = MerkleLog(store)
    log.append_many(REF_LEAVES[:10])
    conn.commit()
    log.append_many(REF_LEAVES[10:20])
    conn.rollback()
    log = MerkleLog(store)
    assert log.size == 10 and log.root() == mth(0, 10)
    log.append_many(REF_LEAVES[10:20])
    assert log.root() == mth(0, 20)
    conn.close()


def test_sqlite_autocommit_connection(tmp_path: Path) -> None:
    # The application's store opens its connection in autocommit mode and wraps its writes
    # in explicit transactions; the ledger must fit both ways.
    path = tmp_path / "ledger.db"
    conn = sqlite3.connect(path, isolation_level=None)
    log = MerkleLog(SqliteHashStore(conn))
    log.append_many(REF_LEAVES[:50])  # outside a transaction: committed as one batch
    assert not conn.in_transaction
    conn.execute("BEGIN")
    log.append_many(REF_LEAVES[50:60])  # inside the caller's: left to the caller
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    with pytest.raises(ConflictError):  # a failed batch is rolled back whole
        SqliteHashStore(conn).put_nodes([(0, 50, bytes(32)), (0, 3, bytes(32))])
    other = sqlite3.connect(path)
    assert MerkleLog(SqliteHashStore(other)).root() == mth(0, 50)
    other.close()
    conn.close()


def test_sqlite_refuses_overwrite_and_reports_missing_nodes() -> None:
    conn = sqlite3.connect(":memory:")
    store = SqliteHashStore(conn)
    log = MerkleLog(store)
    log.append_many(REF_LEAVES[:600])
    with pytest.raises(ConflictError):
        store.put_nodes([(0, 3, bytes(32))])  # inside a stored tile
    with pytest.raises(ConflictError):
        store.put_nodes([(0, 256, bytes(32))])  # a whole stored tile
    assert MerkleLog(store).root() == mth(0, 600)
    conn.execute("DELETE FROM ledger_tiles WHERE id = ?", (tile_id(1, 0),))
    with pytest.raises(LedgerCorruptError):
        log.inclusion_proof(0, 600)
    conn.execute("DELETE FROM ledger_tiles WHERE id = ?", (tile_id(6, 0),))  # on the frontier
    with pytest.raises(LedgerCorruptError):
        MerkleLog(SqliteHashStore(conn))
    conn.close()


def test_sqlite_keeps_nodes_in_tiles_and_extends_partial_ones() -> None:
    conn = sqlite3.connect(":memory:")
    store = SqliteHashStore(conn)
    log = MerkleLog(store)
    for start, end in [(0, 1), (1, 255), (255, 256), (256, 300), (300, 513), (513, 600)]:
        log.append_many(REF_LEAVES[start:end])
        assert MerkleLog(store).root() == mth(0, end)
    lengths = dict(conn.execute("SELECT id, length(hashes) FROM ledger_tiles"))
    assert lengths[tile_id(0, 0)] == lengths[tile_id(0, 1)] == 256 * 32
    assert lengths[tile_id(0, 2)] == (600 - 512) * 32 and lengths[tile_id(1, 1)] == 44 * 32
    assert store.get_level(0, 250, 260) == b"".join(mth(i, i + 1) for i in range(250, 260))
    assert len(lengths) == 3 + 2 + 8  # 600 leaves: levels 0 and 1 span tiles, levels 2..9 one each


def test_sqlite_reads_by_primary_key() -> None:
    conn = sqlite3.connect(":memory:")
    SqliteHashStore(conn)
    plan = conn.execute("EXPLAIN QUERY PLAN " + select_tiles_sql(3), [0] * 3).fetchall()
    details = [row[-1] for row in plan]
    assert any("INTEGER PRIMARY KEY" in d for d in details), details
    assert not any(d.startswith("SCAN") and "ledger_tiles" in d for d in details), details
    conn.close()


def test_memory_store_refuses_gaps() -> None:
    store = MemoryHashStore()
    with pytest.raises(LedgerCorruptError):
        store.put_nodes([(0, 1, bytes(32))])
    with pytest.raises(LedgerCorruptError):
        store.get_nodes([(0, 0)])


def test_out_of_range() -> None:
    log = MerkleLog(MemoryHashStore())
    log.append_many(REF_LEAVES[:5])
    for call in (
        lambda: log.inclusion_proof(5),
        lambda: log.inclusion_proof(-1),
        lambda: log.inclusion_proof(0, 6),
        lambda: log.inclusion_proof(0, 0),
        lambda: log.consistency_proof(3, 6),
        lambda: log.consistency_proof(4, 3),
        lambda: log.root(6),
        lambda: log.leaf_hash(5),
    ):
        with pytest.raises(LedgerRangeError):
            call()
    with pytest.raises(ValueError):
        log.append_leaf_hashes([b"short"])


def test_wrappers_raise_package_errors() -> None:
    with pytest.raises(ProofError):
        merkle.verify_inclusion(mth(0, 1), 0, 2, [], mth(0, 2))
    with pytest.raises(ProofError):
        merkle.verify_consistency(1, 2, [], mth(0, 1), mth(0, 2))
    merkle.verify_inclusion(mth(0, 1), 0, 2, [mth(1, 2)], mth(0, 2))
    merkle.verify_consistency(1, 2, [mth(1, 2)], mth(0, 1), mth(0, 2))


# --- mutations: every good proof verifies, every altered one is refused ---------------------


def flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[(bit // 8) % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


def inclusion_mutations(
    index: int, size: int, proof: list[bytes]
) -> Iterator[tuple[str, bytes, int, int, list[bytes], bytes]]:
    """(description, leaf, index, size, proof, root) for altered claims about leaf ``index``."""
    leaf, root = mth(index, index + 1), mth(0, size)
    for other in (index - 1, index + 1, index ^ 2):
        if other != index:
            yield f"index {other}", leaf, other, size, proof, root
    for other_size in {size - 1, size + 1, size * 2, size // 2} - {size}:
        if other_size > 0:
            yield f"size {other_size}", leaf, index, other_size, proof, mth(0, other_size)
    for other_size in {size * 2, size // 2} - {size}:
        yield f"size {other_size}, same root", leaf, index, other_size, proof, root
    yield "wrong leaf", mth(index + 1, index + 2), index, size, proof, root
    yield "leaf bit", flip(leaf, index), index, size, proof, root
    yield "root bit", leaf, index, size, proof, flip(root, size)
    yield "empty root", leaf, index, size, proof, merkle.EMPTY_ROOT
    for i in range(len(proof)):
        for bit in (0, 7 * i + 3, 255):
            bad = list(proof)
            bad[i] = flip(bad[i], bit)
            yield f"proof[{i}] bit {bit}", leaf, index, size, bad, root
        yield f"proof[{i}] missing", leaf, index, size, proof[:i] + proof[i + 1 :], root
        if i + 1 < len(proof):
            bad = list(proof)
            bad[i], bad[i + 1] = bad[i + 1], bad[i]
            yield f"proof[{i}] swapped", leaf, index, size, bad, root
    yield "extra hash at end", leaf, index, size, proof + [root], root
    yield "extra hash at start", leaf, index, size, [leaf] + proof, root
    yield "extra zero hash", leaf, index, size, proof + [bytes(32)], root
    yield "short hash", leaf, index, size, [h[:31] for h in proof] or [b""], root


def consistency_mutations(
    old: int, new: int, proof: list[bytes]
) -> Iterator[tuple[str, int, int, list[bytes], bytes, bytes]]:
    """(description, old, new, proof, old root, new root) for altered consistency claims."""
    r1, r2 = mth(0, old), mth(0, new)
    for size in {old - 1, old + 1, old ^ 2} - {old}:
        if 0 <= size <= new:
            yield f"old size {size}", size, new, proof, mth(0, size), r2
            yield f"old size {size}, same root", size, new, proof, r1, r2
    for size in {new - 1, new + 1, new * 2, new // 2} - {new}:
        if size >= old:
            yield f"new size {size}", old, size, proof, r1, mth(0, size)
    for size in {new * 2, new // 2} - {new}:
        if size >= old:
            yield f"new size {size}, same root", old, size, proof, r1, r2
    yield "old root bit", old, new, proof, flip(r1, old), r2
    yield "new root bit", old, new, proof, r1, flip(r2, new)
    yield "swapped roots", old, new, proof, r2, r1
    yield "empty proof", old, new, [], r1, r2
    for i in range(len(proof)):
        for bit in (0, 5 * i + 4, 255):
            bad = list(proof)
            bad[i] = flip(bad[i], bit)
            yield f"proof[{i}] bit {bit}", old, new, bad, r1, r2
        yield f"proof[{i}] missing", old, new, proof[:i] + proof[i + 1 :], r1, r2
        if i + 1 < len(proof) and proof[i] != proof[i + 1]:
            bad = list(proof)
            bad[i], bad[i + 1] = bad[i + 1], bad[i]
            yield f"proof[{i}] swapped", old, new, bad, r1, r2
    for extra, where in ((r1, "old root"), (r2, "new root"), (proof[0], "proof[0]")):
        yield f"{where} appended", old, new, proof + [extra], r1, r2
        yield f"{where} prepended", old, new, [extra] + proof, r1, r2


def test_inclusion_mutations_refused(log300: MerkleLog) -> None:
    for size in range(1, 65):
        for index in range(size):
            proof = log300.inclusion_proof(index, size)
            verify_inclusion(mth(index, index + 1), index, size, proof, mth(0, size))
            for desc, *claim in inclusion_mutations(index, size, proof):
                leaf, idx, n, bad_proof, root = claim
                assert isinstance(leaf, bytes) and isinstance(root, bytes)
                assert isinstance(idx, int) and isinstance(n, int)
                assert isinstance(bad_proof, list)
                with pytest.raises(VerificationError):
                    verify_inclusion(leaf, idx, n, bad_proof, root)
                    pytest.fail(f"accepted: leaf {index} size {size}: {desc}")


def test_consistency_mutations_refused(log300: MerkleLog) -> None:
    for new in range(2, 65):
        for old in range(1, new):
            proof = log300.consistency_proof(old, new)
            verify_consistency(old, new, proof, mth(0, old), mth(0, new))
            for desc, m, n, bad_proof, r1, r2 in consistency_mutations(old, new, proof):
                with pytest.raises(VerificationError):
                    verify_consistency(m, n, bad_proof, r1, r2)
                    pytest.fail(f"accepted: {old}->{new}: {desc}")


def test_trivial_consistency_cases() -> None:
    r = mth(0, 3)
    verify_consistency(3, 3, [], r, r)
    verify_consistency(0, 3, [], merkle.EMPTY_ROOT, r)
    verify_consistency(0, 0, [], merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)
    for args in [
        (3, 3, [], r, mth(0, 2)),  # two roots for one size
        (3, 3, [r], r, r),  # a needless proof
        (0, 3, [], mth(0, 1), r),  # an empty tree with a non-empty root
        (0, 3, [r], merkle.EMPTY_ROOT, r),
        (4, 3, [r], mth(0, 4), r),  # time travel
        (-1, 3, [], r, r),
        (1, 2**64, [r], r, r),
    ]:
        with pytest.raises(VerificationError):
            verify_consistency(*args)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_proofs_with_hypothesis(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(REF_LEAVES)))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    log = _big_log()
    proof = log.inclusion_proof(index, size)
    verify_inclusion(mth(index, index + 1), index, size, proof, mth(0, size))
    cproof = log.consistency_proof(old, size)
    verify_consistency(old, size, cproof, mth(0, old), mth(0, size))
    if proof:
        bit = data.draw(st.integers(0, 32 * 8 * len(proof) - 1))
        bad = list(proof)
        bad[bit // 256] = flip(bad[bit // 256], bit % 256)
        with pytest.raises(VerificationError):
            verify_inclusion(mth(index, index + 1), index, size, bad, mth(0, size))
    if cproof:
        bit = data.draw(st.integers(0, 32 * 8 * len(cproof) - 1))
        bad = list(cproof)
        bad[bit // 256] = flip(bad[bit // 256], bit % 256)
        with pytest.raises(VerificationError):
            verify_consistency(old, size, bad, mth(0, old), mth(0, size))


@functools.cache
def _big_log() -> MerkleLog:
    log = MerkleLog(MemoryHashStore())
    log.append_many(REF_LEAVES)
    return log


def test_verifier_is_the_hashing_of_the_log() -> None:
    assert merkle.leaf_hash is verifier.leaf_hash
    assert merkle.node_hash is verifier.node_hash
