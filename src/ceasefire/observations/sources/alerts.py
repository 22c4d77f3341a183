"""Ukraine's air-raid alerts as ``air_raid_alert`` observations (an area and a time span).

Two layouts, told apart by the header:

* official (``oblast, raion, hromada, level, started_at, finished_at, source``): alerts of
  the official channel at oblast, raion or hromada level;
* volunteer (``region, started_at, finished_at, naive``): the eTryvoga record, oblast level
  only, from the second day of the war. ``naive=True`` means no end message was seen and
  the file's ``finished_at`` is ``started_at + 30 min``, a guess: kept as
  ``end_estimated`` in the attributes.

Times are UTC with an explicit offset in both files; a time without one is rejected.
The area is the oblast's ISO 3166-2 code, followed by ``/`` and the raion or hromada name for
finer alerts (``UA-12/Nikopolskyi raion``). One official row has its oblast and raion cells
swapped (``Lubenskyi raion,Poltavska oblast,...``): when the oblast cell is no oblast but the
raion cell is, the two are swapped back and ``note`` says so. A row whose area resolves to
no oblast at all is rejected, since an alert locates nothing else.

The two permanent sirens (Luhansk oblast since 2022-04-04, Crimea since 2022-12-10) are not
in the files; nothing here invents them.

``source_id``: ``<layout>/<area>/<start>``, readable and deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.areas import resolve_oblast
from ceasefire.observations.model import Observation, Origin
from ceasefire.observations.sources._rows import (
    Line,
    RowRejected,
    csv_records,
    header_of,
    parse_records,
    text,
)
from ceasefire.observations.sources.base import (
    DEFAULT_CHUNK_ROWS,
    CsvRecord,
    ParsedChunk,
    decode_text,
    read_file_facts,
)
from ceasefire.observations.taxonomy import Kind
from ceasefire.timeutil import parse_utc

SOURCE = "alerts"
OFFICIAL_COLUMNS = ("oblast", "raion", "hromada", "level", "started_at", "finished_at")
VOLUNTEER_COLUMNS = ("region", "started_at", "finished_at", "naive")
LEVELS = ("oblast", "raion", "hromada")


def _instant(fields: dict[str, str], name: str) -> datetime | None:
    cell = text(fields, name, required=name == "started_at")
    if not cell:
        return None
    try:
        return parse_utc(cell)
    except ValueError as exc:
        reason = "has no time zone offset" if "naive" in str(exc) else "is not an ISO 8601 time"
        raise RowRejected(name, f"{cell!r} {reason}") from None


def _times(fields: dict[str, str]) -> tuple[datetime, datetime | None]:
    start = _instant(fields, "started_at")
    end = _instant(fields, "finished_at")
    assert start is not None
    if end is not None and end < start:
        raise RowRejected(
            "finished_at", f"{end.isoformat()} is before started_at {start.isoformat()}"
        )
    return start, end


def _observation(
    layout: str,
    area: str,
    start: datetime,
    end: datetime | None,
    attributes: dict[str, object],
    record: CsvRecord,
    origin: Origin,
) -> Observation:
    if end is None:
        attributes["ongoing"] = (
            True  # no end in the file: the alert had not ended when it was written
        )
    return Observation(
        source=SOURCE,
        source_id=f"{layout}/{area}/{start.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        observed_at=start,
        observed_until=end,
        kind=Kind.AIR_RAID_ALERT,
        raw=record.raw,
        area=area,
        attributes=attributes,
        origin=origin,
    )


def _official(record: CsvRecord | Line, origin: Origin) -> Observation:
    assert isinstance(record, CsvRecord)
    f = record.fields
    oblast_cell, raion, hromada = text(f, "oblast"), text(f, "raion"), text(f, "hromada")
    level = text(f, "level", required=True).lower()
    if level not in LEVELS:
        raise RowRejected("level", f"{level!r} is not one of {', '.join(LEVELS)}")
    start, end = _times(f)
    attributes: dict[str, object] = {"layout": "official", "level": level}
    code = resolve_oblast(oblast_cell)
    if code is None and raion and resolve_oblast(raion) is not None:
        code = resolve_oblast(raion)
        oblast_cell, raion = raion, oblast_cell
        attributes["note"] = "oblast and raion cells were swapped in the source"
    if code is None:
        raise RowRejected("oblast", f"{oblast_cell!r} is not an oblast of Ukraine")
    detail = {"oblast": "", "raion": raion, "hromada": hromada or raion}[level]
    if level != "oblast" and not detail:
        raise RowRejected(level, f"is empty but level is {level!r}")
    attributes.update(
        oblast=oblast_cell,
        raion=raion or None,
        hromada=hromada or None,
        channel=text(f, "source") or None,
    )
    area = f"{code}/{detail}" if detail else code
    return _observation("official", area, start, end, attributes, record, origin)


def _volunteer(record: CsvRecord | Line, origin: Origin) -> Observation:
    assert isinstance(record, CsvRecord)
    f = record.fields
    region = text(f, "region", required=True)
    code = resolve_oblast(region)
    if code is None:
        raise RowRejected("region", f"{region!r} is not an oblast of Ukraine")
    start, end = _times(f)
    naive_cell = text(f, "naive").lower()
    if naive_cell not in ("true", "false", ""):
        raise RowRejected("naive", f"{text(f, 'naive')!r} is not True or False")
    attributes: dict[str, object] = {
        "layout": "volunteer",
        "level": "oblast",
        "oblast": region,
        "end_estimated": None if not naive_cell else naive_cell == "true",
    }
    if naive_cell == "true":
        attributes["note"] = "no end message: finished_at is started_at + 30 min, a guess"
    return _observation("volunteer", code, start, end, attributes, record, origin)


class AirRaidAlertSource:
    """Ukraine's air-raid alerts: official (oblast/raion/hromada) and volunteer (oblast) CSVs."""

    name = "alerts"
    description = (
        "Ukraine's air-raid alerts (official oblast/raion/hromada file, volunteer eTryvoga file)"
    )

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` in chunks of ``chunk_rows`` records; the header picks the layout."""
        facts = read_file_facts(path)
        content = decode_text(facts)
        header = set(header_of(facts, content))
        if set(OFFICIAL_COLUMNS) <= header:
            return parse_records(
                SOURCE, facts, csv_records(facts, content, OFFICIAL_COLUMNS), chunk_rows, _official
            )
        if {"region", "started_at", "finished_at"} <= header:
            return parse_records(
                SOURCE, facts, csv_records(facts, content, ("region",)), chunk_rows, _volunteer
            )
        raise UnreadableInputError(
            facts.path,
            "is not an air-raid alerts file: expected the official columns "
            f"({', '.join(OFFICIAL_COLUMNS)}) or the volunteer ones "
            f"({', '.join(VOLUNTEER_COLUMNS)})",
        )
