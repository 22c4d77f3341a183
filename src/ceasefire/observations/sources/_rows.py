"""Shared machinery of the row-by-row adapters (everything but FIRMS, whose files are big).

A row parser takes one ``CsvRecord`` (or one line) and returns an ``Observation``, or raises
``RowRejected`` naming the field and the reason; ``parse_records`` turns that into chunks,
never dropping a row. The field readers below raise ``RowRejected`` with the column name,
so a parser reads like the mapping it implements.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.model import Observation, Origin
from ceasefire.observations.sources.base import (
    RECORD_FIELD,
    ChunkCollector,
    CsvRecord,
    FileFacts,
    ParsedChunk,
    iter_csv_records,
)
from ceasefire.timeutil import KYIV, local_to_utc


class RowRejected(Exception):
    """One record is unusable: which field, and why (in words a field analyst understands)."""

    def __init__(self, field: str, reason: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        # every (field, reason) found, for interfaces that show them all (the API's 422)
        self.problems: tuple[tuple[str, str], ...] = tuple(problems) or ((field, reason),)


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line of a line-oriented file (JSON lines) with its 1-based number."""

    row: int
    raw: str


def csv_records(facts: FileFacts, text: str, required: tuple[str, ...]) -> Iterator[CsvRecord]:
    """``iter_csv_records`` with the header checked now, not at the first ``next()``."""
    records = iter_csv_records(facts, text, required)
    first = next(records, None)
    return records if first is None else itertools.chain([first], records)


def header_of(facts: FileFacts, text: str) -> list[str]:
    """The stripped cells of the first line, to tell formats apart."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    try:
        cells = next(csv.reader([first_line]), [])
    except csv.Error as exc:
        raise UnreadableInputError(facts.path, f"has no readable CSV header ({exc})") from None
    if not any(c.strip() for c in cells):
        raise UnreadableInputError(facts.path, "is empty (no header row)")
    return [c.strip() for c in cells]


def parse_records(
    source: str,
    facts: FileFacts,
    records: Iterable[CsvRecord | Line],
    chunk_rows: int,
    parse: Callable[[CsvRecord | Line, Origin], Observation],
    encoding: str = "utf-8",
) -> Iterator[ParsedChunk]:
    """Chunks of observations and rejections from ``records``; every record lands in one."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    collector = ChunkCollector(source, facts, chunk_rows)
    consumed = 0
    pending: ParsedChunk | None = None  # held back one step so the last chunk reports the file size
    for record in records:
        consumed += len(record.raw.encode(encoding, errors="replace")) + 1
        error = record.fields.get("__error__") if isinstance(record, CsvRecord) else None
        if error is not None:
            collector.reject(record.row, RECORD_FIELD, error, record.raw)
        else:
            try:
                observation = parse(record, Origin(facts.name, facts.sha256, record.row))
            except RowRejected as rejected:
                collector.reject(record.row, rejected.field, rejected.reason, record.raw)
            except ValueError as exc:  # the Observation's own invariants, as a last line of defence
                collector.reject(record.row, RECORD_FIELD, str(exc), record.raw)
            else:
                collector.accept(observation)
        if collector.full():
            if pending is not None:
                yield pending
            pending = collector.flush(min(consumed, facts.size))
    if collector.rows:
        if pending is not None:
            yield pending
        pending = collector.flush(facts.size)
    if pending is not None:
        pending.bytes_read = facts.size
        yield pending


# --- field readers -------------------------------------------------------------------------


def text(fields: dict[str, str], name: str, *, required: bool = False) -> str:
    """A cell stripped of surrounding blanks; an empty required cell is a rejection."""
    value = fields.get(name, "").strip()
    if required and not value:
        raise RowRejected(name, "is empty")
    return value


def number(
    fields: dict[str, str],
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    required: bool = True,
) -> float | None:
    """A finite number within [low, high]; None for an empty optional cell."""
    cell = text(fields, name, required=required)
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise RowRejected(name, f"{cell!r} is not a number") from None
    if not math.isfinite(value):
        raise RowRejected(name, f"{cell!r} is not a finite number")
    if low is not None and value < low:
        raise RowRejected(name, f"{cell} is below {low:g}")
    if high is not None and value > high:
        raise RowRejected(name, f"{cell} is above {high:g}")
    return value


def count(fields: dict[str, str], name: str) -> int | None:
    """A whole number of zero or more (``12`` or ``12.0``); None when empty."""
    value = number(fields, name, low=0, required=False)
    if value is None:
        return None
    if not value.is_integer():
        raise RowRejected(name, f"{fields[name].strip()!r} is not a whole number")
    return int(value)


def kyiv_day(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a Kyiv calendar day starts and ends (23, 24 or 25 hours)."""
    start = local_to_utc(datetime(day.year, day.month, day.day), KYIV)
    following = day + timedelta(days=1)
    return start, local_to_utc(datetime(following.year, following.month, following.day), KYIV)


def json_number(value: float) -> int | float:
    """Whole numbers as int (``12``, not ``12.0``), others as float: stable JSON."""
    return int(value) if value.is_integer() else value
