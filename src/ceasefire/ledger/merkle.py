"""The append-only Merkle log (RFC 6962 / RFC 9162): hashing, storage, roots and proofs.

The tree is stored as the hashes of its *perfect* subtrees, keyed by ``(level, index)``:
node ``(L, i)`` covers leaves ``[i * 2**L, (i + 1) * 2**L)``; level 0 holds the leaf hashes.
A perfect subtree never changes once complete, so the store is append-only too.

* Appending a leaf writes its hash and the perfect subtrees it completes: one node hash on
  average (amortised O(1)). The log keeps the *frontier* in memory -- the perfect subtrees
  that make up the current tree, at most one per level -- so appending reads nothing.
* Every node of the RFC tree of any size ``n`` covers ``[a, b)`` where ``[a, b)`` is either
  a perfect subtree (one stored hash) or lies on the right edge (``b == n``) and is the fold
  of at most ``log2 n`` perfect subtrees. Roots, inclusion proofs and consistency proofs,
  for the current size or any earlier one, therefore read O(log n) stored hashes, in one
  batch, and never rebuild the tree.

Verification lives in :mod:`ceasefire.verifier` (standalone, for the parties); the
functions here wrap it so the package gets its own errors.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from ceasefire import verifier
from ceasefire.ledger.errors import LedgerCorruptError, LedgerRangeError, ProofError

logger = logging.getLogger(__name__)

HASH_SIZE = verifier.HASH_SIZE
EMPTY_ROOT = verifier.EMPTY_ROOT
leaf_hash = verifier.leaf_hash
node_hash = verifier.node_hash

NodeKey = tuple[int, int]
"""``(level, index)`` of a perfect subtree."""

#: About this many nodes are written to the store per ``put_runs`` call when appending in
#: bulk (half of them leaves).
FLUSH_NODES = 1 << 17

NodeRun = tuple[int, int, Sequence[bytes] | bytes]
"""``(level, first index, hashes)``: consecutive nodes of one level, in order (a list of
32-byte hashes, or their concatenation)."""


def run_hashes(hashes: Sequence[bytes] | bytes) -> list[bytes]:
    """The hashes of a run as a list."""
    if isinstance(hashes, bytes):
        return [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    return list(hashes)


class HashStore(Protocol):
    """Where the log keeps the hashes of its perfect subtrees.

    Nodes are only ever added, never changed; a store may refuse to overwrite one.
    """

    def leaf_count(self) -> int:
        """Number of leaves stored (level-0 nodes): the tree size."""
        ...

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """The hashes at ``keys``, in order; ``LedgerCorruptError`` if one is missing."""
        ...

    def put_runs(self, runs: Sequence[NodeRun]) -> None:
        """Add runs of consecutive nodes ``(level, first index, hashes)``, in one batch."""
        ...


class MemoryHashStore:
    """A ``HashStore`` in memory: one list of hashes per level."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    def leaf_count(self) -> int:
        return len(self._levels[0]) if self._levels else 0

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        try:
            return [self._levels[level][index] for level, index in keys]
        except IndexError:
            missing = [
                k for k in keys if k[0] >= len(self._levels) or k[1] >= len(self._levels[k[0]])
            ]
            raise LedgerCorruptError(f"ledger node {missing[0]} is missing") from None

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        levels = self._levels
        for level, index, value in nodes:
            while len(levels) <= level:
                levels.append([])
            row = levels[level]
            if index != len(row):
                raise LedgerCorruptError(
                    f"ledger node ({level}, {index}) written out of order (next is {len(row)})"
                )
            row.append(value)

    def level_hashes(self, level: int) -> list[bytes]:
        """Every stored node of ``level``, in order."""
        return self._levels[level] if level < len(self._levels) else []

    def put_runs(self, runs: Sequence[NodeRun]) -> None:
        levels = self._levels
        for level, first, hashes in runs:
            while len(levels) <= level:
                levels.append([])
            row = levels[level]
            if first != len(row):
                raise LedgerCorruptError(
                    f"ledger node ({level}, {first}) written out of order (next is {len(row)})"
                )
            row.extend(run_hashes(hashes))


def plan_nodes(
    size: int, frontier: Sequence[tuple[int, bytes]], leaves: list[bytes]
) -> list[NodeRun]:
    """The new nodes of a tree of ``size`` leaves (with that ``frontier``) when ``leaves``
    are appended: one run per level, level 0 first. A pure function, so it can run in
    another process; the tree is built level by level (one comprehension per level)."""
    old = dict(frontier)
    sha256 = hashlib.sha256
    runs: list[NodeRun] = [(0, size, leaves)]
    level, start, nodes = 0, size, leaves
    while True:
        # ``nodes`` are the new nodes of ``level`` from index ``start`` on; an odd start
        # means their left sibling is complete already: the frontier node of this level.
        if start & 1:
            seq, start = [old[level], *nodes], start - 1
        else:
            seq = nodes
        if len(seq) < 2:
            break
        nodes = [
            sha256(b"\x01" + a + b).digest() for a, b in zip(seq[0::2], seq[1::2], strict=False)
        ]
        level += 1
        start >>= 1
        runs.append((level, start, nodes))
    return runs


def _perfect_ranges(start: int, end: int) -> list[NodeKey]:
    """Split ``[start, end)`` into the perfect subtrees the RFC tree groups it by, left to
    right (largest power of two first); ``start`` must be aligned as the RFC tree aligns it."""
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree hashes (left to right) into their RFC subtree hash."""
    result = hashes[-1]
    for value in reversed(hashes[:-1]):
        result = node_hash(value, result)
    return result


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): where the RFC splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleLog:
    """An append-only RFC 6962 Merkle log over a ``HashStore``.

    The log trusts that nobody else appends to the same store at the same time. If a write
    fails, or the caller rolls back the transaction the nodes were written in, build a new
    ``MerkleLog`` on the store: it reloads its size and frontier from what is stored.
    """

    def __init__(self, store: HashStore) -> None:
        self._store = store
        self._size = store.leaf_count()
        keys = _perfect_ranges(0, self._size)
        hashes = store.get_nodes(keys)
        self._frontier: list[tuple[int, bytes]] = [
            (level, h) for (level, _), h in zip(keys, hashes, strict=True)
        ]

    @property
    def size(self) -> int:
        """Number of leaves in the log."""
        return self._size

    @property
    def store(self) -> HashStore:
        """The store the log writes to."""
        return self._store

    # -- appending ---------------------------------------------------------------------

    def append(self, data: bytes) -> int:
        """Append one leaf's data (e.g. a record's canonical JSON); return its index."""
        return self.append_leaf_hashes([leaf_hash(data)])

    def append_many(self, datas: Iterable[bytes]) -> int:
        """Append leaves' data in order; return the index of the first (the old size)."""
        return self.append_leaf_hashes(leaf_hash(d) for d in datas)

    def append_leaf_hashes(self, hashes: Iterable[bytes]) -> int:
        """Append leaf hashes in order, writing their nodes in batches; return the first index.

        The tree is built level by level over each batch (one list comprehension of node
        hashes per level), not leaf by leaf. The log's state advances batch by batch, after
        each batch is stored.
        """
        first = self._size
        step = max(1, FLUSH_NODES // 2)
        if isinstance(hashes, list):
            for i in range(0, len(hashes), step):
                self._append_batch(hashes[i : i + step])
            return first
        batch: list[bytes] = []
        for value in hashes:
            batch.append(value)
            if len(batch) >= step:
                self._append_batch(batch)
                batch = []
        if batch:
            self._append_batch(batch)
        return first

    @property
    def frontier(self) -> list[tuple[int, bytes]]:
        """``(level, hash)`` of the perfect subtrees that make up the tree, largest first."""
        return list(self._frontier)

    def _append_batch(self, leaves: list[bytes]) -> None:
        if not leaves:
            return
        if set(map(len, leaves)) != {HASH_SIZE}:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes")
        self._apply(plan_nodes(self._size, self._frontier, leaves), len(leaves))

    def append_planned(
        self, base_size: int, base_frontier: Sequence[tuple[int, bytes]], runs: Sequence[NodeRun]
    ) -> bool:
        """Append nodes that ``plan_nodes`` computed elsewhere (e.g. in a worker process)
        from ``base_size`` and ``base_frontier``; False, writing nothing, unless that is
        this log's state now (another writer appended first, or the plan is not for it)."""
        if base_size != self._size or list(base_frontier) != self._frontier or not runs:
            return False
        level, first, leaves = runs[0]
        if level != 0 or first != base_size or len(leaves) % HASH_SIZE:
            return False
        count = len(leaves) // HASH_SIZE if isinstance(leaves, bytes) else len(leaves)
        self._apply(runs, count)
        return True

    def _apply(self, runs: Sequence[NodeRun], count: int) -> None:
        """Store the nodes of ``count`` new leaves and advance the frontier."""
        size = self._size
        old = dict(self._frontier)
        new_size = size + count
        frontier: list[tuple[int, bytes]] = []
        for lvl in range(new_size.bit_length() - 1, -1, -1):
            if not new_size >> lvl & 1:
                continue
            index = (new_size >> lvl) - 1
            if index < size >> lvl:
                frontier.append((lvl, old[lvl]))
            else:
                _, run_start, run = runs[lvl]
                at = (index - run_start) * HASH_SIZE
                value = (
                    run[at : at + HASH_SIZE] if isinstance(run, bytes) else run[index - run_start]
                )
                frontier.append((lvl, bytes(value)))
        self._store.put_runs(runs)
        self._size, self._frontier = new_size, frontier

    # -- reading -----------------------------------------------------------------------

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise LedgerRangeError(f"tree size {size} is not in [0, {self._size}]")
        return size

    def _range_hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """RFC subtree hashes of the node ranges ``[a, b)``, reading all nodes in one batch."""
        splits = [_perfect_ranges(a, b) for a, b in ranges]
        wanted = sorted({key for keys in splits for key in keys})
        found = dict(zip(wanted, self._store.get_nodes(wanted), strict=True))
        return [_fold([found[key] for key in keys]) for keys in splits]

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree of ``size`` leaves (default: the current size)."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        if size == self._size:
            return _fold([h for _, h in self._frontier])
        return self._range_hashes([(0, size)])[0]

    def leaf_hash(self, index: int) -> bytes:
        """The stored hash of leaf ``index``."""
        if not 0 <= index < self._size:
            raise LedgerRangeError(f"leaf {index} is not in a log of size {self._size}")
        return self._store.get_nodes([(0, index)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` (RFC 6962 2.1.1)."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise LedgerRangeError(f"leaf {index} is not in a tree of size {size}")
        # Walk from the root to the leaf; each step's sibling is one node of the proof.
        siblings: list[tuple[int, int]] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                siblings.append((start + k, end))
                end = start + k
            else:
                siblings.append((start, start + k))
                start += k
        return self._range_hashes(siblings[::-1])

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``new_size`` extends the one of ``old_size`` (RFC 6962
        2.1.2); empty when ``old_size`` is 0 or equal to ``new_size``."""
        new_size = self._check_size(new_size)
        if not 0 <= old_size <= new_size:
            raise LedgerRangeError(f"old size {old_size} is not in [0, {new_size}]")
        if old_size in (0, new_size):
            return []
        # SUBPROOF(m, D[start:end], complete) of RFC 6962, unrolled from the root down.
        nodes: list[tuple[int, int]] = []
        start, end, complete = 0, new_size, True
        m = old_size
        while True:
            n = end - start
            if m == n:
                if not complete:
                    nodes.append((start, end))
                break
            k = _split(n)
            if m <= k:
                nodes.append((start + k, end))
                end = start + k
            else:
                nodes.append((start, start + k))
                start += k
                m -= k
                complete = False
        return self._range_hashes(nodes[::-1])


# --- verification, with the package's errors -------------------------------------------


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof of a leaf hash; raise ``ProofError`` if it is refused."""
    try:
        verifier.verify_inclusion(leaf, index, size, proof, root)
    except verifier.VerificationError as exc:
        raise ProofError(str(exc)) from None


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check a consistency proof; raise ``ProofError`` if it is refused."""
    try:
        verifier.verify_consistency(old_size, new_size, proof, old_root, new_root)
    except verifier.VerificationError as exc:
        raise ProofError(str(exc)) from None
