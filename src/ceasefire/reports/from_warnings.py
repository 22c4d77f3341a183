"""Feeding the report's Warnings section from the stored warnings (``store.warnings_sqlite``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ceasefire.reports.build import WarningsIn
from ceasefire.reports.model import WarningLine
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.warnings_sqlite import SqliteWarnings, WarningQuery
from ceasefire.warning.model import WarningRecord, WarningSignal

WarningsRead = Callable[[datetime, datetime], Sequence[WarningRecord]]


def lead_text(seconds: float) -> str:
    """A lead time in words: hours from one hour on, minutes below.

    >>> lead_text(86_400), lead_text(100_000), lead_text(1_800), lead_text(-7_200)
    ('24 h', '27.8 h', '30 min', '-2 h')
    """
    if abs(seconds) >= 3600:
        return f"{round(seconds / 3600, 1):g} h"
    return f"{seconds / 60:.0f} min"


def driver_text(driver: WarningSignal) -> str:
    """One driving signal in words, e.g. ``fires in UA-14: 12 against 3.1 expected``."""
    text = (
        f"{driver.signal} in {driver.area_id}: {driver.value:g} against"
        f" {driver.expected:.1f} expected"
    )
    return f"{text} ({driver.note})" if driver.note else text


def area_text(record: WarningRecord) -> str:
    if not record.area_name or record.area_name == record.area_id:
        return record.area_id
    return f"{record.area_id} {record.area_name}"


def warning_line(record: WarningRecord) -> WarningLine:
    """A warning as the report shows it."""
    return WarningLine(
        warning_id=record.warning_id,
        area=area_text(record),
        event=record.event.value,
        signal=record.signal,
        probability=record.probability,
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        issued_at=record.issued_at,
        lead=lead_text(record.lead_time_s),
        drivers=tuple(driver_text(d) for d in record.drivers),
        model=record.model,
        area_id=record.area_id,
        lon=record.lon,
        lat=record.lat,
    )


def stored_warnings(store: SQLiteStore) -> WarningsRead:
    """Every stored warning valid at some time in a window."""
    repo = SqliteWarnings(store)

    def read(start: datetime, end: datetime) -> list[WarningRecord]:
        return [s.record for s in repo.query(WarningQuery(since=start, until=end))]

    return read


def warnings_provider(read: WarningsRead) -> WarningsIn:
    """``build_report``'s ``warnings_in`` over ``read`` (the store's, or a role's share of it)."""

    def warnings_in(start: datetime, end: datetime) -> list[WarningLine]:
        return [warning_line(r) for r in read(start, end)]

    return warnings_in


def mission_warnings(store: SQLiteStore) -> WarningsIn:
    """The mission's report input: every warning valid in the window."""
    return warnings_provider(stored_warnings(store))
