"""The contract every source adapter keeps, and helpers most adapters share.

A source turns one file into chunks of accepted observations and rejections. It never
drops a row: a row it cannot use becomes a ``Rejection`` naming the row, the field and
the reason, with the row's text exactly as received. A file it cannot read at all raises
``UnreadableInputError``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.model import Observation, ObservationBatch, Rejection

DEFAULT_CHUNK_ROWS = 100_000

RECORD_FIELD = "(record)"
"""The field a rejection names when the record as a whole is unusable (wrong cell count)."""


def content_id(*parts: str) -> str:
    """A deterministic id from a record's identifying fields, for sources that have no own id.

    The parts are joined with a separator no CSV cell contains, hashed with SHA-256 and cut to
    32 hex digits (128 bits): equal parts give equal ids on every machine and in every release.

    >>> content_id("UA-63", "2022-03-15T16:10:34Z")
    'cd91dfe99cc20dd3feb5f140450c0261'
    """
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(slots=True)
class ParsedChunk:
    """One chunk of a file: accepted observations, rejections, and how far into the file we are."""

    batch: ObservationBatch
    rejections: list[Rejection]
    rows_read: int
    bytes_read: int


@runtime_checkable
class Source(Protocol):
    """A source adapter. ``name`` is the short name used on the command line and in config."""

    name: ClassVar[str]
    description: ClassVar[str]

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` into chunks; raise ``UnreadableInputError`` if it cannot be read at all."""
        ...


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What we know of an input file before parsing it."""

    path: Path
    name: str
    sha256: str
    size: int
    content: bytes


def read_file_facts(path: Path) -> FileFacts:
    """Read a whole input file, hash it, and turn OS errors into one clear input error."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableInputError(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableInputError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableInputError(path, f"cannot be read ({exc.strerror or exc})") from None
    return FileFacts(path, path.name, hashlib.sha256(content).hexdigest(), len(content), content)


def decode_text(facts: FileFacts, encoding: str = "utf-8") -> str:
    """Decode file content; a wrong encoding is a file-level error naming the byte offset."""
    try:
        text = facts.content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableInputError(
            facts.path, f"is not valid {encoding} (byte {exc.start}); is this the right source?"
        ) from None
    return text.removeprefix("\ufeff")


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One CSV record with its 1-based data row number and its text exactly as in the file."""

    row: int
    raw: str
    fields: dict[str, str]


class _LineRecorder:
    """Feeds lines to ``csv.reader`` and remembers them, so each record's raw text is known."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.taken: list[str] = []

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line


def iter_csv_records(
    facts: FileFacts, text: str, required_columns: tuple[str, ...]
) -> Iterator[CsvRecord]:
    """Yield records of a CSV text with a header, checking that the required columns exist.

    A record spanning several lines (a quoted newline) keeps all its lines in ``raw``.
    A record with more or fewer cells than the header is still yielded; the adapter rejects it.
    """
    recorder = _LineRecorder(iter(io.StringIO(text, newline="")))
    reader = csv.reader(recorder)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableInputError(facts.path, "is empty (no header row)") from None
    except csv.Error as exc:
        raise UnreadableInputError(facts.path, f"has no readable CSV header ({exc})") from None
    header = [name.strip() for name in header]
    missing = [name for name in required_columns if name not in header]
    if missing:
        raise UnreadableInputError(
            facts.path,
            f"lacks column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}",
        )
    row_number = 0
    while True:
        recorder.taken.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_number += 1
            yield CsvRecord(
                row_number, "".join(recorder.taken).rstrip("\r\n"), {"__error__": str(exc)}
            )
            continue
        row_number += 1
        raw = "".join(recorder.taken).rstrip("\r\n")
        if not cells:
            continue  # a blank line carries nothing; not a record
        fields = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        if len(cells) != len(header):
            fields["__error__"] = f"has {len(cells)} cells, the header has {len(header)}"
        yield CsvRecord(row_number, raw, fields)


@dataclass(slots=True)
class ChunkCollector:
    """Collects observations and rejections row by row and hands out full chunks."""

    source: str
    facts: FileFacts
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    observations: list[Observation] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows: int = 0

    def accept(self, observation: Observation) -> None:
        self.rows += 1
        self.observations.append(observation)

    def reject(self, row: int, field_name: str, reason: str, raw: str) -> None:
        self.rows += 1
        self.rejections.append(
            Rejection(self.source, row, field_name, reason, raw, self.facts.name, self.facts.sha256)
        )

    def full(self) -> bool:
        return self.rows >= self.chunk_rows

    def flush(self, bytes_read: int) -> ParsedChunk:
        """Hand out what was collected since the last flush."""
        chunk = ParsedChunk(
            ObservationBatch.from_observations(
                self.source,
                self.observations,
                file_name=self.facts.name,
                file_sha256=self.facts.sha256,
            ),
            self.rejections,
            self.rows,
            bytes_read,
        )
        self.observations, self.rejections, self.rows = [], [], 0
        return chunk
