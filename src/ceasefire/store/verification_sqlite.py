"""The verification tables in the SQLite store (``schema_verification``).

Works on the ``SQLiteStore``'s connection, in transactions of its own; decisions, replies
and coverage gaps are also appended to the store's evidence ledger in the same transaction.
Every write is an INSERT: a changed incident or finding gets a new state row, only when its
content hash differs from the latest one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ceasefire.errors import NotFoundError, StoreError
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import from_epoch_us, to_epoch_us
from ceasefire.verification.coverage import CoverageGap, GapKind
from ceasefire.verification.findings import Finding
from ceasefire.verification.levels import Level, Verification
from ceasefire.verification.model import (
    IncidentState,
    RunOutput,
    StoredFinding,
    StoredIncident,
    VerificationQuery,
)
from ceasefire.verification.records import Action, Decision, Reply

INCIDENT_STATE = "incident_state"
FINDING = "finding"
_CHUNK = 900  # SQLite's default limit of bound parameters is 999
_MASK_BITS = 62


def _sha(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


def _iso(us: int) -> str:
    return from_epoch_us(us).isoformat().replace("+00:00", "Z")


class SqliteVerification:
    """The ``VerificationRepository`` of a ``SQLiteStore``."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._conn = store.connection

    def _ledger(self, kind: str, record: dict[str, Any]) -> int | None:
        if not self._store.ledger_enabled:
            return None
        return self._store.append_record(kind, record)

    # --- grouping ------------------------------------------------------------------------

    def memberships(self, rowids: list[int]) -> dict[int, str]:
        """Current incident of each locating member among ``rowids``."""
        out: dict[int, str] = {}
        for i in range(0, len(rowids), _CHUNK):
            part = rowids[i : i + _CHUNK]
            sql = (
                "SELECT m.obs_rowid, m.incident_id FROM incident_members m"
                f" WHERE m.role = 'locates' AND m.obs_rowid IN ({','.join('?' * len(part))})"
                " AND NOT EXISTS (SELECT 1 FROM incident_merges g WHERE g.from_incident = m.incident_id)"
            )
            out.update({int(r): str(i_) for r, i_ in self._conn.execute(sql, part)})
        return out

    def member_time_range(self, incident_ids: list[str]) -> tuple[int, int] | None:
        lo: int | None = None
        hi: int | None = None
        for i in range(0, len(incident_ids), _CHUNK):
            part = incident_ids[i : i + _CHUNK]
            row = self._conn.execute(
                "SELECT min(o.observed_at_us), max(o.observed_at_us) FROM incident_members m"
                " JOIN observations o ON o.rowid = m.obs_rowid"
                f" WHERE m.incident_id IN ({','.join('?' * len(part))})",
                part,
            ).fetchone()
            if row[0] is not None:
                lo = row[0] if lo is None else min(lo, row[0])
                hi = row[1] if hi is None else max(hi, row[1])
        return None if lo is None or hi is None else (lo, hi)

    def _latest_hash(self, table: str, column: str, key: str) -> str | None:
        row = self._conn.execute(
            f"SELECT content_sha256 FROM {table} WHERE {column} = ? ORDER BY id DESC LIMIT 1",
            (key,),
        ).fetchone()
        return None if row is None else str(row[0])

    def apply(self, output: RunOutput) -> tuple[int, int, int]:
        """Write a run; return (new incident states, new finding states, run id).

        Every new incident state and finding state is appended to the evidence ledger
        (records ``incident_state`` and ``finding``, docs/ledger.md) in the same
        transaction, and its leaf index kept in its row.
        """
        new_states = new_finding_states = 0
        leaves: list[tuple[str, int, str, dict[str, Any]]] = []  # (table, row id, kind, record)
        with self._store.transaction("storing a verification run") as conn:
            run = int(
                conn.execute(
                    "INSERT INTO grouping_runs (agreement_key, started_at_us, window_start_us,"
                    " window_end_us, params_json, observations, incidents_new, incidents_extended,"
                    " merges, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        output.agreement_key,
                        _now_us(),
                        to_epoch_us(output.window_start),
                        to_epoch_us(output.window_end),
                        output.params_json,
                        output.observations,
                        len(output.founders) - len(output.merges),
                        output.extended,
                        len(output.merges),
                        len(output.findings),
                    ),
                ).lastrowid
                or 0
            )
            conn.executemany(
                "INSERT OR IGNORE INTO incidents (id, founder_uid, created_run) VALUES (?, ?, ?)",
                [(i, uid, run) for i, uid in sorted(output.founders.items())],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO incident_merges (into_incident, from_incident, run) VALUES (?, ?, ?)",
                [(new, old, run) for new, olds in sorted(output.merges.items()) for old in olds],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO incident_members (incident_id, obs_rowid, role, added_run)"
                " VALUES (?, ?, ?, ?)",
                [(i, r, role, run) for i, r, role in output.members],
            )
            for s in output.states:
                content = _state_row(s)
                digest = _sha(content)
                if self._latest_hash("incident_states", "incident_id", s.incident_id) == digest:
                    continue
                cursor = conn.execute(
                    "INSERT INTO incident_states (incident_id, run, start_us, end_us, lon, lat,"
                    " uncertainty_m, oblast, side, signed_distance_m, level, reliability, credibility,"
                    " kinds, sources, members, reasons_json, content_sha256)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (s.incident_id, run, *content, digest),
                )
                new_states += 1
                if self._store.ledger_enabled:
                    record = incident_state_record(s, run, digest, self._member_uids(s.incident_id))
                    leaves.append(
                        ("incident_states", int(cursor.lastrowid or 0), INCIDENT_STATE, record)
                    )
            for f in output.findings:
                conn.execute(
                    "INSERT OR IGNORE INTO findings (id, incident_id, agreement_key, rule_id, created_run)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (f.finding_id, f.incident_id, output.agreement_key, f.rule_id, run),
                )
                v = f.verification
                content_f = (
                    f.severity,
                    f.kind,
                    f.zone,
                    ",".join(f.zones),
                    to_epoch_us(f.observed_at),
                    f.lon,
                    f.lat,
                    f.oblast,
                    f.side,
                    None if f.signed_distance_m is None else round(f.signed_distance_m, 1),
                    v.level.value,
                    v.reliability,
                    v.credibility,
                    f.attribution.party,
                    f.attribution.confidence,
                    ",".join(f.matched),
                    json.dumps(list(f.reasons), ensure_ascii=False),
                    json.dumps(f.attribution.as_json(), ensure_ascii=False, sort_keys=True),
                )
                digest = _sha(content_f)
                if self._latest_hash("finding_states", "finding_id", f.finding_id) == digest:
                    continue
                cursor = conn.execute(
                    "INSERT INTO finding_states (finding_id, run, severity, kind, zone, zones,"
                    " observed_at_us, lon, lat, oblast, side, signed_distance_m, level, reliability,"
                    " credibility, responsible, confidence, matched, reasons_json, attribution_json,"
                    " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (f.finding_id, run, *content_f, digest),
                )
                new_finding_states += 1
                if self._store.ledger_enabled:
                    record = finding_record(f, run, digest, self._member_uids(f.incident_id))
                    leaves.append(("finding_states", int(cursor.lastrowid or 0), FINDING, record))
            if leaves:
                indexes = self._store.append_records([(k, r) for _, _, k, r in leaves])
                for table in ("incident_states", "finding_states"):
                    conn.executemany(
                        f"UPDATE {table} SET leaf_index = ? WHERE id = ?",
                        [
                            (i, row)
                            for (t, row, _, _), i in zip(leaves, indexes, strict=True)
                            if t == table
                        ],
                    )
        return new_states, new_finding_states, run

    def _member_uids(self, incident_id: str) -> list[str]:
        return [uid for uid, _ in self._members(incident_id)]

    def finding_leaf(self, finding_id: str) -> int:
        """The ledger leaf of the current state of finding ``finding_id``."""
        row = self._conn.execute(
            "SELECT leaf_index FROM finding_states WHERE finding_id = ? ORDER BY id DESC LIMIT 1",
            (finding_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no finding {finding_id!r}")
        if row[0] is None:
            raise NotFoundError(f"finding {finding_id!r} has no leaf in the ledger")
        return int(row[0])

    def incident_leaf(self, incident_id: str) -> int:
        """The ledger leaf of the current state of incident ``incident_id``."""
        row = self._conn.execute(
            "SELECT leaf_index FROM incident_states WHERE incident_id = ? ORDER BY id DESC LIMIT 1",
            (incident_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no incident {incident_id!r}")
        if row[0] is None:
            raise NotFoundError(f"incident {incident_id!r} has no leaf in the ledger")
        return int(row[0])

    # --- reading -------------------------------------------------------------------------

    def _filters(
        self, query: VerificationQuery, time_col: str, table: str
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.since is not None:
            clauses.append(f"{time_col} >= ?")
            params.append(to_epoch_us(query.since))
        if query.until is not None:
            clauses.append(f"{time_col} < ?")
            params.append(to_epoch_us(query.until))
        if query.side is not None:
            clauses.append(f"{table}.side = ?")
            params.append(query.side)
        if query.oblast is not None:
            clauses.append(f"{table}.oblast = ?")
            params.append(query.oblast)
        if query.level is not None:
            clauses.append(f"{table}.level = ?")
            params.append(query.level)
        if query.kinds:
            # an incident or finding with a member of one of these kinds
            clauses.append(
                "EXISTS (SELECT 1 FROM incident_members m JOIN observations o ON o.rowid = m.obs_rowid"
                f" WHERE m.incident_id = {table}.incident_id AND o.kind IN ({','.join('?' * len(query.kinds))}))"
            )
            params.extend(query.kinds)
        if query.sources:
            ranges = " OR ".join("(o.uid >= ? AND o.uid < ?)" for _ in query.sources)
            clauses.append(
                "EXISTS (SELECT 1 FROM incident_members m JOIN observations o ON o.rowid = m.obs_rowid"
                f" WHERE m.incident_id = {table}.incident_id AND ({ranges}))"
            )
            for source in query.sources:
                params.extend([source + ":", source + ";"])
        return " AND ".join(clauses), params

    def _members(self, incident_id: str) -> tuple[tuple[str, str], ...]:
        rows = self._conn.execute(
            "SELECT o.uid, m.role FROM incident_members m JOIN observations o ON o.rowid = m.obs_rowid"
            " WHERE m.incident_id = ? ORDER BY o.observed_at_us, o.uid",
            (incident_id,),
        ).fetchall()
        return tuple((str(u), str(r)) for u, r in rows)

    def _zone_ok(self, query: VerificationQuery, zones: Sequence[str]) -> bool:
        return query.zone is None or query.zone in zones

    def incidents(self, query: VerificationQuery) -> list[StoredIncident]:
        """Current incidents (not merged away) matching ``query``, by start time."""
        where, params = self._filters(query, "s.start_us", "s")
        sql = (
            "SELECT s.incident_id, s.start_us, s.end_us, s.lon, s.lat, s.uncertainty_m, s.oblast,"
            " s.side, s.signed_distance_m, s.level, s.reliability, s.credibility, s.kinds, s.sources,"
            " s.members, s.reasons_json, i.founder_uid FROM current_incidents s"
            " JOIN incidents i ON i.id = s.incident_id"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY s.start_us, s.incident_id"
        )
        out: list[StoredIncident] = []
        for r in self._conn.execute(sql, params).fetchall():
            members = self._members(r[0])
            if query.zone is not None and not self._incident_in_zone(r[0], query):
                continue
            state = IncidentState(
                incident_id=r[0],
                start=from_epoch_us(r[1]),
                end=from_epoch_us(r[2]),
                lon=r[3],
                lat=r[4],
                uncertainty_m=r[5],
                oblast=r[6],
                side=r[7],
                signed_distance_m=r[8],
                verification=Verification(
                    Level(r[9]), r[10], int(r[11]), (), tuple(json.loads(r[15]))
                ),
                kinds=tuple(r[12].split(",")) if r[12] else (),
                sources=tuple(r[13].split(",")) if r[13] else (),
                members=int(r[14]),
            )
            merged = tuple(
                str(x)
                for (x,) in self._conn.execute(
                    "SELECT from_incident FROM incident_merges WHERE into_incident = ? ORDER BY from_incident",
                    (r[0],),
                )
            )
            out.append(StoredIncident(r[0], state, r[16], members, merged))
            if query.limit is not None and len(out) >= query.limit:
                break
        return out

    def _incident_in_zone(self, incident_id: str, query: VerificationQuery) -> bool:
        if query.agreement_key is None:
            raise StoreError("filtering by zone needs an agreement version")
        row = self._conn.execute(
            "SELECT bit FROM assessment_zones WHERE agreement_key = ? AND zone_id = ?",
            (query.agreement_key, query.zone),
        ).fetchone()
        if row is None or int(row[0]) >= _MASK_BITS:
            return False
        hit = self._conn.execute(
            "SELECT 1 FROM incident_members m JOIN zone_assessments a ON a.obs_rowid = m.obs_rowid"
            " AND a.agreement_key = ? WHERE m.incident_id = ? AND m.role = 'locates'"
            " AND (a.zone_bits & ?) != 0 LIMIT 1",
            (query.agreement_key, incident_id, 1 << int(row[0])),
        ).fetchone()
        return hit is not None

    _FINDING_COLUMNS = (
        "f.finding_id, f.incident_id, f.agreement_key, f.rule_id, f.severity, f.kind, f.zone,"
        " f.zones, f.observed_at_us, f.lon, f.lat, f.oblast, f.side, f.signed_distance_m, f.level,"
        " f.reliability, f.credibility, f.responsible, f.confidence, f.matched, f.reasons_json"
    )

    def findings(self, query: VerificationQuery) -> list[StoredFinding]:
        """Current findings matching ``query``, by time."""
        where, params = self._filters(query, "f.observed_at_us", "f")
        extra: list[str] = [where] if where else []
        if query.agreement_key is not None:
            extra.append("f.agreement_key = ?")
            params.append(query.agreement_key)
        if query.rule is not None:
            extra.append("f.rule_id = ?")
            params.append(query.rule)
        if query.zone is not None:
            extra.append("(',' || f.zones || ',') LIKE ?")
            params.append(f"%,{query.zone},%")
        sql = (
            f"SELECT {self._FINDING_COLUMNS} FROM current_findings f"
            + (f" WHERE {' AND '.join(extra)}" if extra else "")
            + " ORDER BY f.observed_at_us, f.finding_id"
            + ("" if query.limit is None else f" LIMIT {int(query.limit)}")
        )
        return [self._finding_of(r) for r in self._conn.execute(sql, params).fetchall()]

    def finding(self, finding_id: str) -> StoredFinding:
        row = self._conn.execute(
            f"SELECT {self._FINDING_COLUMNS} FROM current_findings f WHERE f.finding_id = ?",
            (finding_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no current finding {finding_id!r}")
        return self._finding_of(row)

    def _finding_of(self, r: Sequence[Any]) -> StoredFinding:
        decisions = tuple(
            Decision(
                finding_id=r[0],
                action=Action(a),
                party=p,
                reason=why,
                analyst=who,
                decided_at=from_epoch_us(at),
                id=int(i),
            )
            for i, a, p, why, who, at in self._conn.execute(
                "SELECT id, action, party, reason, analyst, decided_at_us FROM decisions"
                " WHERE finding_id = ? ORDER BY decided_at_us, id",
                (r[0],),
            )
        )
        replies = tuple(
            Reply(
                finding_id=r[0],
                party=p,
                text=t,
                author=a,
                replied_at=from_epoch_us(at),
                id=int(i),
            )
            for i, p, t, a, at in self._conn.execute(
                "SELECT id, party, text, author, replied_at_us FROM replies WHERE finding_id = ?"
                " ORDER BY replied_at_us, id",
                (r[0],),
            )
        )
        return StoredFinding(
            finding_id=r[0],
            incident_id=r[1],
            agreement_key=int(r[2]),
            rule_id=r[3],
            severity=r[4],
            kind=r[5],
            zone=r[6],
            zones=tuple(r[7].split(",")) if r[7] else (),
            observed_at=from_epoch_us(r[8]),
            lon=r[9],
            lat=r[10],
            oblast=r[11],
            side=r[12],
            signed_distance_m=r[13],
            level=r[14],
            grade=f"{r[15]}{r[16]}",
            responsible=r[17],
            confidence=float(r[18]),
            matched=tuple(r[19].split(",")) if r[19] else (),
            reasons=tuple(json.loads(r[20])),
            evidence=self._members(r[1]),
            decisions=decisions,
            replies=replies,
        )

    # --- records pointing at findings ------------------------------------------------------

    def _known_finding(self, finding_id: str) -> None:
        if (
            self._conn.execute("SELECT 1 FROM findings WHERE id = ?", (finding_id,)).fetchone()
            is None
        ):
            raise NotFoundError(f"no finding {finding_id!r}")

    def add_decision(self, decision: Decision) -> Decision:
        """Append an analyst's decision (and its ledger leaf)."""
        self._known_finding(decision.finding_id)
        at = to_epoch_us(decision.decided_at)
        with self._store.transaction("recording a decision") as conn:
            cursor = conn.execute(
                "INSERT INTO decisions (finding_id, action, party, reason, analyst, decided_at_us)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    decision.finding_id,
                    decision.action.value,
                    decision.party,
                    decision.reason,
                    decision.analyst,
                    at,
                ),
            )
            new_id = int(cursor.lastrowid or 0)
            leaf = self._ledger(
                "decision",
                {
                    "id": new_id,
                    "finding": decision.finding_id,
                    "action": decision.action.value,
                    "party": decision.party,
                    "reason": decision.reason,
                    "analyst": decision.analyst,
                    "decided_at": _iso(at),
                },
            )
            conn.execute("UPDATE decisions SET leaf_index = ? WHERE id = ?", (leaf, new_id))
        return Decision(
            decision.finding_id,
            decision.action,
            decision.reason,
            decision.analyst,
            decision.decided_at,
            decision.party,
            new_id,
        )

    def add_reply(self, reply: Reply) -> Reply:
        """Append a party's reply (and its ledger leaf)."""
        self._known_finding(reply.finding_id)
        at = to_epoch_us(reply.replied_at)
        with self._store.transaction("recording a reply") as conn:
            cursor = conn.execute(
                "INSERT INTO replies (finding_id, party, text, author, replied_at_us) VALUES (?, ?, ?, ?, ?)",
                (reply.finding_id, reply.party, reply.text, reply.author, at),
            )
            new_id = int(cursor.lastrowid or 0)
            leaf = self._ledger(
                "reply",
                {
                    "id": new_id,
                    "finding": reply.finding_id,
                    "party": reply.party,
                    "text": reply.text,
                    "author": reply.author,
                    "replied_at": _iso(at),
                },
            )
            conn.execute("UPDATE replies SET leaf_index = ? WHERE id = ?", (leaf, new_id))
        return Reply(
            reply.finding_id, reply.party, reply.text, reply.author, reply.replied_at, new_id
        )

    # --- coverage ----------------------------------------------------------------------------

    def add_gap(self, gap: CoverageGap) -> CoverageGap:
        """Append an access denial or sensor outage (and its ledger leaf)."""
        start = to_epoch_us(gap.start)
        end = None if gap.end is None else to_epoch_us(gap.end)
        with self._store.transaction("recording a coverage gap") as conn:
            cursor = conn.execute(
                "INSERT INTO coverage_gaps (kind, start_us, end_us, area, lon, lat, radius_m,"
                " denied_by, reason, sensor, reported_by, source_uid, recorded_at_us)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    gap.kind.value,
                    start,
                    end,
                    gap.area,
                    gap.lon,
                    gap.lat,
                    gap.radius_m,
                    gap.denied_by,
                    gap.reason,
                    gap.sensor,
                    gap.reported_by,
                    gap.source_uid,
                    _now_us(),
                ),
            )
            new_id = int(cursor.lastrowid or 0)
            leaf = self._ledger(
                "coverage_gap",
                {
                    "id": new_id,
                    "kind": gap.kind.value,
                    "start": _iso(start),
                    "end": None if end is None else _iso(end),
                    "area": gap.area,
                    "lon": gap.lon,
                    "lat": gap.lat,
                    "radius_m": gap.radius_m,
                    "denied_by": gap.denied_by,
                    "reason": gap.reason,
                    "sensor": gap.sensor,
                    "reported_by": gap.reported_by,
                    "source_uid": gap.source_uid,
                },
            )
            conn.execute("UPDATE coverage_gaps SET leaf_index = ? WHERE id = ?", (leaf, new_id))
        return CoverageGap(**{**_gap_fields(gap), "id": new_id})

    def gaps(self, start: datetime | None, end: datetime | None) -> list[CoverageGap]:
        """Recorded gaps overlapping ``[start, end)`` (either bound may be open)."""
        clauses, params = [], []
        if end is not None:
            clauses.append("start_us < ?")
            params.append(to_epoch_us(end))
        if start is not None:
            clauses.append("(end_us IS NULL OR end_us > ?)")
            params.append(to_epoch_us(start))
        rows = self._conn.execute(
            "SELECT id, kind, start_us, end_us, area, lon, lat, radius_m, denied_by, reason, sensor,"
            " reported_by, source_uid FROM coverage_gaps"
            + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
            + " ORDER BY start_us, id",
            params,
        ).fetchall()
        return [
            CoverageGap(
                kind=GapKind(r[1]),
                start=from_epoch_us(r[2]),
                end=None if r[3] is None else from_epoch_us(r[3]),
                area=r[4],
                lon=r[5],
                lat=r[6],
                radius_m=r[7],
                denied_by=r[8],
                reason=r[9],
                sensor=r[10],
                reported_by=r[11],
                source_uid=r[12],
                id=int(r[0]),
            )
            for r in rows
        ]


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _distance(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 1)


def incident_state_record(
    s: IncidentState, run: int, content_sha256: str, member_uids: list[str]
) -> dict[str, Any]:
    """The ledger record (``type: "incident_state"``) of a new incident state."""
    v = s.verification
    return {
        "incident": s.incident_id,
        "run": run,
        "start": _iso(to_epoch_us(s.start)),
        "end": _iso(to_epoch_us(s.end)),
        "lon": _number(s.lon),
        "lat": _number(s.lat),
        "uncertainty_m": _number(s.uncertainty_m),
        "oblast": s.oblast,
        "side": s.side,
        "signed_distance_m": _distance(s.signed_distance_m),
        "level": v.level.value,
        "grade": f"{v.reliability}{v.credibility}",
        "kinds": list(s.kinds),
        "sources": list(s.sources),
        "members": member_uids,
        "reasons": list(v.reasons),
        "content_sha256": content_sha256,
    }


def finding_record(
    f: Finding, run: int, content_sha256: str, member_uids: list[str]
) -> dict[str, Any]:
    """The ledger record (``type: "finding"``) of a new finding state."""
    v = f.verification
    return {
        "finding": f.finding_id,
        "incident": f.incident_id,
        "agreement_id": f.agreement_id,
        "agreement_version": f.agreement_version,
        "rule": f.rule_id,
        "run": run,
        "severity": f.severity,
        "kind": f.kind,
        "zone": f.zone,
        "zones": list(f.zones),
        "observed_at": _iso(to_epoch_us(f.observed_at)),
        "lon": _number(f.lon),
        "lat": _number(f.lat),
        "oblast": f.oblast,
        "side": f.side,
        "signed_distance_m": _distance(f.signed_distance_m),
        "level": v.level.value,
        "grade": f"{v.reliability}{v.credibility}",
        "responsible": f.attribution.party,
        "confidence": _number(f.attribution.confidence),
        "matched": list(f.matched),
        "reasons": list(f.reasons),
        "members": member_uids,
        "content_sha256": content_sha256,
    }


def _gap_fields(gap: CoverageGap) -> dict[str, Any]:
    return {name: getattr(gap, name) for name in CoverageGap.__dataclass_fields__}


def _state_row(s: IncidentState) -> tuple[Any, ...]:
    v = s.verification
    return (
        to_epoch_us(s.start),
        to_epoch_us(s.end),
        s.lon,
        s.lat,
        s.uncertainty_m,
        s.oblast,
        s.side,
        None if s.signed_distance_m is None else round(s.signed_distance_m, 1),
        v.level.value,
        v.reliability,
        v.credibility,
        ",".join(s.kinds),
        ",".join(s.sources),
        s.members,
        json.dumps(list(v.reasons), ensure_ascii=False),
    )
