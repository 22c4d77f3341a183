"""The submissions component's table (component ``submissions`` of ``store.schema``).

``submissions`` remembers every report submitted through the API under its idempotency key,
scoped to the user who sent it: the body's SHA-256 (so a repeat with the same key can be told
from a different body) and the first result, which a repeat gets back. The observation or
rejection itself lives in the core tables with its ledger leaf; this table is the key index
and says who submitted what (a monitor sees its own reports through it).
"""

from __future__ import annotations

SUBMISSIONS_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        submitter TEXT NOT NULL,            -- the API user id
        idempotency_key TEXT NOT NULL,
        body_sha256 TEXT NOT NULL,
        received_at_us INTEGER NOT NULL,
        committed_at_us INTEGER NOT NULL,
        outcome TEXT NOT NULL,              -- accepted | duplicate | rejected | conflict
        uid TEXT,                           -- the observation's uid (NULL: body did not parse)
        leaf_index INTEGER,                 -- ledger leaf of the observation or rejection
        problems_json TEXT NOT NULL DEFAULT '[]',  -- [[field, reason], ...] of a refusal
        UNIQUE (submitter, idempotency_key)
    );
    CREATE INDEX submissions_uid ON submissions (uid) WHERE uid IS NOT NULL;
    """,
)
