"""The evidence ledger inside the SQLite store: appending records as leaves, reading them back.

``SqliteLedger`` works on the store's own connection and never commits: every append runs
inside the caller's transaction, so a record and its leaf are committed, or rolled back,
together. Each append builds the ``MerkleLog`` afresh from what is stored (O(log n) node
reads), so a rolled-back transaction can never leave a stale tree state behind.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ceasefire.errors import NotFoundError, StoreError
from ceasefire.ledger.canonical import JSONValue, canonicalize_text
from ceasefire.ledger.errors import LedgerCorruptError
from ceasefire.ledger.hasher import TreeBase
from ceasefire.ledger.merkle import HASH_SIZE, MemoryHashStore, MerkleLog, NodeRun, run_hashes
from ceasefire.ledger.records import (
    NO_TIME,
    OBSERVATION,
    REJECTION,
    ObservationColumns,
    leaf_of,
    observation_leaf_hashes,
    rejection_record,
    typed_record,
)
from ceasefire.ledger.sqlite_store import SqliteHashStore

logger = logging.getLogger(__name__)

RECORD = "record"
_VERIFY_ROWS = 50_000

_OBSERVATION_COLUMNS_SQL = (
    "SELECT o.uid, o.observed_at_us, o.observed_until_us, o.kind, o.lon, o.lat, o.uncertainty_m,"
    " o.area, o.weapon_class, coalesce(s.json, '{}'), o.raw, r.file_sha256, o.file_row"
    " FROM observations o JOIN ingest_runs r ON r.id = o.ingest_run"
    " LEFT JOIN attribute_sets s ON s.id = o.attributes_id"
)


def observation_columns(rows: Sequence[Sequence[object]]) -> ObservationColumns:
    """Observation rows as read by ``_OBSERVATION_COLUMNS_SQL``, as leaf columns."""
    if not rows:
        empty_i = np.empty(0, np.int64)
        empty_f = np.empty(0, np.float64)
        return ObservationColumns(
            [], empty_i, empty_i, [], empty_f, empty_f, empty_f, [], [], [], [], [], empty_i
        )
    cols = list(zip(*rows, strict=True))
    return ObservationColumns(
        uid=list(cols[0]),
        observed_at_us=np.array(cols[1], dtype=np.int64),
        observed_until_us=np.array([NO_TIME if v is None else v for v in cols[2]], dtype=np.int64),
        kind=list(cols[3]),
        lon=np.array(cols[4], dtype=np.float64),
        lat=np.array(cols[5], dtype=np.float64),
        uncertainty_m=np.array(cols[6], dtype=np.float64),
        area=list(cols[7]),
        weapon_class=list(cols[8]),
        attributes_json=list(cols[9]),
        raw=list(cols[10]),
        file_sha256=list(cols[11]),
        file_row=np.array(cols[12], dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """The leaves of a batch's rows: planned as tree nodes on ``base`` (level 0 = the leaf
    hashes; see ``hasher.plan_columns``), or, without a base, as leaf hashes alone."""

    leaves: Sequence[bytes] | bytes  # the leaf hashes (a list, or concatenated)
    base: TreeBase | None = None
    runs: list[NodeRun] | None = None  # the nodes planned on ``base``; runs[0] = the leaves

    @classmethod
    def planned(cls, base: TreeBase, runs: list[NodeRun]) -> LeafPlan:
        return cls(runs[0][2], base, runs)

    def leaf_hashes(self) -> list[bytes]:
        return run_hashes(self.leaves)

    @property
    def count(self) -> int:
        leaves = self.leaves
        return len(leaves) // HASH_SIZE if isinstance(leaves, bytes) else len(leaves)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One leaf: its index, what kind of record it is, and the record's canonical JSON."""

    leaf_index: int
    kind: str
    data: bytes


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    id: int
    size: int
    root: bytes
    note: str
    created_at_us: int
    published_at_us: int | None


@dataclass(frozen=True, slots=True)
class LedgerAudit:
    """What ``SqliteLedger.audit`` recomputed."""

    leaves: int
    observations: int
    rejections: int
    records: int
    root: bytes


class SqliteLedger:
    """Appends and reads the ledger of one SQLite store (on its connection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._nodes = SqliteHashStore(conn, create=False)

    def log(self) -> MerkleLog:
        """The Merkle log as stored now."""
        return MerkleLog(self._nodes)

    @property
    def nodes(self) -> SqliteHashStore:
        return self._nodes

    # --- appending (inside the caller's transaction) ---------------------------------

    def _add_range(self, first_leaf: int, count: int, kind: str, first_rowid: int) -> None:
        self._conn.execute(
            "INSERT INTO ledger_ranges (first_leaf, count, kind, first_rowid) VALUES (?, ?, ?, ?)",
            (first_leaf, count, kind, first_rowid),
        )

    def append_rows(self, kind: str, first_rowid: int, leaf_hashes: list[bytes]) -> int:
        """Append the leaves of rows ``first_rowid ..`` of ``kind``; return the first leaf."""
        if not leaf_hashes:
            return self._nodes.leaf_count()
        first = self.log().append_leaf_hashes(leaf_hashes)
        self._add_range(first, len(leaf_hashes), kind, first_rowid)
        return first

    def tree_base(self) -> TreeBase:
        """The log's size and frontier now, to plan a batch's nodes on."""
        log = self.log()
        return TreeBase(log.size, tuple(log.frontier))

    def append_plan(
        self, kind: str, first_rowid: int, plan: LeafPlan, positions: list[int] | None
    ) -> None:
        """Append the leaves of new rows ``first_rowid ..``: the ``positions`` of the plan's
        rows that were inserted (None: all of them). The planned nodes are stored as they
        are only when every row was new and the log is still at the plan's base; otherwise
        the nodes are computed here from the leaf hashes."""
        if positions is None and plan.base is not None and plan.runs is not None:
            if self.log().append_planned(plan.base.size, plan.base.frontier, plan.runs):
                self._add_range(plan.base.size, plan.count, kind, first_rowid)
                return
        leaves = plan.leaf_hashes()
        if positions is not None:
            leaves = [leaves[i] for i in positions]
        self.append_rows(kind, first_rowid, leaves)

    def append_record(self, kind: str, record: dict[str, JSONValue]) -> int:
        """Append a record kept in ``ledger_records``; return its leaf index."""
        data, leaf = leaf_of(typed_record(kind, record))
        index = self.log().append_leaf_hashes([leaf])
        self._conn.execute(
            "INSERT INTO ledger_records (leaf_index, kind, data) VALUES (?, ?, ?)",
            (index, kind, data),
        )
        self._add_range(index, 1, RECORD, index)
        return index

    def append_records(self, records: Sequence[tuple[str, dict[str, JSONValue]]]) -> list[int]:
        """Append several (kind, record) pairs as consecutive leaves; their leaf indexes.

        The same leaves as one ``append_record`` per record, with one tree update and one
        mapping row for the whole run.
        """
        if not records:
            return []
        leaves = [leaf_of(typed_record(kind, record)) for kind, record in records]
        first = self.log().append_leaf_hashes([leaf for _, leaf in leaves])
        self._conn.executemany(
            "INSERT INTO ledger_records (leaf_index, kind, data) VALUES (?, ?, ?)",
            [
                (first + i, kind, data)
                for i, ((kind, _), (data, _)) in enumerate(zip(records, leaves, strict=True))
            ],
        )
        self._add_range(first, len(records), RECORD, first)
        return list(range(first, first + len(records)))

    # --- reading ---------------------------------------------------------------------

    def size(self) -> int:
        return self._nodes.leaf_count()

    def leaf_of_row(self, kind: str, rowid: int) -> int:
        """The leaf index of row ``rowid`` of ``kind`` (observation or rejection)."""
        row = self._conn.execute(
            "SELECT first_leaf, count, first_rowid FROM ledger_ranges WHERE kind = ?"
            " AND first_rowid <= ? ORDER BY first_rowid DESC LIMIT 1",
            (kind, rowid),
        ).fetchone()
        if row is None or rowid >= row[2] + row[1]:
            raise NotFoundError(f"{kind} row {rowid} has no leaf in the ledger")
        return int(row[0]) + rowid - int(row[2])

    def leaf_of_uid(self, uid: str) -> int:
        """The leaf index of the observation ``uid``."""
        row = self._conn.execute("SELECT rowid FROM observations WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            raise NotFoundError(f"no observation {uid!r}")
        return self.leaf_of_row(OBSERVATION, int(row[0]))

    def submitter_of(self, uid: str) -> str | None:
        """Who submitted observation ``uid`` through the API (None: not a submission)."""
        row = self._conn.execute(
            "SELECT json_extract(s.json, '$.submitted_by') FROM observations o"
            " LEFT JOIN attribute_sets s ON s.id = o.attributes_id WHERE o.uid = ?",
            (uid,),
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def entry(self, leaf_index: int) -> LedgerEntry:
        """The record behind leaf ``leaf_index``, as canonical JSON."""
        row = self._conn.execute(
            "SELECT first_leaf, count, kind, first_rowid FROM ledger_ranges WHERE first_leaf <= ?"
            " ORDER BY first_leaf DESC LIMIT 1",
            (leaf_index,),
        ).fetchone()
        if row is None or leaf_index >= row[0] + row[1] or leaf_index < 0:
            raise NotFoundError(f"no leaf {leaf_index} in the ledger")
        first_leaf, _, kind, first_rowid = row
        rowid = int(first_rowid) + leaf_index - int(first_leaf)
        if kind == RECORD:
            (kind_name, data) = self._conn.execute(
                "SELECT kind, data FROM ledger_records WHERE leaf_index = ?", (rowid,)
            ).fetchone()
            return LedgerEntry(leaf_index, str(kind_name), bytes(data))
        return LedgerEntry(leaf_index, kind, self._row_datas(kind, rowid, 1)[0][0])

    def _row_datas(self, kind: str, first_rowid: int, count: int) -> list[tuple[bytes, bytes]]:
        """(canonical JSON, leaf hash) of ``count`` rows of ``kind`` from ``first_rowid``."""
        last = first_rowid + count - 1
        if kind == OBSERVATION:
            rows = self._conn.execute(
                _OBSERVATION_COLUMNS_SQL + " WHERE o.rowid BETWEEN ? AND ? ORDER BY o.rowid",
                (first_rowid, last),
            ).fetchall()
            cols = observation_columns(rows)
            return [leaf_of(cols.record(i)) for i in range(len(cols))]
        if kind == REJECTION:
            rows = self._conn.execute(
                "SELECT source, file_name, file_sha256, row, field, reason, raw, rejected_at_us"
                " FROM rejections WHERE id BETWEEN ? AND ? ORDER BY id",
                (first_rowid, last),
            ).fetchall()
            return [leaf_of(rejection_record_of(r)) for r in rows]
        raise LedgerCorruptError(f"unknown ledger range kind {kind!r}")

    def ranges(self) -> Iterator[tuple[int, int, str, int]]:
        yield from self._conn.execute(
            "SELECT first_leaf, count, kind, first_rowid FROM ledger_ranges ORDER BY first_leaf"
        )

    def audit(self, progress: object = None) -> LedgerAudit:
        """Recompute every leaf from the stored records and the whole tree from the leaves.

        Checks that the ranges cover the log without gap or overlap, that every observation
        and rejection has a leaf, that each recomputed leaf hash equals the stored one, and
        that every stored tree node equals the recomputed one. Raises ``LedgerCorruptError``
        at the first difference.
        """
        size = self.size()
        rebuilt = MemoryHashStore()
        tree = MerkleLog(rebuilt)
        counts = {OBSERVATION: 0, REJECTION: 0, RECORD: 0}
        expected = 0
        for first_leaf, count, kind, first_rowid in list(self.ranges()):
            if first_leaf != expected:
                raise LedgerCorruptError(f"ledger ranges leave a gap or overlap at leaf {expected}")
            expected += count
            counts[kind] = counts.get(kind, 0) + count
            for start in range(0, count, _VERIFY_ROWS):
                n = min(_VERIFY_ROWS, count - start)
                hashes = self._recompute(kind, first_rowid + start, n)
                if len(hashes) != n:
                    raise LedgerCorruptError(
                        f"{kind} rows {first_rowid + start}..{first_rowid + start + n - 1} "
                        f"are missing ({len(hashes)} of {n} found)"
                    )
                stored = self._nodes.get_level(0, first_leaf + start, first_leaf + start + n)
                if b"".join(hashes) != stored:
                    bad = next(i for i, h in enumerate(hashes) if stored[32 * i : 32 * i + 32] != h)
                    raise LedgerCorruptError(
                        f"leaf {first_leaf + start + bad} does not match its {kind} record "
                        "(the record or the leaf was changed)"
                    )
                tree.append_leaf_hashes(hashes)
        if expected != size:
            raise LedgerCorruptError(f"ledger ranges cover {expected} leaves; the tree has {size}")
        for table, kind in (("observations", OBSERVATION), ("rejections", REJECTION)):
            (rows,) = self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            if rows != counts[kind]:
                raise LedgerCorruptError(
                    f"{rows} {table} are stored but {counts[kind]} are in the ledger"
                )
        level = 0
        while size >> level:
            stored_level = self._nodes.get_level(level, 0, size >> level)
            if stored_level != b"".join(rebuilt.level_hashes(level)):
                raise LedgerCorruptError(f"stored tree nodes of level {level} do not recompute")
            level += 1
        root = tree.root()
        if root != self.log().root():
            raise LedgerCorruptError("the stored root differs from the recomputed one")
        return LedgerAudit(
            size, counts[OBSERVATION], counts[REJECTION], counts.get(RECORD, 0), root
        )

    def _recompute(self, kind: str, first_rowid: int, count: int) -> list[bytes]:
        last = first_rowid + count - 1
        if kind == OBSERVATION:
            rows = self._conn.execute(
                _OBSERVATION_COLUMNS_SQL + " WHERE o.rowid BETWEEN ? AND ? ORDER BY o.rowid",
                (first_rowid, last),
            ).fetchall()
            return observation_leaf_hashes(observation_columns(rows))
        if kind == RECORD:
            out: list[bytes] = []
            for (data,) in self._conn.execute(
                "SELECT data FROM ledger_records WHERE leaf_index BETWEEN ? AND ?"
                " ORDER BY leaf_index",
                (first_rowid, last),
            ):
                raw = bytes(data)
                if canonicalize_text(raw) != raw:
                    raise LedgerCorruptError(f"ledger record {first_rowid} is not canonical JSON")
                out.append(leaf_of_bytes(raw))
            return out
        return [leaf for _, leaf in self._row_datas(kind, first_rowid, count)]

    # --- checkpoints ---------------------------------------------------------------------

    def save_checkpoint(self, size: int, root: bytes, note: str, now_us: int) -> int:
        cursor = self._conn.execute(
            "INSERT INTO ledger_checkpoints (size, root, note, created_at_us) VALUES (?, ?, ?, ?)",
            (size, root, note, now_us),
        )
        return int(cursor.lastrowid or 0)

    def mark_published(self, checkpoint_id: int, note: str, now_us: int | None) -> None:
        """Store a checkpoint's note with its cosignatures; published at ``now_us`` (None:
        not published)."""
        self._conn.execute(
            "UPDATE ledger_checkpoints SET note = ?, published_at_us = ? WHERE id = ?",
            (note, now_us, checkpoint_id),
        )

    def checkpoints(self, published_only: bool = False) -> list[StoredCheckpoint]:
        sql = "SELECT id, size, root, note, created_at_us, published_at_us FROM ledger_checkpoints"
        if published_only:
            sql += " WHERE published_at_us IS NOT NULL"
        rows = self._conn.execute(sql + " ORDER BY id").fetchall()
        return [StoredCheckpoint(r[0], r[1], bytes(r[2]), r[3], r[4], r[5]) for r in rows]

    def checkpoint_of_size(self, size: int) -> StoredCheckpoint:
        for cp in reversed(self.checkpoints()):
            if cp.size == size:
                return cp
        raise NotFoundError(f"no stored checkpoint of tree size {size}")


def rejection_record_of(row: Sequence[object]) -> dict[str, JSONValue]:
    source, file_name, file_sha256, line, field, reason, raw, rejected_at_us = row
    return rejection_record(
        source=str(source),
        file_name=str(file_name),
        file_sha256=str(file_sha256),
        row=int(line),  # type: ignore[call-overload]
        field=str(field),
        reason=str(reason),
        raw=str(raw),
        rejected_at_us=int(rejected_at_us),  # type: ignore[call-overload]
    )


def leaf_of_bytes(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(b"\x00" + data).digest()


def wrap_sqlite(action: str, exc: sqlite3.Error) -> StoreError:
    return StoreError(f"{action}: {exc}")
