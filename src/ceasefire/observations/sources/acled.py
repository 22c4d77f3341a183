"""ACLED events (the documented 33-column CSV export) as observations.

Mapping (the ``acled`` column of ``taxonomy.KIND_TABLE``, read backwards): the pair
(event_type, sub_event_type) gives the kind. Where one ACLED sub-event covers two of our
kinds, the notes decide: "Shelling/artillery/missile attack" is ``missile_strike`` when the
notes mention a missile, else ``shelling``; "Air/drone strike" is ``drone_strike`` when they
mention a drone/UAV/Shahed, else ``air_strike``; "Remote explosive/landmine/IED" is
``mine_incident`` when they mention a mine, else ``explosion``. ACLED's own types are kept in
the attributes, so the decision can be re-made.

Place: the point is ACLED's; ``geo_precision`` gives the uncertainty (1: the named town,
~2 km; 2: "near" a town or a part of a region, ~15 km; 3: only a larger region is known,
~50 km). admin1 resolves to an ISO 3166-2 code; an admin1 we cannot resolve leaves the
area empty (the point remains) and is kept in the attributes.

Time: ``event_date`` is a calendar day in Ukraine, so the observation spans that Kyiv day
(local midnight to midnight, in UTC). ``time_precision`` 2 (the source gives a week) widens
it to three days either side; 3 (a month) to the calendar month.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from ceasefire.observations.areas import resolve_oblast
from ceasefire.observations.model import Observation, Origin
from ceasefire.observations.sources._rows import (
    Line,
    RowRejected,
    count,
    csv_records,
    kyiv_day,
    number,
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

SOURCE = "acled"

COLUMNS: tuple[str, ...] = (
    "id",
    "iso",
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
    "geo_precision",
    "source",
    "civilian_targeting",
    "disorder_type",
    "tags",
    "actor_dyad",
)
"""ACLED's documented export layout (../shared/data/SCHEMAS.md)."""

GEO_PRECISION_M: dict[int, float] = {1: 2_000.0, 2: 15_000.0, 3: 50_000.0}
"""geo_precision -> uncertainty radius in metres (our reading of ACLED's codebook)."""

_MISSILE = re.compile(
    r"missile|iskander|kalibr|kinzhal|kh-\d|x-\d|s-300|s-400|tochka", re.IGNORECASE
)
_DRONE = re.compile(r"drone|uav|shahed|geran|lancet|loitering", re.IGNORECASE)
_MINE = re.compile(r"\bmines?\b|landmine|anti-personnel|anti-tank mine|minefield", re.IGNORECASE)

_KINDS: dict[tuple[str, str], Kind] = {
    ("battles", "armed clash"): Kind.ARMED_CLASH,
    ("battles", "government regains territory"): Kind.TERRITORY_CHANGE,
    ("battles", "non-state actor overtakes territory"): Kind.TERRITORY_CHANGE,
    ("explosions/remote violence", "suicide bomb"): Kind.EXPLOSION,
    ("explosions/remote violence", "grenade"): Kind.EXPLOSION,
    ("explosions/remote violence", "chemical weapon"): Kind.OTHER,
    ("violence against civilians", "attack"): Kind.VIOLENCE_AGAINST_CIVILIANS,
    (
        "violence against civilians",
        "abduction/forced disappearance",
    ): Kind.VIOLENCE_AGAINST_CIVILIANS,
    ("violence against civilians", "sexual violence"): Kind.VIOLENCE_AGAINST_CIVILIANS,
    ("strategic developments", "headquarters or base established"): Kind.MILITARY_PRESENCE,
    ("strategic developments", "non-violent transfer of territory"): Kind.TERRITORY_CHANGE,
    ("strategic developments", "disrupted weapons use"): Kind.PROJECTILE_IN_FLIGHT,
}

_ATTRIBUTE_COLUMNS = (
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "source",
    "source_scale",
    "notes",
    "civilian_targeting",
    "disorder_type",
    "tags",
    "actor_dyad",
    "timestamp",
    "iso",
    "country",
    "region",
)


def acled_kind(event_type: str, sub_event_type: str, notes: str) -> Kind:
    """Our kind for an ACLED event type pair (notes decide where one ACLED type is two of ours).

    >>> acled_kind("Explosions/Remote violence", "Air/drone strike", "Shahed drones hit Odesa")
    <Kind.DRONE_STRIKE: 'drone_strike'>
    >>> acled_kind("Protests", "Peaceful protest", "")
    <Kind.OTHER: 'other'>
    """
    pair = (event_type.strip().lower(), sub_event_type.strip().lower())
    if pair == ("explosions/remote violence", "shelling/artillery/missile attack"):
        return Kind.MISSILE_STRIKE if _MISSILE.search(notes) else Kind.SHELLING
    if pair == ("explosions/remote violence", "air/drone strike"):
        return Kind.DRONE_STRIKE if _DRONE.search(notes) else Kind.AIR_STRIKE
    if pair == ("explosions/remote violence", "remote explosive/landmine/ied"):
        return Kind.MINE_INCIDENT if _MINE.search(notes) else Kind.EXPLOSION
    return _KINDS.get(pair, Kind.OTHER)


def _event_day(cell: str) -> date:
    for layout in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y"):
        try:
            return datetime.strptime(cell, layout).date()
        except ValueError:
            continue
    raise RowRejected("event_date", f"{cell!r} is not a date (YYYY-MM-DD or '12 April 2024')")


def _span(day: date, precision: int | None) -> tuple[datetime, datetime]:
    if precision == 2:
        return kyiv_day(day - timedelta(days=3))[0], kyiv_day(day + timedelta(days=3))[1]
    if precision == 3:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return kyiv_day(first)[0], kyiv_day(last)[1]
    return kyiv_day(day)


def _parse(record: CsvRecord | Line, origin: Origin) -> Observation:
    assert isinstance(record, CsvRecord)
    f = record.fields
    event_id = text(f, "event_id_cnty", required=True)
    day = _event_day(text(f, "event_date", required=True))
    precision = count(f, "time_precision")
    if precision not in (None, 1, 2, 3):
        raise RowRejected("time_precision", f"{precision} is not 1, 2 or 3")
    lat = number(f, "latitude", low=-90, high=90)
    lon = number(f, "longitude", low=-180, high=180)
    geo = count(f, "geo_precision")
    if geo not in GEO_PRECISION_M:
        raise RowRejected("geo_precision", f"{f['geo_precision'].strip()!r} is not 1, 2 or 3")
    event_type = text(f, "event_type", required=True)
    fatalities = count(f, "fatalities")
    notes = text(f, "notes")
    start, end = _span(day, precision)
    attributes: dict[str, object] = {c: text(f, c) for c in _ATTRIBUTE_COLUMNS if text(f, c)}
    attributes.update(
        fatalities=fatalities,
        geo_precision=geo,
        time_precision=precision or 1,
        event_date=day.isoformat(),
        acled_id=text(f, "id") or None,
    )
    return Observation(
        source=SOURCE,
        source_id=event_id,
        observed_at=start,
        observed_until=end,
        kind=acled_kind(event_type, text(f, "sub_event_type"), notes),
        raw=record.raw,
        lon=lon,
        lat=lat,
        uncertainty_m=GEO_PRECISION_M[geo],
        area=resolve_oblast(text(f, "admin1")),
        attributes=attributes,
        origin=origin,
    )


class AcledSource:
    """ACLED conflict events (33-column CSV export)."""

    name = "acled"
    description = "ACLED conflict events (documented 33-column CSV export)"

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` in chunks of at most ``chunk_rows`` records."""
        facts = read_file_facts(path)
        records = csv_records(facts, decode_text(facts), COLUMNS)
        return parse_records(SOURCE, facts, records, chunk_rows, _parse)
