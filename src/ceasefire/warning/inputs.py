"""Reading the observations the warning series are built from: files through the source
adapters (the backtest on ../shared/data), or a workspace's store (issuing warnings).

Either way only ``SignalRecords`` come out, so the series code never knows which.

For issuing, the store also says how far each source's data have arrived (``coverage``):
a day without records is quiet only if the source delivered data covering it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

import numpy as np

from ceasefire.errors import CeasefireError
from ceasefire.observations.model import NO_TIME, ObservationBatch
from ceasefire.observations.sources.base import Source
from ceasefire.store.base import Delivery, ObservationQuery, Store, StoredObservation
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import to_epoch_us
from ceasefire.warning.records import SignalRecords, concat, from_batch, from_batches
from ceasefire.warning.signals import SIGNAL_NAMES, SIGNALS

PAGE_ROWS = 50_000

# The shared data set: (source, path under the data root). FIRMS from 2021 so the fire
# model has the year before the war's first full season to learn the season from.
SHARED_FILES: tuple[tuple[str, str], ...] = (
    ("attacks", "missile-attacks/missile_attacks_daily.csv"),
    ("alerts", "air-raid-alerts/official_data_en.csv"),
    ("ucdp", "conflict-events/UCDP-Ukraine.csv"),
    ("firms", "firms-fires/ukr_fire_data_2021.csv"),
    ("firms", "firms-fires/ukr_fire_data_2022.csv"),
    ("firms", "firms-fires/ukr_fire_data_2023.csv"),
)


def shared_files(root: Path) -> list[tuple[str, Path]]:
    """The shared data files the backtest reads, each checked to exist."""
    out = [(source, root / relative) for source, relative in SHARED_FILES]
    missing = [str(path) for _, path in out if not path.is_file()]
    if missing:
        raise CeasefireError(f"shared data files missing: {', '.join(missing)}")
    return out


def records_from_files(
    files: list[tuple[str, Path]],
    get_source: Callable[[str], Source],
    on_file: Callable[[Path], None] | None = None,
) -> SignalRecords:
    """Every signal-feeding observation of ``files`` (source name, path), read by adapter."""
    parts = []
    for source_name, path in files:
        source = get_source(source_name)
        parts.append(from_batches(chunk.batch for chunk in source.read(path)))
        if on_file is not None:
            on_file(path)
    return concat(parts)


def _batch(source: str, rows: list[StoredObservation]) -> ObservationBatch:
    nan = float("nan")
    return ObservationBatch(
        source=source,
        source_id=[o.source_id for o in rows],
        observed_at_us=np.array([to_epoch_us(o.observed_at) for o in rows], dtype=np.int64),
        observed_until_us=np.array(
            [NO_TIME if o.observed_until is None else to_epoch_us(o.observed_until) for o in rows],
            dtype=np.int64,
        ),
        kind=[o.kind for o in rows],
        lon=np.array([nan if o.lon is None else o.lon for o in rows], dtype=np.float64),
        lat=np.array([nan if o.lat is None else o.lat for o in rows], dtype=np.float64),
        uncertainty_m=np.array(
            [nan if o.uncertainty_m is None else o.uncertainty_m for o in rows], dtype=np.float64
        ),
        area=[o.area for o in rows],
        weapon_class=[o.weapon_class for o in rows],
        attributes_json=[o.attributes_json for o in rows],
        raw=["" for _ in rows],  # the series never read the raw text
        row=np.array([o.file_row for o in rows], dtype=np.int64),
    )


def _pages(store: Store, query: ObservationQuery) -> Iterator[list[StoredObservation]]:
    offset = 0
    while True:
        page = store.query_observations(
            ObservationQuery(
                since=query.since,
                until=query.until,
                sources=query.sources,
                limit=PAGE_ROWS,
                offset=offset,
            )
        )
        if not page:
            return
        yield page
        offset += len(page)


def _as_known_at(records: SignalRecords, cutoff: int) -> SignalRecords:
    """The records as known at ``cutoff``: complete ones, and for hour signals (alerts) the
    spans already running, cut at ``cutoff`` (their hours before it were known then)."""
    hours = np.isin(records.signal, [SIGNAL_NAMES.index(s.name) for s in SIGNALS if s.cap])
    running = hours & (records.start_us < cutoff) & (records.available_us >= cutoff)
    known = records.take((records.available_us < cutoff) | running)
    known.end_us = np.where(
        (known.end_us != NO_TIME) & (known.end_us > cutoff), cutoff, known.end_us
    )
    return known


def records_from_store(store: Store, complete_by: datetime) -> SignalRecords:
    """Signal-feeding observations in ``store`` as known at ``complete_by``.

    A count record (fires, attacks, conflict) counts once complete, so a span still running
    then is left out; an alert running then counts for its hours before ``complete_by``,
    the same rule the series follow (``series``), so the backtest and live issue agree.
    """
    sources = tuple(sorted({s for signal in SIGNALS for s in signal.sources}))
    cutoff = to_epoch_us(complete_by)
    parts = []
    for page in _pages(store, ObservationQuery(until=complete_by, sources=sources)):
        by_source: dict[str, list[StoredObservation]] = {}
        for row in page:
            by_source.setdefault(row.source, []).append(row)
        for source, rows in by_source.items():
            records = from_batch(_batch(source, rows))
            parts.append(_as_known_at(records, cutoff))
    return concat(parts)


# A run received this long after its last record is a file of past data (a replay, a
# backfill), not a feed's latest delivery: it covers only the days its records reach.
ARCHIVE_LAG = timedelta(days=2)


class DeliveryLog(Protocol):
    """What ``coverage`` needs of a store: its finished ingest runs per source."""

    def deliveries(self, sources: Sequence[str] = ()) -> list[Delivery]: ...


@dataclass(frozen=True, slots=True)
class SourceCoverage:
    """How far one source's delivered data reach: ``until`` (None: nothing delivered)."""

    source: str
    until: datetime | None
    basis: str  # in words: which delivery, and why it covers that far

    def covers(self, moment: datetime) -> bool:
        return self.until is not None and self.until >= moment


def _midnight_before(moment: datetime) -> datetime:
    """The last 00:00 UTC at or before ``moment``."""
    return datetime.combine(moment.astimezone(UTC).date(), time(0), tzinfo=UTC)


def delivery_covers_until(d: Delivery) -> datetime | None:
    """How far one delivery's data reach.

    A feed's delivery covers everything up to when it was received, with or without
    records in its last hours (a quiet day is still a delivered day). A file received long
    after its last record covers the whole days before that record's day (the last day of a
    file is cut short by its end, as the backtest assumes too). A run that stored nothing
    new (a file ingested again) adds nothing.
    """
    if d.last_at is None:
        return d.received_at if d.accepted == 0 and d.duplicates == 0 else None
    if d.received_at - d.last_at > ARCHIVE_LAG:
        return _midnight_before(d.last_at)
    return d.received_at


def _basis(d: Delivery, until: datetime) -> str:
    return (
        f"{d.file_name} (run {d.run}, received {d.received_at:%Y-%m-%d %H:%M} UTC) "
        f"covers up to {until:%Y-%m-%d %H:%M} UTC"
    )


def coverage(store: DeliveryLog, sources: Sequence[str]) -> dict[str, SourceCoverage]:
    """Per source: the furthest any of its deliveries reaches."""
    best: dict[str, SourceCoverage] = {
        s: SourceCoverage(s, None, "no delivery stored") for s in sources
    }
    for d in store.deliveries(tuple(sources)):
        until = delivery_covers_until(d)
        known = best.get(d.source)
        if until is None or (known is not None and known.covers(until)):
            continue  # reaches no further than what is already known
        best[d.source] = SourceCoverage(d.source, until, _basis(d, until))
    return best


def source_outages(
    store: SQLiteStore, sources: Sequence[str], start: datetime, end: datetime
) -> dict[str, str]:
    """Per source: a recorded sensor outage of the whole source (its ``sensor`` is the
    source's name, no place given) overlapping ``[start, end)``, in words."""
    from ceasefire.store.verification_sqlite import SqliteVerification
    from ceasefire.verification.coverage import GapKind

    names = {s.lower(): s for s in sources}
    out: dict[str, str] = {}
    for gap in SqliteVerification(store).gaps(start, end):
        source = names.get(gap.sensor.strip().lower())
        whole = not gap.area and gap.lon is None
        if gap.kind is GapKind.SENSOR_OUTAGE and source and whole:
            until = "ongoing" if gap.end is None else f"to {gap.end:%Y-%m-%d %H:%M} UTC"
            out[source] = (
                f"sensor outage {gap.id} recorded from {gap.start:%Y-%m-%d %H:%M} UTC {until}"
            )
    return out
