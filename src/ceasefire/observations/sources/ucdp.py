"""UCDP Georeferenced Event Dataset (GED) rows as observations.

The file is cp1252 (a Windows/Excel export; UTF-8, as in newer GED downloads, is read too),
and an Excel round trip left three date layouts in ``date_start``/``date_end``:
``1/22/2014 12:00:00 AM``, ``01/22/2014 12:00:00 AM`` and ``03/05/2023 00:00``, all month
first (checked on the file: the first number never exceeds 12, the second often does).
GED dates are calendar days, so an event spans the Kyiv days from ``date_start`` to
``date_end`` inclusive.

Kind from ``type_of_violence``: 1 (state-based) and 2 (non-state) are ``armed_clash``
(GED does not say which weapon); 3 (one-sided, against civilians) is
``violence_against_civilians``. Sides, dyad, the death estimates (best/low/high and by
side), precision codes and the source headline are kept in the attributes.

Place: GED's point with an uncertainty from ``where_prec`` (UCDP codebook): 1 exact place
-> 1 km; 2 within ~25 km of a known point -> 25 km; 3 second-order division (raion) ->
30 km; 4 first-order division (oblast) -> 100 km; 5 a larger part of the country or a
linear feature ("eastern Ukraine") -> 250 km; 6 only the country -> 650 km; 7 international
waters or airspace -> 650 km. ``adm_1`` gives the area code when it resolves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
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

SOURCE = "ucdp"
ENCODING = "cp1252"

REQUIRED: tuple[str, ...] = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "where_prec",
    "adm_1",
    "latitude",
    "longitude",
    "date_start",
    "date_end",
    "best",
)

WHERE_PREC_M: dict[int, float] = {
    1: 1_000.0,
    2: 25_000.0,
    3: 30_000.0,
    4: 100_000.0,
    5: 250_000.0,
    6: 650_000.0,
    7: 650_000.0,
}
"""where_prec -> uncertainty radius in metres (see the module doc for the reasoning)."""

DATE_LAYOUTS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
"""GED's own ISO layout, then the Excel ones found in the file (month first)."""

_KINDS = {1: Kind.ARMED_CLASH, 2: Kind.ARMED_CLASH, 3: Kind.VIOLENCE_AGAINST_CIVILIANS}
_TEXT_ATTRIBUTES = (
    "relid",
    "conflict_name",
    "dyad_name",
    "side_a",
    "side_b",
    "adm_1",
    "adm_2",
    "where_coordinates",
    "where_description",
    "source_headline",
    "source_office",
)
_COUNT_ATTRIBUTES = (
    "best",
    "low",
    "high",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "number_of_sources",
    "event_clarity",
    "date_prec",
    "year",
)


def ucdp_date(cell: str, field: str) -> date:
    """A GED date in any of the layouts found in the wild.

    >>> ucdp_date("1/22/2014 12:00:00 AM", "date_start"), ucdp_date("03/05/2023 00:00", "date_end")
    (datetime.date(2014, 1, 22), datetime.date(2023, 3, 5))
    """
    value = cell.strip()
    for layout in DATE_LAYOUTS:
        try:
            return datetime.strptime(value, layout).date()
        except ValueError:
            continue
    raise RowRejected(
        field, f"{value!r} is not a date (M/D/YYYY [h:mm:ss AM], MM/DD/YYYY HH:MM, YYYY-MM-DD)"
    )


def _parse(record: CsvRecord | Line, origin: Origin) -> Observation:
    assert isinstance(record, CsvRecord)
    f = record.fields
    event_id = text(f, "id", required=True)
    first = ucdp_date(text(f, "date_start", required=True), "date_start")
    last = ucdp_date(text(f, "date_end", required=True), "date_end")
    if last < first:
        raise RowRejected(
            "date_end", f"{last.isoformat()} is before date_start {first.isoformat()}"
        )
    violence = count(f, "type_of_violence")
    if violence not in _KINDS:
        raise RowRejected("type_of_violence", f"{text(f, 'type_of_violence')!r} is not 1, 2 or 3")
    where = count(f, "where_prec")
    if where not in WHERE_PREC_M:
        raise RowRejected("where_prec", f"{text(f, 'where_prec')!r} is not 1..7")
    lat = number(f, "latitude", low=-90, high=90)
    lon = number(f, "longitude", low=-180, high=180)
    attributes: dict[str, object] = {c: text(f, c) for c in _TEXT_ATTRIBUTES if text(f, c)}
    for column in _COUNT_ATTRIBUTES:
        if column in f:
            attributes[column] = count(f, column)
    attributes.update(
        type_of_violence=violence,
        where_prec=where,
        date_start=first.isoformat(),
        date_end=last.isoformat(),
    )
    return Observation(
        source=SOURCE,
        source_id=event_id,
        observed_at=kyiv_day(first)[0],
        observed_until=kyiv_day(last)[1],
        kind=_KINDS[violence],
        raw=record.raw,
        lon=lon,
        lat=lat,
        uncertainty_m=WHERE_PREC_M[where],
        area=resolve_oblast(text(f, "adm_1")),
        attributes=attributes,
        origin=origin,
    )


class UcdpSource:
    """UCDP GED events (CSV, cp1252)."""

    name = "ucdp"
    description = "UCDP Georeferenced Event Dataset (CSV, cp1252, mixed Excel date layouts)"

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` in chunks of at most ``chunk_rows`` records."""
        facts = read_file_facts(path)
        try:  # newer GED downloads are UTF-8; the Excel-era file here is cp1252
            facts.content.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = ENCODING
        records = csv_records(facts, decode_text(facts, encoding), REQUIRED)
        return parse_records(SOURCE, facts, records, chunk_rows, _parse, encoding)
