"""Warnings in the SQLite store (``schema_warnings``): kept once, each a ledger leaf.

Works on the ``SQLiteStore``'s connection, inside its ``transaction()``: the rows and their
``warning`` leaves (``typed_record("warning", record.as_dict())``, docs/ledger.md) commit
together or not at all. A warning already stored (same ``warning_id``) is skipped; the same
id with different content is a ``ConflictError``, since a warning is never edited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ceasefire.errors import ConflictError, InputError, NotFoundError
from ceasefire.ledger.canonical import JSONValue, canonicalize
from ceasefire.ledger.errors import CanonicalizationError
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import from_epoch_us, to_epoch_us
from ceasefire.warning.model import WarningEvent, WarningRecord, WarningSignal

WARNING = "warning"
_COLUMNS = (
    "warning_id, issued_at_us, valid_from_us, valid_to_us, area_id, area_name, event, signal,"
    " probability, expected_count, threshold, model, drivers_json, lon, lat"
)
_CHUNK = 900  # SQLite's default limit of bound parameters is 999


@dataclass(frozen=True, slots=True)
class WarningQuery:
    """Which warnings to read, in order of (valid_from, warning_id).

    ``since``/``until`` select warnings whose validity overlaps ``[since, until)``;
    ``after`` is the (valid_from, warning_id) of the last warning of the previous page.
    """

    since: datetime | None = None
    until: datetime | None = None
    area_ids: tuple[str, ...] = ()
    events: tuple[WarningEvent, ...] = ()
    min_probability: float | None = None
    limit: int | None = None
    after: tuple[datetime, str] | None = None


@dataclass(frozen=True, slots=True)
class StoredWarning:
    """A stored warning and the ledger leaf it was recorded as (None: ledger off)."""

    record: WarningRecord
    leaf_index: int | None
    stored_at: datetime


@dataclass(frozen=True, slots=True)
class WarningWrite:
    """What ``add`` did: the warnings newly stored, and how many were already there."""

    added: tuple[StoredWarning, ...]
    duplicates: int


def in_utc(record: WarningRecord) -> WarningRecord:
    """``record`` with its times in UTC (its ``warning_id`` is that of the UTC form)."""
    return replace(
        record,
        issued_at=record.issued_at.astimezone(UTC),
        valid_from=record.valid_from.astimezone(UTC),
        valid_to=record.valid_to.astimezone(UTC),
    )


def warning_json(record: WarningRecord) -> dict[str, JSONValue]:
    """The record as JSON data; refuses values JSON cannot hold (NaN, infinities)."""
    data: dict[str, JSONValue] = record.as_dict()
    try:
        canonicalize(data)
    except CanonicalizationError as exc:  # NaN or infinity in a number
        raise InputError(f"warning {record.warning_id}: {exc}") from None
    return data


def _digest(data: dict[str, JSONValue]) -> str:
    return hashlib.sha256(canonicalize(data)).hexdigest()


def _row(record: WarningRecord) -> tuple[Any, ...]:
    return (
        record.warning_id,
        to_epoch_us(record.issued_at),
        to_epoch_us(record.valid_from),
        to_epoch_us(record.valid_to),
        record.area_id,
        record.area_name,
        record.event.value,
        record.signal,
        record.probability,
        record.expected_count,
        record.threshold,
        record.model,
        json.dumps([d.as_dict() for d in record.drivers], ensure_ascii=False),
        record.lon,
        record.lat,
    )


def _record(row: Sequence[Any]) -> WarningRecord:
    drivers = tuple(
        WarningSignal(
            signal=str(d["signal"]),
            area_id=str(d["area_id"]),
            value=float(d["value"]),
            expected=float(d["expected"]),
            note=str(d.get("note", "")),
        )
        for d in json.loads(row[12])
    )
    return WarningRecord(
        issued_at=from_epoch_us(row[1]),
        valid_from=from_epoch_us(row[2]),
        valid_to=from_epoch_us(row[3]),
        area_id=row[4],
        area_name=row[5],
        event=WarningEvent(row[6]),
        signal=row[7],
        probability=float(row[8]),
        expected_count=float(row[9]),
        threshold=float(row[10]),
        model=row[11],
        drivers=drivers,
        lon=None if row[13] is None else float(row[13]),
        lat=None if row[14] is None else float(row[14]),
    )


def _stored(row: Sequence[Any]) -> StoredWarning:
    return StoredWarning(
        _record(row), None if row[15] is None else int(row[15]), from_epoch_us(row[16])
    )


class SqliteWarnings:
    """The warnings of one ``SQLiteStore``."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._conn = store.connection

    def add(self, records: Sequence[WarningRecord]) -> WarningWrite:
        """Store new warnings and append each as a ``warning`` leaf, in one transaction.

        Times are kept in UTC. A warning whose id is stored already (or repeated in
        ``records``) counts as a duplicate; the same id with other content is refused.
        """
        utc = [in_utc(r) for r in records]
        datas = [warning_json(r) for r in utc]
        now = datetime.now(UTC)
        added: list[StoredWarning] = []
        duplicates = 0
        with self._store.transaction(f"storing {len(utc)} warnings") as conn:
            known = self._digests([r.warning_id for r in utc])
            fresh: list[tuple[WarningRecord, dict[str, JSONValue], str]] = []
            for record, data in zip(utc, datas, strict=True):
                digest = _digest(data)
                previous = known.get(record.warning_id)
                if previous is not None:
                    if previous != digest:
                        raise ConflictError(
                            f"warning {record.warning_id} is stored already with other content;"
                            " a warning is never edited: issue a new one"
                        )
                    duplicates += 1
                    continue
                known[record.warning_id] = digest
                fresh.append((record, data, digest))
            leaves: list[int | None] = [None] * len(fresh)
            if fresh and self._store.ledger_enabled:
                leaves = list(self._store.append_records([(WARNING, d) for _, d, _ in fresh]))
            conn.executemany(
                f"INSERT INTO warnings ({_COLUMNS}, content_sha256, stored_at_us, leaf_index)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (*_row(record), digest, to_epoch_us(now), leaf)
                    for (record, _, digest), leaf in zip(fresh, leaves, strict=True)
                ],
            )
            added = [
                StoredWarning(record, leaf, now)
                for (record, _, _), leaf in zip(fresh, leaves, strict=True)
            ]
        return WarningWrite(tuple(added), duplicates)

    def _digests(self, warning_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(warning_ids), _CHUNK):
            part = warning_ids[i : i + _CHUNK]
            rows = self._conn.execute(
                "SELECT warning_id, content_sha256 FROM warnings"
                f" WHERE warning_id IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
            out.update({str(w): str(d) for w, d in rows})
        return out

    def query(self, query: WarningQuery) -> list[StoredWarning]:
        """Warnings matching ``query``, by (valid_from, warning_id)."""
        clauses: list[str] = []
        params: list[Any] = []
        if query.since is not None:
            clauses.append("valid_to_us > ?")
            params.append(to_epoch_us(query.since))
        if query.until is not None:
            clauses.append("valid_from_us < ?")
            params.append(to_epoch_us(query.until))
        if query.area_ids:
            clauses.append(f"area_id IN ({','.join('?' * len(query.area_ids))})")
            params.extend(query.area_ids)
        if query.events:
            clauses.append(f"event IN ({','.join('?' * len(query.events))})")
            params.extend(e.value for e in query.events)
        if query.min_probability is not None:
            clauses.append("probability >= ?")
            params.append(query.min_probability)
        if query.after is not None:
            clauses.append("(valid_from_us, warning_id) > (?, ?)")
            params.extend((to_epoch_us(query.after[0]), query.after[1]))
        sql = f"SELECT {_COLUMNS}, leaf_index, stored_at_us FROM warnings"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY valid_from_us, warning_id"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        return [_stored(r) for r in self._conn.execute(sql, params).fetchall()]

    def get(self, warning_id: str) -> StoredWarning:
        """One warning by id (``NotFoundError`` if there is none)."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS}, leaf_index, stored_at_us FROM warnings WHERE warning_id = ?",
            (warning_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no warning {warning_id!r}")
        return _stored(row)

    def count(self) -> int:
        (n,) = self._conn.execute("SELECT count(*) FROM warnings").fetchone()
        return int(n)
