"""API users and the audit log in the workspace's SQLite file, on a connection of their own.

The audit log is written by one background thread in batches (every ``flush_s`` seconds or
on ``flush()``), so auditing every write does not add a commit to each request; an entry
waits at most ``flush_s`` before it is durable. Reads (``entries``) flush first.

Token lookups and audit writes use separate connections: an audit commit may wait for the
store's write lock (the submissions writer holds it while it fsyncs), and a lookup sharing
its connection would wait too, stalling the server's event loop (seen under load).
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ceasefire.access.identity import Principal, Role, hash_token, looks_like_token, new_token
from ceasefire.access.policy import ReportWindow
from ceasefire.access.users import AuditEntry, AuditQuery, UserRecord, checked_user
from ceasefire.errors import NotFoundError, StoreError
from ceasefire.store.sqlite import mapped_errors
from ceasefire.timeutil import from_epoch_us, parse_utc, to_epoch_us

logger = logging.getLogger(__name__)


def _now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


class SqliteAccess:
    """Users and audit log of one store file (whose schema the store has already migrated)."""

    def __init__(self, path: Path, *, flush_s: float = 0.2) -> None:
        self.path = Path(path)
        self._conn = self._connect()  # users, tokens, keys, reads; used from many threads
        self._lock = threading.Lock()
        self._audit_conn = self._connect()  # audit writes only (see the module docstring)
        self._audit_lock = threading.Lock()
        self._pending: list[AuditEntry] = []
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_s = flush_s
        self._writer: threading.Thread | None = None

    def _connect(self) -> sqlite3.Connection:
        with mapped_errors(f"opening {self.path}"):
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    # --- users ---------------------------------------------------------------------------

    def add_user(self, name: str, role: str, party: str | None) -> tuple[UserRecord, str]:
        """Create a user and its token; the token is returned once and stored as SHA-256."""
        name, parsed, party = checked_user(name, role, party)
        token = new_token()
        user_id = "u-" + secrets.token_hex(4)
        now = _now_us()
        with self._lock, mapped_errors("adding a user"):
            self._conn.execute(
                "INSERT INTO api_users (id, name, role, party, token_sha256, created_at_us)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, name, parsed.value, party, hash_token(token), now),
            )
        return UserRecord(user_id, name, parsed, party, from_epoch_us(now)), token

    def users(self) -> list[UserRecord]:
        with self._lock, mapped_errors("listing users"):
            rows = self._conn.execute(
                "SELECT id, name, role, party, created_at_us, revoked_at_us FROM api_users"
                " ORDER BY created_at_us, id"
            ).fetchall()
        return [_user(r) for r in rows]

    def revoke(self, user_id: str) -> UserRecord:
        """Revoke a user's token (at once: every request looks the token up)."""
        with self._lock, mapped_errors("revoking a user"):
            self._conn.execute(
                "UPDATE api_users SET revoked_at_us = ? WHERE id = ? AND revoked_at_us IS NULL",
                (_now_us(), user_id),
            )
            row = self._conn.execute(
                "SELECT id, name, role, party, created_at_us, revoked_at_us FROM api_users"
                " WHERE id = ?",
                (user_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no user {user_id!r}; see: ceasefire users list")
        return _user(row)

    def principal_for_token(self, token: str) -> Principal | None:
        """The principal of a live token, or None (unknown, malformed or revoked)."""
        if not looks_like_token(token):
            return None
        with self._lock, mapped_errors("checking a token"):
            row = self._conn.execute(
                "SELECT id, name, role, party FROM api_users"
                " WHERE token_sha256 = ? AND revoked_at_us IS NULL",
                (hash_token(token),),
            ).fetchone()
        if row is None:
            return None
        return Principal(str(row[0]), str(row[1]), Role(row[2]), row[3])

    # --- keys and published reports ------------------------------------------------------

    def secret(self, name: str) -> bytes:
        """The access component's secret key ``name`` (32 random bytes made on first use)."""
        with self._lock, mapped_errors("reading an access key"):
            self._conn.execute(
                "INSERT OR IGNORE INTO access_keys (name, key) VALUES (?, ?)",
                (name, secrets.token_bytes(32)),
            )
            row = self._conn.execute(
                "SELECT key FROM access_keys WHERE name = ?", (name,)
            ).fetchone()
        return bytes(row[0])

    def published_reports(self) -> list[ReportWindow]:
        """Every report recorded in the ledger (``ceasefire report`` and replays), oldest first."""
        with self._lock, mapped_errors("reading published reports"):
            rows = self._conn.execute(
                "SELECT leaf_index, data FROM ledger_records WHERE kind = 'report'"
                " ORDER BY leaf_index"
            ).fetchall()
        out: list[ReportWindow] = []
        for leaf, data in rows:
            record = json.loads(bytes(data))
            out.append(
                ReportWindow(
                    leaf_index=int(leaf),
                    title=str(record.get("title", "")),
                    window_start=parse_utc(str(record["window_start"])),
                    window_end=parse_utc(str(record["window_end"])),
                    generated_at=parse_utc(str(record["generated_at"])),
                    files={str(f["name"]): str(f["sha256"]) for f in record.get("files", [])},
                    agreement_id=str(record.get("agreement_id", "")),
                    agreement_version=int(record.get("agreement_version", 0)),
                )
            )
        return out

    # --- audit log -------------------------------------------------------------------------

    def record(self, entry: AuditEntry) -> None:
        """Queue an entry; the writer thread commits it within ``flush_s``."""
        with self._pending_lock:
            self._pending.append(entry)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_loop, name="ceasefire-audit", daemon=True
                )
                self._writer.start()

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._flush_s)
            self._wake.clear()
            try:
                self.flush()
            except StoreError:  # keep the entries and retry; never lose the thread
                logger.exception("audit log: write failed, will retry")

    def flush(self) -> None:
        """Commit every queued entry now."""
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        rows = [
            (
                to_epoch_us(e.at),
                e.user_id,
                e.role,
                e.party,
                e.action,
                e.target,
                json.dumps(e.params, sort_keys=True, ensure_ascii=False, default=str),
                e.status,
            )
            for e in batch
        ]
        try:
            with self._audit_lock, mapped_errors("writing the audit log"):
                conn = self._audit_conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(
                        "INSERT INTO audit_log (at_us, user_id, role, party, action, target,"
                        " params_json, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except StoreError:
            with self._pending_lock:
                self._pending[:0] = batch
            raise

    def entries(self, query: AuditQuery) -> list[AuditEntry]:
        """Audit entries matching ``query``, oldest first (after flushing the queue)."""
        self.flush()
        clauses = ["id > ?"]
        params: list[Any] = [query.after_id]
        if query.since is not None:
            clauses.append("at_us >= ?")
            params.append(to_epoch_us(query.since))
        if query.until is not None:
            clauses.append("at_us < ?")
            params.append(to_epoch_us(query.until))
        if query.user is not None:
            clauses.append("user_id = ?")
            params.append(query.user)
        if query.action is not None:
            clauses.append("instr(action, ?) > 0")
            params.append(query.action)
        sql = (
            "SELECT id, at_us, user_id, role, party, action, target, params_json, status"
            f" FROM audit_log WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?"
        )
        with self._lock, mapped_errors("reading the audit log"):
            rows = self._conn.execute(sql, [*params, int(query.limit)]).fetchall()
        return [
            AuditEntry(
                at=from_epoch_us(r[1]),
                user_id=r[2],
                role=r[3],
                party=r[4],
                action=r[5],
                target=r[6],
                params=json.loads(r[7]),
                status=int(r[8]),
                id=int(r[0]),
            )
            for r in rows
        ]

    def close(self) -> None:
        """Stop the writer, commit what is queued, close the connection."""
        self._stop.set()
        self._wake.set()
        if self._writer is not None:
            self._writer.join(timeout=5)
        self.flush()
        self._audit_conn.close()
        self._conn.close()


def _user(r: tuple[Any, ...]) -> UserRecord:
    return UserRecord(
        user_id=str(r[0]),
        name=str(r[1]),
        role=Role(r[2]),
        party=r[3],
        created_at=from_epoch_us(r[4]),
        revoked_at=None if r[5] is None else from_epoch_us(r[5]),
    )
