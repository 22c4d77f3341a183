"""Ingest: one input file through a source adapter into the store, losing nothing.

The pipeline receives the source and the store as arguments (it imports no adapter).
The input file is kept whole and exactly as received (by SHA-256); accepted rows become
observations, rejected rows become rejections with their reasons. Running the same file
again changes nothing: observations are unique by (source, source id), rejections by
(file, row, field).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ceasefire.observations.sources.base import (
    DEFAULT_CHUNK_ROWS,
    ParsedChunk,
    Source,
    read_file_facts,
)
from ceasefire.store.base import Store

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes read so far, total bytes) after each chunk."""


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What one file's ingest did."""

    source: str
    file_name: str
    file_sha256: str
    rows: int
    accepted: int
    duplicates: int
    rejected: int
    file_was_new: bool
    run: int


_DONE = object()


def read_ahead(chunks: Iterator[ParsedChunk], depth: int = 2) -> Iterator[ParsedChunk]:
    """Parse the next chunks in a thread while the caller writes the current one.

    SQLite releases the GIL while it works on the B-trees and pyarrow while it parses, so
    the two overlap. An error in the parser is raised here, in the caller's thread.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        buffer.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            failure.append(exc)
        finally:
            buffer.put(_DONE)

    worker = threading.Thread(target=produce, name="ceasefire-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                break
            assert isinstance(item, ParsedChunk)
            yield item
        if failure:
            raise failure[0]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


def ingest_file(
    store: Store,
    source: Source,
    path: Path,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressCallback | None = None,
) -> IngestSummary:
    """Read ``path`` with ``source`` and store everything it yields; return the counts."""
    facts = read_file_facts(path)
    file_was_new = store.save_input_file(facts.sha256, facts.name, source.name, facts.content)
    run = store.start_ingest_run(source.name, facts.name, facts.sha256)
    rows = accepted = duplicates = rejected = 0
    with store.bulk():
        for chunk in read_ahead(source.read(path, chunk_rows=chunk_rows)):
            written = store.add_observations(chunk.batch, run)
            store.add_rejections(chunk.rejections, run)
            rows += chunk.rows_read
            accepted += written.inserted
            duplicates += written.duplicates
            rejected += len(chunk.rejections)
            if progress is not None:
                progress(chunk.bytes_read, facts.size)
    store.finish_ingest_run(run, accepted, duplicates, rejected)
    logger.info(
        "ingested %s with %s: %d rows, %d accepted, %d duplicate, %d rejected",
        facts.name,
        source.name,
        rows,
        accepted,
        duplicates,
        rejected,
    )
    return IngestSummary(
        source.name,
        facts.name,
        facts.sha256,
        rows,
        accepted,
        duplicates,
        rejected,
        file_was_new,
        run,
    )
