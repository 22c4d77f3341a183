"""Group commit: one writer thread turns many waiting submissions into one durable commit.

An fsync costs milliseconds whatever a transaction holds, so committing each report on its
own caps intake at a few hundred a second. The writer instead takes the first waiting item,
collects whatever else arrives within ``max_wait_s`` (or until ``max_batch`` items), commits
them in ONE transaction (one fsync), and only then resolves every waiter's future. While it
commits, new requests queue up and form the next batch, so batches grow with the load.

* Nothing is acknowledged before its commit: a future resolves after ``commit`` returned.
* Fail-closed: if a commit raises, every waiter of that batch gets the error and nothing of
  the batch is stored (the store rolls the transaction back); the writer goes on with the
  next batch.
* ``call(fn)`` runs a job alone in the same thread, in order with the batches (e.g. taking
  in an evidence file), so one connection writes and writers never wait on each other.
* A full queue refuses at once (``WriterBusyError``) rather than let latency grow unbounded.
* ``turn``: a lock held around each commit and job. Another writer of the same SQLite file
  in this process (the API's audit log) holds it around its own transactions, so the two
  take turns on a Python lock instead of SQLite's busy handler, which sleeps 1, 2, 5, 10 ms...
  between retries and showed in the tail latency of the API load.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ceasefire.errors import CeasefireError, StoreError

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
X = TypeVar("X")


class WriterBusyError(StoreError):
    """Too many submissions are waiting; the client should retry shortly."""

    code = "busy"


class WriterClosedError(StoreError):
    """The writer was closed (the server is stopping)."""

    code = "closed"


@dataclass(slots=True)
class WriterStats:
    """Counters since the writer started (read without a lock: for reports, not decisions)."""

    batches: int = 0
    items: int = 0
    failed_batches: int = 0
    largest_batch: int = 0
    commit_seconds: float = 0.0

    @property
    def mean_batch(self) -> float:
        return self.items / self.batches if self.batches else 0.0


class _Job:
    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[], Any], future: Future[Any]) -> None:
        self.fn = fn
        self.future = future


_STOP = object()


class GroupCommitWriter(Generic[T, R]):
    """A thread committing queued items in batches through ``commit``."""

    def __init__(
        self,
        commit: Callable[[list[T]], Sequence[R | CeasefireError]],
        *,
        max_batch: int = 256,
        max_wait_s: float = 0.002,
        max_queue: int = 10_000,
        name: str = "ceasefire-group-commit",
        turn: threading.Lock | None = None,
    ) -> None:
        if max_batch < 1 or max_queue < 1 or max_wait_s < 0:
            raise ValueError("max_batch and max_queue must be >= 1, max_wait_s >= 0")
        self._commit = commit
        self._turn: AbstractContextManager[object] = turn if turn is not None else nullcontext()
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._queue: queue.Queue[object] = queue.Queue(max_queue)
        self._closed = False
        self._close_lock = threading.Lock()
        self.stats = WriterStats()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # --- the callers' side ---------------------------------------------------------------

    def submit(self, item: T) -> Future[R]:
        """Queue ``item``; the future resolves once it is committed (or its batch failed)."""
        future: Future[R] = Future()
        self._put((item, future))
        return future

    def call(self, fn: Callable[[], X]) -> Future[X]:
        """Run ``fn`` alone in the writer thread, after everything queued before it."""
        future: Future[X] = Future()
        self._put(_Job(fn, future))
        return future

    def _put(self, entry: object) -> None:
        if self._closed:
            raise WriterClosedError("the server is stopping; retry the request")
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            raise WriterBusyError("too many submissions waiting; retry in a moment") from None

    def close(self, timeout: float = 30.0) -> None:
        """Commit everything queued, then stop the thread."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(_STOP)  # blocks only while the queue is full, i.e. draining
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.error("group-commit writer did not stop within %.0f s", timeout)

    # --- the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        pending: object = None
        while True:
            entry = pending if pending is not None else self._queue.get()
            pending = None
            if entry is _STOP:
                return
            if isinstance(entry, _Job):
                self._run_job(entry)
                continue
            batch = [entry]
            pending = self._collect(batch)
            self._commit_batch(batch)  # type: ignore[arg-type]

    def _collect(self, batch: list[object]) -> object:
        """Add queued items to ``batch`` for up to ``max_wait_s``; return a job or stop met."""
        deadline = time.monotonic() + self.max_wait_s
        while len(batch) < self.max_batch:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                try:
                    entry = self._queue.get(timeout=remaining)
                except queue.Empty:
                    return None
            if entry is _STOP or isinstance(entry, _Job):
                return entry  # handled after this batch, in order
            batch.append(entry)
        return None

    def _commit_batch(self, entries: list[tuple[T, Future[R]]]) -> None:
        # A waiter that gave up (its future was cancelled) is not committed: it was never
        # acknowledged, and set_running makes the others uncancellable from here on.
        live = [(item, fut) for item, fut in entries if fut.set_running_or_notify_cancel()]
        if not live:
            return
        started = time.perf_counter()
        try:
            with self._turn:
                answers = self._commit([item for item, _ in live])
            if len(answers) != len(live):
                raise StoreError(f"the store answered {len(answers)} of {len(live)} submissions")
        except BaseException as exc:  # fail closed: nobody of this batch is acknowledged
            self.stats.failed_batches += 1
            error = exc if isinstance(exc, CeasefireError) else StoreError("storing failed")
            if not isinstance(exc, CeasefireError):
                logger.exception("group commit of %d submissions failed", len(live))
            else:
                logger.error("group commit of %d submissions failed: %s", len(live), exc)
            for _, fut in live:
                fut.set_exception(error)
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, SystemExit: let the thread end
            return
        self.stats.commit_seconds += time.perf_counter() - started
        self.stats.batches += 1
        self.stats.items += len(live)
        self.stats.largest_batch = max(self.stats.largest_batch, len(live))
        for (_, fut), answer in zip(live, answers, strict=True):
            if isinstance(answer, CeasefireError):
                fut.set_exception(answer)
            else:
                fut.set_result(answer)

    def _run_job(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            with self._turn:
                result = job.fn()
        except Exception as exc:
            job.future.set_exception(exc)
        else:
            job.future.set_result(result)
