"""Submissions in the SQLite store: one transaction per group-commit batch.

``SqliteSubmissions.commit`` is the ``SubmissionStore`` the submission core writes through.
Inside ONE transaction of its own connection (``synchronous=FULL``, as every store with the
ledger) it looks up the batch's idempotency keys and report ids, lets the core's planner
decide, and writes for every submission that stores something:

* its body as an input file (``input_files``, by SHA-256, exactly as received) and an
  ingest run of its own, so the observation's leaf carries ``file_sha256`` = SHA-256 of the
  body (which the sender can recompute) and ``file_row`` 1, exactly as if the body had been
  ingested as a one-line file;
* the observation (``add_observations``) or the rejection (``add_rejections``), each with
  its ledger leaf;
* the row of ``submissions``: key, body hash, outcome and leaf, which a repeat gets back.

The commit returns only after SQLite has fsynced it; any failure rolls back everything of
the batch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ceasefire.errors import StoreError
from ceasefire.ledger.records import REJECTION
from ceasefire.observations.model import Observation, ObservationBatch, Rejection
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.submissions.model import (
    Action,
    IdempotencyConflictError,
    Outcome,
    Plan,
    Planner,
    PriorSubmission,
    Problem,
    Refused,
    Submission,
    SubmissionResult,
)
from ceasefire.submissions.prepare import input_name
from ceasefire.timeutil import from_epoch_us, to_epoch_us

_PRIOR_SQL = (
    "SELECT body_sha256, outcome, uid, leaf_index, problems_json FROM submissions"
    " WHERE submitter = ? AND idempotency_key = ?"
)


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    """A stored submission, as listed."""

    id: int
    submitter: str
    idempotency_key: str
    body_sha256: str
    received_at: datetime
    committed_at: datetime
    outcome: Outcome
    uid: str | None
    leaf_index: int | None
    problems: tuple[Problem, ...]


class SqliteSubmissions:
    """The submission store on a ``SQLiteStore`` it owns (its own connection: the writer's)."""

    def __init__(self, store: SQLiteStore, *, source: str = "field") -> None:
        if not store.ledger_enabled:
            raise StoreError("submissions are stored only with the evidence ledger on")
        self._store = store
        self.source = source

    @classmethod
    def open(cls, path: Path, *, source: str = "field") -> SqliteSubmissions:
        """Open the store file at ``path`` on a connection of its own."""
        return cls(SQLiteStore(path), source=source)

    @property
    def store(self) -> SQLiteStore:
        """The store (for jobs run in the writer thread, e.g. taking in evidence)."""
        return self._store

    def close(self) -> None:
        self._store.close()

    # --- the group commit ----------------------------------------------------------------

    def commit(
        self, batch: Sequence[Submission], planner: Planner
    ) -> list[SubmissionResult | IdempotencyConflictError]:
        """Decide and store a batch in one durable transaction; one answer per submission."""
        if not batch:
            return []
        with self._store.transaction(f"storing {len(batch)} submitted reports") as conn:
            plans = planner(batch, self._prior(conn, batch), self._stored_raw(conn, batch))
            if len(plans) != len(batch):
                raise StoreError(f"{len(plans)} plans for {len(batch)} submissions")
            now = to_epoch_us(datetime.now(UTC))
            leaves = self._write(conn, batch, plans, now)
            results, rows = self._results(batch, plans, leaves, now)
            conn.executemany(
                "INSERT INTO submissions (submitter, idempotency_key, body_sha256,"
                " received_at_us, committed_at_us, outcome, uid, leaf_index, problems_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return results

    def _prior(
        self, conn: sqlite3.Connection, batch: Sequence[Submission]
    ) -> dict[tuple[str, str], PriorSubmission]:
        prior: dict[tuple[str, str], PriorSubmission] = {}
        for item in batch:
            key = (item.submitter, item.key)
            if key in prior:
                continue
            row = conn.execute(_PRIOR_SQL, key).fetchone()
            if row is not None:
                sha, outcome, uid, leaf, problems = row
                result = SubmissionResult(Outcome(outcome), uid, leaf, sha, _problems(problems))
                prior[key] = PriorSubmission(sha, result)
        return prior

    @staticmethod
    def _stored_raw(conn: sqlite3.Connection, batch: Sequence[Submission]) -> dict[str, str]:
        stored: dict[str, str] = {}
        for item in batch:
            uid = item.uid
            if uid is not None and uid not in stored:
                row = conn.execute("SELECT raw FROM observations WHERE uid = ?", (uid,)).fetchone()
                if row is not None:
                    stored[uid] = str(row[0])
        return stored

    def _write(
        self,
        conn: sqlite3.Connection,
        batch: Sequence[Submission],
        plans: Sequence[Plan],
        now: int,
    ) -> dict[int, int]:
        """Store inputs, observations and rejections; the ledger leaf of each submission."""
        written = [i for i, p in enumerate(plans) if p.action in (Action.STORE, Action.REJECT)]
        run_of = dict(zip(written, self._add_inputs(conn, batch, plans, written, now), strict=True))
        leaves: dict[int, int] = {}
        ledger = self._store.ledger
        stores = [i for i in written if plans[i].action is Action.STORE]
        if stores:
            first_leaf = ledger.size()
            observations = [o for i in stores if isinstance(o := batch[i].parsed, Observation)]
            if len(observations) != len(stores):
                raise StoreError("submitted reports: a refused report was planned to be stored")
            added = self._store.add_observations(
                ObservationBatch.from_observations(self.source, observations),
                [run_of[i] for i in stores],
            )
            # the planner saw every stored uid inside this transaction: all rows are new
            if added.inserted != len(stores) or ledger.size() != first_leaf + len(stores):
                raise StoreError("submitted reports: not every new report got its row and leaf")
            leaves.update((i, first_leaf + k) for k, i in enumerate(stores))
        rejects = [i for i in written if plans[i].action is Action.REJECT]
        if rejects:
            rejections = [self._rejection(batch[i], plans[i]) for i in rejects]
            self._store.add_rejections(rejections, [run_of[i] for i in rejects])
            for i, rejection in zip(rejects, rejections, strict=True):
                (row_id,) = conn.execute(
                    "SELECT id FROM rejections WHERE file_sha256 = ? AND row = ? AND field = ?",
                    (rejection.file_sha256, rejection.row, rejection.field),
                ).fetchone()
                leaves[i] = ledger.leaf_of_row(REJECTION, int(row_id))
        for i, plan in enumerate(plans):
            uid = batch[i].uid
            if plan.action is Action.RECORD and uid is not None:
                leaves[i] = ledger.leaf_of_uid(uid)
        return leaves

    def _add_inputs(
        self,
        conn: sqlite3.Connection,
        batch: Sequence[Submission],
        plans: Sequence[Plan],
        written: list[int],
        now: int,
    ) -> list[int]:
        """Each written body as an input file with an ingest run of its own; the runs' ids."""
        if not written:
            return []
        items = [batch[i] for i in written]
        conn.executemany(
            "INSERT OR IGNORE INTO input_files (sha256, name, source, size, first_seen_us, content)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    s.body_sha256,
                    input_name(s.submitter, s.key),
                    self.source,
                    len(s.body),
                    now,
                    s.body,
                )
                for s in items
            ],
        )
        (before,) = conn.execute("SELECT coalesce(max(id), 0) FROM ingest_runs").fetchone()
        conn.executemany(
            "INSERT INTO ingest_runs (source, file_name, file_sha256, started_at_us,"
            " finished_at_us, accepted, duplicates, rejected) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
            [
                (
                    self.source,
                    input_name(s.submitter, s.key),
                    s.body_sha256,
                    s.received_at_us,
                    now,
                    int(plans[i].action is Action.STORE),
                    int(plans[i].action is Action.REJECT),
                )
                for i, s in zip(written, items, strict=True)
            ],
        )
        (after,) = conn.execute("SELECT max(id) FROM ingest_runs").fetchone()
        if after != before + len(items):
            raise StoreError("ingest_runs: new rows did not get consecutive ids")
        return list(range(before + 1, after + 1))

    def _rejection(self, item: Submission, plan: Plan) -> Rejection:
        refused = Refused(plan.problems)
        return Rejection(
            source=self.source,
            row=1,
            field=refused.field,
            reason=refused.reason,
            raw=item.text,
            file_name=input_name(item.submitter, item.key),
            file_sha256=item.body_sha256,
        )

    @staticmethod
    def _results(
        batch: Sequence[Submission], plans: Sequence[Plan], leaves: dict[int, int], now: int
    ) -> tuple[list[SubmissionResult | IdempotencyConflictError], list[tuple[object, ...]]]:
        """The answer to each submission, and the ``submissions`` rows to insert."""
        results: list[SubmissionResult | IdempotencyConflictError | None] = [None] * len(batch)
        rows: list[tuple[object, ...]] = []
        for i, (item, plan) in enumerate(zip(batch, plans, strict=True)):
            if plan.action is Action.REFUSE:
                results[i] = IdempotencyConflictError(
                    f"Idempotency-Key {item.key!r} was used before with a different body; "
                    "use a new key for a new report (nothing was stored)"
                )
            elif plan.action is Action.REPLAY:
                if plan.replay is not None:
                    results[i] = replace(plan.replay, replayed=True)
            else:
                assert plan.outcome is not None
                leaf = leaves.get(i)
                results[i] = SubmissionResult(
                    plan.outcome, item.uid, leaf, item.body_sha256, plan.problems
                )
                rows.append(
                    (
                        item.submitter,
                        item.key,
                        item.body_sha256,
                        item.received_at_us,
                        now,
                        plan.outcome.value,
                        item.uid,
                        leaf,
                        json.dumps([list(p) for p in plan.problems], ensure_ascii=False),
                    )
                )
        for i, plan in enumerate(plans):
            if plan.same_as is not None:  # a key repeated inside this batch
                first = results[plan.same_as]
                assert isinstance(first, SubmissionResult)
                results[i] = replace(first, replayed=True)
        if any(r is None for r in results):
            raise StoreError("submitted reports: a submission got no answer")
        return [r for r in results if r is not None], rows


def list_submissions(
    conn: sqlite3.Connection, submitter: str | None = None, limit: int = 100
) -> list[SubmissionRow]:
    """Stored submissions (of one user), newest first, read on ``conn`` (any connection to
    the store file; not the writer's while it commits)."""
    sql = (
        "SELECT id, submitter, idempotency_key, body_sha256, received_at_us,"
        " committed_at_us, outcome, uid, leaf_index, problems_json FROM submissions"
    )
    params: list[object] = []
    if submitter is not None:
        sql += " WHERE submitter = ?"
        params.append(submitter)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(int(limit))
    return [
        SubmissionRow(
            id=int(r[0]),
            submitter=r[1],
            idempotency_key=r[2],
            body_sha256=r[3],
            received_at=from_epoch_us(r[4]),
            committed_at=from_epoch_us(r[5]),
            outcome=Outcome(r[6]),
            uid=r[7],
            leaf_index=r[8],
            problems=_problems(r[9]),
        )
        for r in conn.execute(sql, params).fetchall()
    ]


def _problems(text: str) -> tuple[Problem, ...]:
    return tuple((str(field), str(reason)) for field, reason in json.loads(text))
