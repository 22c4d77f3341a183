"""A ``HashStore`` in SQLite: the ``ledger_tiles`` table, on a connection the caller owns.

Nodes are kept in *tiles* of 256 consecutive hashes of one level (8 KiB blobs), as C2SP
tlog-tiles lays a log out: a million leaves are ~8,000 rows instead of two million, which
is what lets ingest append every record without slowing down much. Row ``id`` is
``level << 40 | tile``. Only the last tile of a level is ever partial; extending it rewrites
it after checking that what was stored is kept unchanged.

Inside a transaction the store never commits: the caller's transaction decides when nodes
become durable, so a record and its leaf are committed (or rolled back) together. After a
rollback, build a new ``MerkleLog`` on the store so it reloads its state from what was kept.
On an autocommit connection (``isolation_level=None``) outside a transaction, each batch of
nodes is written as one transaction of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ceasefire.errors import ConflictError, StoreError
from ceasefire.ledger.errors import LedgerCorruptError
from ceasefire.ledger.merkle import HASH_SIZE, NodeKey, NodeRun

#: The table, for the store's migrations to include.
SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_tiles (
    id     INTEGER PRIMARY KEY,  -- level << 40 | tile
    hashes BLOB NOT NULL CHECK (length(hashes) % 32 = 0 AND length(hashes) BETWEEN 32 AND 8192)
)
"""

TILE_WIDTH = 256
_TILE_BYTES = TILE_WIDTH * HASH_SIZE
_LEVEL_SHIFT = 40
# Well under SQLite's smallest limit on bound parameters (999).
_KEYS_PER_QUERY = 500


def tile_id(level: int, tile: int) -> int:
    """The row id of tile ``tile`` of ``level``."""
    return level << _LEVEL_SHIFT | tile


def select_tiles_sql(count: int) -> str:
    """The query reading ``count`` tiles by row id."""
    return f"SELECT id, hashes FROM ledger_tiles WHERE id IN ({','.join('?' * count)})"


def _runs_of(nodes: Sequence[tuple[int, int, bytes]]) -> list[NodeRun]:
    """Group ``(level, index, hash)`` nodes into runs of consecutive indexes."""
    runs: list[tuple[int, int, list[bytes]]] = []
    for level, index, value in nodes:
        if runs and runs[-1][0] == level and runs[-1][1] + len(runs[-1][2]) == index:
            runs[-1][2].append(value)
        else:
            runs.append((level, index, [value]))
    return list(runs)


class SqliteHashStore:
    """Merkle node hashes in the ``ledger_tiles`` table of ``connection``."""

    def __init__(self, connection: sqlite3.Connection, *, create: bool = True) -> None:
        self._conn = connection
        if create:
            try:
                self._conn.execute(SCHEMA)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot create the ledger_tiles table: {exc}") from None

    def leaf_count(self) -> int:
        try:
            row = self._conn.execute(
                "SELECT id, length(hashes) FROM ledger_tiles WHERE id < ? ORDER BY id DESC LIMIT 1",
                (1 << _LEVEL_SHIFT,),
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the ledger: {exc}") from None
        return 0 if row is None else int(row[0]) * TILE_WIDTH + int(row[1]) // HASH_SIZE

    def _tiles(self, ids: Sequence[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        try:
            for i in range(0, len(ids), _KEYS_PER_QUERY):
                chunk = ids[i : i + _KEYS_PER_QUERY]
                for key, value in self._conn.execute(select_tiles_sql(len(chunk)), chunk):
                    found[int(key)] = bytes(value)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the ledger: {exc}") from None
        return found

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        tiles = self._tiles(sorted({tile_id(level, index // TILE_WIDTH) for level, index in keys}))
        out: list[bytes] = []
        for level, index in keys:
            blob = tiles.get(tile_id(level, index // TILE_WIDTH), b"")
            offset = (index % TILE_WIDTH) * HASH_SIZE
            value = blob[offset : offset + HASH_SIZE]
            if len(value) != HASH_SIZE:
                raise LedgerCorruptError(f"ledger node {(level, index)} is missing")
            out.append(value)
        return out

    def get_level(self, level: int, start: int, end: int) -> bytes:
        """The hashes of nodes ``[start, end)`` of ``level``, concatenated (for audits)."""
        first, last = start // TILE_WIDTH, (end - 1) // TILE_WIDTH
        ids = [tile_id(level, t) for t in range(first, last + 1)] if end > start else []
        tiles = self._tiles(ids)
        data = b"".join(tiles.get(i, b"") for i in ids)
        data = data[(start - first * TILE_WIDTH) * HASH_SIZE :][: (end - start) * HASH_SIZE]
        if len(data) != (end - start) * HASH_SIZE:
            raise LedgerCorruptError(f"ledger level {level} lacks nodes in [{start}, {end})")
        return data

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Add ``(level, index, hash)`` nodes (grouped into runs), in one batch."""
        self.put_runs(_runs_of(nodes))

    def put_runs(self, runs: Sequence[NodeRun]) -> None:
        # Inside the caller's transaction, write and leave the commit to the caller. On an
        # autocommit connection outside any transaction, make the batch one transaction of
        # its own: atomic, and one sync instead of one per row.
        own = self._conn.isolation_level is None and not self._conn.in_transaction
        try:
            if own:
                self._conn.execute("BEGIN IMMEDIATE")
            for level, first, hashes in runs:
                data = hashes if isinstance(hashes, bytes) else b"".join(hashes)
                self._put_run(level, first, data)
            if own:
                self._conn.execute("COMMIT")
        except (sqlite3.Error, ConflictError, LedgerCorruptError) as exc:
            if own and self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.IntegrityError):
                raise ConflictError(f"ledger node already written: {exc}") from None
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"cannot write the ledger: {exc}") from None
            raise

    def _put_run(self, level: int, first: int, data: bytes) -> None:
        if len(data) % HASH_SIZE:
            raise ValueError("node hashes have 32 bytes")
        tile, offset = divmod(first, TILE_WIDTH)
        rows: list[tuple[int, bytes]] = []
        if offset:
            row = self._conn.execute(
                "SELECT hashes FROM ledger_tiles WHERE id = ?", (tile_id(level, tile),)
            ).fetchone()
            have = b"" if row is None else bytes(row[0])
            if len(have) != offset * HASH_SIZE:
                raise ConflictError(
                    f"ledger node ({level}, {first}) written out of order: the tile holds "
                    f"{len(have) // HASH_SIZE} nodes"
                )
            take = (TILE_WIDTH - offset) * HASH_SIZE
            self._conn.execute(
                "UPDATE ledger_tiles SET hashes = ? WHERE id = ? AND hashes = ?",
                (have + data[:take], tile_id(level, tile), have),
            )
            data = data[take:]
            tile += 1
        for i in range(0, len(data), _TILE_BYTES):
            rows.append((tile_id(level, tile), data[i : i + _TILE_BYTES]))
            tile += 1
        if rows:
            self._conn.executemany("INSERT INTO ledger_tiles (id, hashes) VALUES (?, ?)", rows)
