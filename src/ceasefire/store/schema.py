"""The SQLite schema: ordered migrations per component, and which of them have run.

Each component of the package that keeps tables (the core, the ledger, verification, ...)
owns a tuple of migrations in its own module; ``COMPONENTS`` lists them in the order they
are applied. The table ``schema_versions`` records how many migrations of each component
ran, so components evolve independently and a store written by a newer program is refused.
"""

from __future__ import annotations

from ceasefire.store.schema_access import ACCESS_MIGRATIONS
from ceasefire.store.schema_ledger import LEDGER_MIGRATIONS
from ceasefire.store.schema_submissions import SUBMISSIONS_MIGRATIONS
from ceasefire.store.schema_verification import VERIFICATION_MIGRATIONS
from ceasefire.store.schema_warnings import WARNINGS_MIGRATIONS

CORE_MIGRATIONS: tuple[str, ...] = (
    # 1: agreements, input files, observations, rejections, ingest runs, zone assessments
    """
    CREATE TABLE agreements (
        key INTEGER PRIMARY KEY,
        agreement_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_sha256 TEXT NOT NULL,
        effective_us INTEGER NOT NULL,
        loaded_at_us INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        UNIQUE (agreement_id, version)
    );
    CREATE TABLE agreement_files (
        agreement_key INTEGER NOT NULL REFERENCES agreements(key),
        path TEXT NOT NULL,
        content BLOB NOT NULL,
        PRIMARY KEY (agreement_key, path)
    );
    CREATE TABLE input_files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        size INTEGER NOT NULL,
        first_seen_us INTEGER NOT NULL,
        content BLOB NOT NULL
    );
    CREATE TABLE ingest_runs (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        started_at_us INTEGER NOT NULL,
        finished_at_us INTEGER,
        accepted INTEGER,
        duplicates INTEGER,
        rejected INTEGER
    );
    CREATE TABLE observations (
        rowid INTEGER PRIMARY KEY,
        -- source || ':' || source's own id: the identity and public id. The source is not a
        -- column of its own: the ingest run names it, and this prefix serves source filters.
        uid TEXT NOT NULL UNIQUE,
        observed_at_us INTEGER NOT NULL,
        observed_until_us INTEGER,
        kind TEXT NOT NULL,
        lon REAL,
        lat REAL,
        uncertainty_m REAL,
        area TEXT,
        weapon_class TEXT,
        attributes_id INTEGER REFERENCES attribute_sets(id),  -- NULL when empty
        raw TEXT NOT NULL,  -- the record exactly as received
        file_row INTEGER NOT NULL,
        ingest_run INTEGER NOT NULL REFERENCES ingest_runs(id)  -- names the input file
    );
    CREATE INDEX observations_time ON observations (observed_at_us);
    -- Attribute sets are stored once and shared: most rows of a file carry the same ones.
    CREATE TABLE attribute_sets (
        id INTEGER PRIMARY KEY,
        json TEXT NOT NULL UNIQUE
    );
    CREATE TABLE rejections (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        row INTEGER NOT NULL,
        field TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw TEXT NOT NULL,
        ingest_run INTEGER NOT NULL,
        rejected_at_us INTEGER NOT NULL,
        UNIQUE (file_sha256, row, field)
    );
    CREATE TABLE assessment_progress (
        agreement_key INTEGER PRIMARY KEY REFERENCES agreements(key),
        max_rowid INTEGER NOT NULL
    );
    CREATE TABLE zone_assessments (
        agreement_key INTEGER NOT NULL,
        obs_rowid INTEGER NOT NULL,
        signed_distance_m REAL,
        side TEXT NOT NULL,
        oblast TEXT NOT NULL,
        zone_bits INTEGER NOT NULL,  -- bit b set: inside the zone given bit b in assessment_zones
        PRIMARY KEY (agreement_key, obs_rowid)
    ) WITHOUT ROWID;
    -- Which bit of zone_bits stands for which zone, per agreement version. Zones past the
    -- 62nd of an agreement are recorded row by row in zone_membership instead.
    CREATE TABLE assessment_zones (
        agreement_key INTEGER NOT NULL,
        zone_id TEXT NOT NULL,
        bit INTEGER NOT NULL,
        PRIMARY KEY (agreement_key, zone_id),
        UNIQUE (agreement_key, bit)
    );
    CREATE TABLE zone_membership (
        agreement_key INTEGER NOT NULL,
        zone_id TEXT NOT NULL,
        obs_rowid INTEGER NOT NULL,
        PRIMARY KEY (agreement_key, zone_id, obs_rowid)
    ) WITHOUT ROWID;
    CREATE INDEX zone_membership_obs ON zone_membership (agreement_key, obs_rowid);
    """,
)

COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", CORE_MIGRATIONS),
    ("ledger", LEDGER_MIGRATIONS),
    ("verification", VERIFICATION_MIGRATIONS),
    ("access", ACCESS_MIGRATIONS),
    ("submissions", SUBMISSIONS_MIGRATIONS),
    ("warnings", WARNINGS_MIGRATIONS),
)
"""(component name, its migrations), in the order they are applied."""

VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
"""
