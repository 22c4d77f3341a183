"""The access component's tables: API users (tokens kept as SHA-256 only) and the audit log.

The audit log is append-only: who (user, role, party), what (method, route, parameters,
status) and when, for every write and every read of restricted data through the API.
"""

from __future__ import annotations

ACCESS_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE api_users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        party TEXT,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at_us INTEGER NOT NULL,
        revoked_at_us INTEGER
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at_us INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL,
        party TEXT,
        action TEXT NOT NULL,       -- e.g. 'GET /api/v1/findings/{finding_id}'
        target TEXT NOT NULL,       -- the path as called
        params_json TEXT NOT NULL,  -- path and query parameters
        status INTEGER NOT NULL
    );
    CREATE INDEX audit_log_at ON audit_log (at_us);
    CREATE INDEX audit_log_user ON audit_log (user_id, at_us);
    -- Secret keys of the access component (e.g. the key of opaque evidence references),
    -- made on first use and never shown.
    CREATE TABLE access_keys (
        name TEXT PRIMARY KEY,
        key BLOB NOT NULL
    );
    """,
)
