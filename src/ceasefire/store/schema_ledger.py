"""The ledger's tables in the SQLite store (component ``ledger`` of ``store.schema``).

* ``ledger_tiles``: the Merkle tree's node hashes, 256 per row (``ledger.sqlite_store``);
* ``ledger_ranges``: which records the leaves are -- a run of ``count`` leaves from
  ``first_leaf`` is the rows ``first_rowid ..`` of the table named by ``kind``
  (``observation``: observations; ``rejection``: rejections; ``record``: ledger_records).
  New rows of one insert get consecutive row ids, so a chunk of 100,000 observations is one
  range row, not 100,000 mapping rows;
* ``ledger_records``: the canonical JSON of records that live elsewhere (decisions,
  findings, replies, reports, evidence, custody events), kept so the log can be recomputed;
* ``ledger_checkpoints``: every signed checkpoint issued, and whether it was published;
* ``evidence`` and ``evidence_custody``: evidence files by SHA-256 and their custody chain
  (``store.evidence_sqlite``; the files themselves live in ``WORKSPACE/evidence``).
"""

from __future__ import annotations

from ceasefire.ledger.sqlite_store import SCHEMA as TILES_SCHEMA

LEDGER_MIGRATIONS: tuple[str, ...] = (
    TILES_SCHEMA
    + """;
    CREATE TABLE ledger_ranges (
        first_leaf INTEGER PRIMARY KEY,
        count INTEGER NOT NULL CHECK (count > 0),
        kind TEXT NOT NULL,
        first_rowid INTEGER NOT NULL
    );
    CREATE INDEX ledger_ranges_rows ON ledger_ranges (kind, first_rowid);
    CREATE TABLE ledger_records (
        leaf_index INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE ledger_checkpoints (
        id INTEGER PRIMARY KEY,
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        created_at_us INTEGER NOT NULL,
        published_at_us INTEGER
    );
    CREATE INDEX ledger_checkpoints_size ON ledger_checkpoints (size);
    CREATE TABLE evidence (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        file_name TEXT NOT NULL,
        captured_by TEXT NOT NULL,
        device TEXT NOT NULL,
        captured_at_us INTEGER NOT NULL,
        added_at_us INTEGER NOT NULL,
        leaf_index INTEGER NOT NULL
    );
    CREATE TABLE evidence_custody (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL REFERENCES evidence(sha256),
        event TEXT NOT NULL,
        from_holder TEXT,
        to_holder TEXT NOT NULL,
        by TEXT NOT NULL,
        at_us INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        leaf_index INTEGER NOT NULL
    );
    CREATE INDEX evidence_custody_sha ON evidence_custody (sha256, id);
    """,
    # 2: custody metadata of the Berkeley Protocol: who took the file in, the hash stated
    # at capture, and the purpose of every transfer or access
    """
    ALTER TABLE evidence ADD COLUMN added_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE evidence ADD COLUMN sha256_at_capture TEXT NOT NULL DEFAULT '';
    ALTER TABLE evidence_custody ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
    """,
)
