"""The group commit fails closed: when a batch cannot be stored, none of it is, and every
sender of that batch gets the error (so nobody is told "stored" for a report that is not).

A real SQLite store in ``tmp_path``; the failure is made by a planner that breaks after the
batch's first rows were written inside the transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

import pytest

from ceasefire.errors import StoreError
from ceasefire.observations.sources.field_report import parse_submission
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.submissions_sqlite import SqliteSubmissions
from ceasefire.submissions import (
    GroupCommitSettings,
    GroupCommitWriter,
    Outcome,
    Submission,
    SubmissionService,
    prepare_submission,
)
from ceasefire.submissions.model import Plan, PriorSubmission
from ceasefire.submissions.plan import make_planner
from ceasefire.workspace import Workspace


def _body(report_id: str) -> bytes:
    return json.dumps(
        {
            "report_id": report_id,
            "monitor_id": "MADE-UP-MONITOR",
            "team": "MADE-UP-TEAM",
            "observed_at": "2023-01-07T09:30:00Z",
            "kind": "explosion",
            "lon": 37.9,
            "lat": 48.5,
            "notes": "MADE UP for the group-commit tests",
        }
    ).encode()


def _rows(path: Path) -> tuple[int, int, int]:
    """Observations, submissions, ledger leaves."""
    with closing(sqlite3.connect(path)) as conn:
        observations = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        submissions = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
    with SQLiteStore(path) as store:
        return int(observations), int(submissions), store.ledger.size()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    Workspace.init(tmp_path / "ws").close()
    return tmp_path / "ws" / "ceasefire.db"


def test_a_failed_batch_stores_nothing(store_path: Path) -> None:
    batch = [
        prepare_submission(parse_submission, "u-test", f"k{i}", _body(f"MADE-UP-GC-{i}"), 0)
        for i in range(3)
    ]
    planner = make_planner(parse_submission, "report_id")

    def breaks_after_planning(
        items: Sequence[Submission],
        prior: Mapping[tuple[str, str], PriorSubmission],
        stored: Mapping[str, str],
    ) -> list[Plan]:
        plans = planner(items, prior, stored)
        return plans[:-1]  # one plan short: the adapter must refuse the whole batch

    submissions = SqliteSubmissions.open(store_path)
    try:
        before = _rows(store_path)
        with pytest.raises(StoreError):
            submissions.commit(batch, breaks_after_planning)
        assert _rows(store_path) == before
        # the same batch, planned properly, is then stored whole
        results = submissions.commit(batch, planner)
        assert [r.outcome for r in results if not isinstance(r, Exception)] == [
            Outcome.ACCEPTED
        ] * 3
        assert _rows(store_path) == (before[0] + 3, before[1] + 3, before[2] + 3)
    finally:
        submissions.close()


def test_every_waiter_of_a_failed_batch_gets_the_error() -> None:
    def commit(items: list[int]) -> list[int]:
        if 13 in items:
            raise RuntimeError("disk on fire")  # not ours: reported as a StoreError
        return [i * 2 for i in items]

    writer: GroupCommitWriter[int, int] = GroupCommitWriter(commit, max_batch=64, max_wait_s=0.05)
    try:
        failing = [writer.submit(i) for i in (11, 12, 13)]
        for future in failing:
            with pytest.raises(StoreError):
                future.result(timeout=10)
        assert writer.submit(21).result(timeout=10) == 42  # the writer goes on
    finally:
        writer.close()
    assert writer.stats.failed_batches >= 1


def test_closing_commits_what_is_queued(store_path: Path) -> None:
    service = SubmissionService(
        SqliteSubmissions.open(store_path),
        parse_submission,
        id_field="report_id",
        batching=GroupCommitSettings(max_batch=4, max_wait_s=0.01),
    )
    futures = [service.submit("u-test", f"q{i}", _body(f"MADE-UP-Q-{i}")) for i in range(10)]
    service.close()
    assert all(f.result(timeout=10).outcome is Outcome.ACCEPTED for f in futures)
    assert _rows(store_path)[1] == 10
