"""The submission service: validate in the caller's thread, store through the group commit.

Built by an interface (the API) with a store adapter and a source's parser, so the core
knows neither::

    service = SubmissionService(SqliteSubmissions(path), parse_submission, id_field="report_id")
    result = service.submit(user_id, key, body).result()   # after its commit, never before
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from ceasefire.errors import CeasefireError
from ceasefire.submissions.model import (
    ParseReport,
    Submission,
    SubmissionResult,
    SubmissionStore,
)
from ceasefire.submissions.plan import make_planner
from ceasefire.submissions.prepare import prepare_submission
from ceasefire.submissions.writer import GroupCommitWriter, WriterStats
from ceasefire.timeutil import to_epoch_us

logger = logging.getLogger(__name__)

X = TypeVar("X")


@dataclass(frozen=True, slots=True)
class GroupCommitSettings:
    """How the writer batches (``CEASEFIRE_SUBMIT_*`` settings)."""

    max_batch: int = 256
    max_wait_s: float = 0.002
    max_queue: int = 10_000


class SubmissionService:
    """Takes submissions in; owns the store adapter and its writer thread. Close it.

    ``turn``: a lock the writer holds around each commit, shared with any other writer of
    the same file in this process (see ``GroupCommitWriter``)."""

    def __init__(
        self,
        store: SubmissionStore,
        parse: ParseReport,
        *,
        id_field: str,
        batching: GroupCommitSettings | None = None,
        turn: threading.Lock | None = None,
    ) -> None:
        batching = batching or GroupCommitSettings()
        self._store = store
        self._parse = parse
        self._planner = make_planner(parse, id_field)
        self._writer: GroupCommitWriter[Submission, SubmissionResult] = GroupCommitWriter(
            self._commit,
            max_batch=batching.max_batch,
            max_wait_s=batching.max_wait_s,
            max_queue=batching.max_queue,
            name="ceasefire-submissions",
            turn=turn,
        )

    def _commit(self, batch: list[Submission]) -> Sequence[SubmissionResult | CeasefireError]:
        return self._store.commit(batch, self._planner)

    def submit(
        self, submitter: str, key: str, body: bytes, received_at_us: int | None = None
    ) -> Future[SubmissionResult]:
        """Validate ``body`` now and queue it; the future resolves after its commit.

        Raises at once ``InvalidIdempotencyKeyError`` for a bad key, ``WriterBusyError`` when
        the queue is full. The future fails with ``IdempotencyConflictError`` when the key was
        used with another body, or with a ``StoreError`` when its batch could not be stored.
        """
        now = to_epoch_us(datetime.now(UTC)) if received_at_us is None else received_at_us
        submission = prepare_submission(self._parse, submitter, key, body, now)
        return self._writer.submit(submission)

    def call(self, fn: Callable[[], X]) -> Future[X]:
        """Run ``fn`` in the writer thread, serialised with the batches (other writes)."""
        return self._writer.call(fn)

    @property
    def store_adapter(self) -> SubmissionStore:
        """The store the writer commits through (use it only inside ``call`` jobs)."""
        return self._store

    @property
    def stats(self) -> WriterStats:
        return self._writer.stats

    def close(self) -> None:
        """Commit what is queued, stop the writer, close the store adapter."""
        self._writer.close()
        self._store.close()
        stats = self._writer.stats
        logger.info(
            "submissions: %d in %d batches (mean %.1f, largest %d), %d batches failed",
            stats.items,
            stats.batches,
            stats.mean_batch,
            stats.largest_batch,
            stats.failed_batches,
        )

    def __enter__(self) -> SubmissionService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
