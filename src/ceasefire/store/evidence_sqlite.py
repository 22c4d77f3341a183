"""The evidence tables of the SQLite store (``evidence``, ``evidence_custody``).

Works on the store's connection inside the caller's transaction, like ``SqliteLedger``:
a row and its ledger leaf are committed together.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    sha256: str
    size: int
    media_type: str
    file_name: str
    captured_by: str
    device: str
    captured_at_us: int
    added_at_us: int
    leaf_index: int
    added_by: str
    sha256_at_capture: str


@dataclass(frozen=True, slots=True)
class CustodyRow:
    id: int
    sha256: str
    event: str
    from_holder: str | None
    to_holder: str
    by: str
    at_us: int
    purpose: str
    note: str
    leaf_index: int


_EVIDENCE = (
    "sha256, size, media_type, file_name, captured_by, device, captured_at_us, added_at_us,"
    " leaf_index, added_by, sha256_at_capture"
)
_CUSTODY = "id, sha256, event, from_holder, to_holder, by, at_us, purpose, note, leaf_index"


class SqliteEvidence:
    """Reads and writes evidence rows on a store's connection (never commits)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, sha256: str) -> EvidenceRow | None:
        row = self._conn.execute(
            f"SELECT {_EVIDENCE} FROM evidence WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return None if row is None else EvidenceRow(*row)

    def insert(self, row: EvidenceRow) -> None:
        self._conn.execute(
            f"INSERT INTO evidence ({_EVIDENCE}) VALUES ({', '.join('?' * 11)})",
            (
                row.sha256,
                row.size,
                row.media_type,
                row.file_name,
                row.captured_by,
                row.device,
                row.captured_at_us,
                row.added_at_us,
                row.leaf_index,
                row.added_by,
                row.sha256_at_capture,
            ),
        )

    def custody(self, sha256: str) -> list[CustodyRow]:
        rows = self._conn.execute(
            f"SELECT {_CUSTODY} FROM evidence_custody WHERE sha256 = ? ORDER BY id", (sha256,)
        ).fetchall()
        return [CustodyRow(*r) for r in rows]

    def add_custody(
        self,
        sha256: str,
        event: str,
        from_holder: str | None,
        to_holder: str,
        by: str,
        at_us: int,
        purpose: str,
        note: str,
        leaf_index: int,
    ) -> int:
        cursor = self._conn.execute(
            "INSERT INTO evidence_custody (sha256, event, from_holder, to_holder, by, at_us,"
            " purpose, note, leaf_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sha256, event, from_holder, to_holder, by, at_us, purpose, note, leaf_index),
        )
        return int(cursor.lastrowid or 0)
