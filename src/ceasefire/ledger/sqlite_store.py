"""A ``HashStore`` in SQLite: the ``ledger_nodes`` table, on a connection the caller owns.

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
from ceasefire.ledger.merkle import NodeKey

#: The table, for the store's migrations to include.
SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID
"""

# Well under SQLite's smallest limit on bound parameters (999), two per key.
_KEYS_PER_QUERY = 400


def select_nodes_sql(count: int) -> str:
    """The query reading ``count`` nodes by ``(level, idx)`` (two parameters per node)."""
    values = ",".join("(?,?)" for _ in range(count))
    # CROSS JOIN keeps the keys as the outer loop: one primary-key search each (a row-value
    # IN over VALUES makes SQLite scan the whole table).
    return (
        f"SELECT n.level, n.idx, n.hash FROM (VALUES {values}) AS k "
        "CROSS JOIN ledger_nodes AS n ON n.level = k.column1 AND n.idx = k.column2"
    )


class SqliteHashStore:
    """Merkle node hashes in the ``ledger_nodes`` table of ``connection``."""

    def __init__(self, connection: sqlite3.Connection, *, create: bool = True) -> None:
        self._conn = connection
        if create:
            try:
                self._conn.execute(SCHEMA)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot create the ledger_nodes table: {exc}") from None

    def leaf_count(self) -> int:
        try:
            row = self._conn.execute("SELECT max(idx) FROM ledger_nodes WHERE level = 0").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the ledger: {exc}") from None
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        found: dict[NodeKey, bytes] = {}
        try:
            for i in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[i : i + _KEYS_PER_QUERY]
                params = [n for key in chunk for n in key]
                rows = self._conn.execute(select_nodes_sql(len(chunk)), params)
                for level, index, value in rows:
                    found[(level, index)] = bytes(value)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the ledger: {exc}") from None
        try:
            return [found[key] for key in keys]
        except KeyError as exc:
            raise LedgerCorruptError(f"ledger node {exc.args[0]} is missing") from None

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        # Inside the caller's transaction, write and leave the commit to the caller. On an
        # autocommit connection outside any transaction, make the batch one transaction of
        # its own: atomic, and one sync instead of one per row.
        own = self._conn.isolation_level is None and not self._conn.in_transaction
        try:
            if own:
                self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany(
                "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes
            )
            if own:
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if own and self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.IntegrityError):
                raise ConflictError(f"ledger node already written: {exc}") from None
            raise StoreError(f"cannot write the ledger: {exc}") from None
