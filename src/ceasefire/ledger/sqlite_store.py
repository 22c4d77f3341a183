"""A ``HashStore`` in SQLite: the ``ledger_nodes`` table, on a connection the caller owns.

The store never commits: the caller's transaction decides when nodes become durable, so a
record and its leaf can be committed together (or rolled back together). After a rollback,
build a new ``MerkleLog`` on the store so it reloads its state from what was kept.
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
                values = ",".join("(?,?)" for _ in chunk)
                params = [n for key in chunk for n in key]
                rows = self._conn.execute(
                    "SELECT level, idx, hash FROM ledger_nodes "
                    f"WHERE (level, idx) IN (VALUES {values})",
                    params,
                )
                for level, index, value in rows:
                    found[(level, index)] = bytes(value)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the ledger: {exc}") from None
        try:
            return [found[key] for key in keys]
        except KeyError as exc:
            raise LedgerCorruptError(f"ledger node {exc.args[0]} is missing") from None

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        try:
            self._conn.executemany(
                "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes
            )
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"ledger node already written: {exc}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the ledger: {exc}") from None
