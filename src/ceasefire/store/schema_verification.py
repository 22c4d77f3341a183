"""The verification component's tables (incidents, findings, decisions, replies, coverage).

Every table is append-only: a new state of an incident or finding is a new row; the current
state is the row with the highest id (views ``current_incidents``/``current_findings``).
"""

from __future__ import annotations

VERIFICATION_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE grouping_runs (
        id INTEGER PRIMARY KEY,
        agreement_key INTEGER NOT NULL,
        started_at_us INTEGER NOT NULL,
        window_start_us INTEGER NOT NULL,
        window_end_us INTEGER NOT NULL,
        params_json TEXT NOT NULL,
        observations INTEGER NOT NULL DEFAULT 0,
        incidents_new INTEGER NOT NULL DEFAULT 0,
        incidents_extended INTEGER NOT NULL DEFAULT 0,
        merges INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        founder_uid TEXT NOT NULL,  -- the first-accepted member whose uid gave the id
        created_run INTEGER NOT NULL REFERENCES grouping_runs(id)
    );
    CREATE TABLE incident_members (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        obs_rowid INTEGER NOT NULL,
        role TEXT NOT NULL,  -- 'locates' or 'corroborates'
        added_run INTEGER NOT NULL,
        PRIMARY KEY (incident_id, obs_rowid)
    ) WITHOUT ROWID;
    CREATE INDEX incident_members_obs ON incident_members (obs_rowid);
    CREATE TABLE incident_merges (
        id INTEGER PRIMARY KEY,
        into_incident TEXT NOT NULL REFERENCES incidents(id),
        from_incident TEXT NOT NULL UNIQUE REFERENCES incidents(id),
        run INTEGER NOT NULL
    );
    CREATE TABLE incident_states (
        id INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        run INTEGER NOT NULL,
        start_us INTEGER NOT NULL,
        end_us INTEGER NOT NULL,
        lon REAL, lat REAL, uncertainty_m REAL,
        oblast TEXT NOT NULL, side TEXT NOT NULL, signed_distance_m REAL,
        level TEXT NOT NULL, reliability TEXT NOT NULL, credibility INTEGER NOT NULL,
        kinds TEXT NOT NULL, sources TEXT NOT NULL, members INTEGER NOT NULL,
        reasons_json TEXT NOT NULL,
        content_sha256 TEXT NOT NULL
    );
    CREATE INDEX incident_states_incident ON incident_states (incident_id, id);
    CREATE VIEW current_incidents AS
        SELECT s.* FROM incident_states s
        WHERE s.id = (SELECT max(id) FROM incident_states t WHERE t.incident_id = s.incident_id)
          AND NOT EXISTS (SELECT 1 FROM incident_merges m WHERE m.from_incident = s.incident_id);
    CREATE TABLE findings (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        agreement_key INTEGER NOT NULL,
        rule_id TEXT NOT NULL,
        created_run INTEGER NOT NULL
    );
    CREATE TABLE finding_states (
        id INTEGER PRIMARY KEY,
        finding_id TEXT NOT NULL REFERENCES findings(id),
        run INTEGER NOT NULL,
        severity TEXT NOT NULL, kind TEXT NOT NULL, zone TEXT NOT NULL, zones TEXT NOT NULL,
        observed_at_us INTEGER NOT NULL,
        lon REAL, lat REAL, oblast TEXT NOT NULL, side TEXT NOT NULL, signed_distance_m REAL,
        level TEXT NOT NULL, reliability TEXT NOT NULL, credibility INTEGER NOT NULL,
        responsible TEXT NOT NULL, confidence REAL NOT NULL,
        matched TEXT NOT NULL, reasons_json TEXT NOT NULL, attribution_json TEXT NOT NULL,
        content_sha256 TEXT NOT NULL
    );
    CREATE INDEX finding_states_finding ON finding_states (finding_id, id);
    CREATE INDEX finding_states_time ON finding_states (observed_at_us);
    CREATE VIEW current_findings AS
        SELECT f.agreement_key, f.incident_id, f.rule_id, s.* FROM finding_states s
        JOIN findings f ON f.id = s.finding_id
        WHERE s.id = (SELECT max(id) FROM finding_states t WHERE t.finding_id = s.finding_id)
          AND NOT EXISTS (SELECT 1 FROM incident_merges m WHERE m.from_incident = f.incident_id);
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        finding_id TEXT NOT NULL REFERENCES findings(id),
        action TEXT NOT NULL, party TEXT NOT NULL, reason TEXT NOT NULL,
        analyst TEXT NOT NULL, decided_at_us INTEGER NOT NULL, leaf_index INTEGER
    );
    CREATE INDEX decisions_finding ON decisions (finding_id);
    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        finding_id TEXT NOT NULL REFERENCES findings(id),
        party TEXT NOT NULL, text TEXT NOT NULL, author TEXT NOT NULL,
        replied_at_us INTEGER NOT NULL, leaf_index INTEGER
    );
    CREATE INDEX replies_finding ON replies (finding_id);
    CREATE TABLE coverage_gaps (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL, start_us INTEGER NOT NULL, end_us INTEGER,
        area TEXT NOT NULL, lon REAL, lat REAL, radius_m REAL,
        denied_by TEXT NOT NULL, reason TEXT NOT NULL, sensor TEXT NOT NULL,
        reported_by TEXT NOT NULL, source_uid TEXT NOT NULL, recorded_at_us INTEGER NOT NULL,
        leaf_index INTEGER
    );
    CREATE INDEX coverage_gaps_time ON coverage_gaps (start_us);
    """,
    # 2: every new incident and finding state is a leaf of the evidence ledger
    """
    ALTER TABLE incident_states ADD COLUMN leaf_index INTEGER;
    ALTER TABLE finding_states ADD COLUMN leaf_index INTEGER;
    """,
)
