"""The warnings component's table (component ``warnings`` of ``store.schema``).

``warnings`` keeps every issued warning once (``warning_id`` is deterministic, so issuing
the same warning again stores nothing), with the ledger leaf it was recorded as. The table is
append-only: triggers refuse UPDATE and DELETE, so a stored warning can only be superseded by
a later, separate warning, never edited.
"""

from __future__ import annotations

WARNINGS_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE warnings (
        id INTEGER PRIMARY KEY,
        warning_id TEXT NOT NULL UNIQUE,
        issued_at_us INTEGER NOT NULL,
        valid_from_us INTEGER NOT NULL,
        valid_to_us INTEGER NOT NULL,
        area_id TEXT NOT NULL,
        area_name TEXT NOT NULL,
        event TEXT NOT NULL,                -- renewal | escalation
        signal TEXT NOT NULL,
        probability REAL NOT NULL,
        expected_count REAL NOT NULL,
        threshold REAL NOT NULL,
        model TEXT NOT NULL,
        drivers_json TEXT NOT NULL,         -- [WarningSignal.as_dict(), ...]
        lon REAL,
        lat REAL,
        content_sha256 TEXT NOT NULL,       -- of the record's canonical JSON (the ledger leaf)
        stored_at_us INTEGER NOT NULL,
        leaf_index INTEGER                  -- NULL only in a store with the ledger off
    );
    CREATE INDEX warnings_valid ON warnings (valid_from_us, warning_id);
    CREATE INDEX warnings_area ON warnings (area_id, valid_from_us);
    CREATE TRIGGER warnings_no_update BEFORE UPDATE ON warnings
        BEGIN SELECT RAISE(ABORT, 'warnings are append-only'); END;
    CREATE TRIGGER warnings_no_delete BEFORE DELETE ON warnings
        BEGIN SELECT RAISE(ABORT, 'warnings are append-only'); END;
    """,
)
