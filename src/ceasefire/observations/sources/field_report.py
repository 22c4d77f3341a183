"""Monitors' field reports, one JSON object a line, validated by a strict pydantic model.

The schema is ours (``FieldReport``; docs/sources.md shows it with examples). A report is
placed in one of two ways, never both:

* ``lon``/``lat`` (+ ``uncertainty_m``): the point the monitor observed;
* OSCE style, from where the monitor stood: ``monitor_lon``/``monitor_lat`` (+
  ``monitor_uncertainty_m``), ``direction_deg`` (true bearing, 0 = north, clockwise) and
  ``distance_m``. The point is computed on the WGS84 ellipsoid (``pyproj.Geod.fwd``) and the
  uncertainty widened by root-sum-square of the monitor's own position, the distance error
  (``distance_uncertainty_m``, default a quarter of the distance: distances to explosions
  are mostly judged by sound and flash) and the cross-range error of the bearing
  (``direction_uncertainty_deg``, default 10 degrees, times the distance).

The model is strict (``extra="forbid"``, no coercion: ``"12"`` is not a number, a time
without an offset is refused), so every problem names its field path, e.g.
``evidence.0.sha256``; a bad line becomes a rejection naming that path and its line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Self

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import ErrorDetails
from pyproj import Geod

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.model import Observation, Origin
from ceasefire.observations.sources._rows import Line, RowRejected, parse_records
from ceasefire.observations.sources.base import (
    DEFAULT_CHUNK_ROWS,
    RECORD_FIELD,
    CsvRecord,
    ParsedChunk,
    decode_text,
    read_file_facts,
)
from ceasefire.observations.taxonomy import Kind, WeaponClass
from ceasefire.submissions.model import Refused
from ceasefire.timeutil import ensure_utc

SOURCE = "field"
DEFAULT_DIRECTION_UNCERTAINTY_DEG = 10.0
DEFAULT_DISTANCE_UNCERTAINTY_FRACTION = 0.25
_GEOD = Geod(ellps="WGS84")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Metres = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class Evidence(BaseModel):
    """A photo, video or recording, named by its SHA-256 (the file itself is kept elsewhere)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    media_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[A-Za-z0-9.+-]+$")]


class FieldReport(BaseModel):
    """One line of a field-report file."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    report_id: Text
    monitor_id: Text
    team: Text
    observed_at: AwareDatetime
    observed_until: AwareDatetime | None = None
    kind: Kind
    weapon_class: WeaponClass | None = None
    count: Annotated[int, Field(ge=1)] | None = None
    lon: Longitude | None = None
    lat: Latitude | None = None
    uncertainty_m: Metres | None = None
    monitor_lon: Longitude | None = None
    monitor_lat: Latitude | None = None
    monitor_uncertainty_m: Metres = 10.0
    direction_deg: Annotated[float, Field(ge=0.0, lt=360.0)] | None = None
    direction_uncertainty_deg: Annotated[float, Field(ge=0.0, le=180.0)] | None = None
    distance_m: Annotated[float, Field(gt=0.0, le=100_000.0)] | None = None
    distance_uncertainty_m: Metres | None = None
    area: Annotated[str, StringConstraints(pattern=r"^UA(-\d{2}(/.+)?)?$")] | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] = ""
    evidence: list[Evidence] = []

    @model_validator(mode="after")
    def _placed_once(self) -> Self:
        point = self.lon is not None or self.lat is not None
        bearing = any(
            v is not None
            for v in (self.monitor_lon, self.monitor_lat, self.direction_deg, self.distance_m)
        )
        # Messages start with the field they concern: _parse turns that into the field path.
        if point and bearing:
            raise ValueError(
                "lon: give lon/lat, or a monitor position with direction_deg and distance_m; "
                "not both"
            )
        if point and (self.lon is None or self.lat is None):
            raise ValueError(
                f"{'lat' if self.lat is None else 'lon'}: lon and lat must be given together"
            )
        if bearing:
            missing = [
                n
                for n in ("monitor_lon", "monitor_lat", "direction_deg", "distance_m")
                if getattr(self, n) is None
            ]
            if missing:
                raise ValueError(
                    f"{missing[0]}: is needed with a direction and distance from the monitor"
                )
        if not point and not bearing and self.area is None:
            raise ValueError(
                "lon: a report needs lon/lat, a direction and distance from the monitor, or an area"
            )
        if self.observed_until is not None and self.observed_until < self.observed_at:
            raise ValueError("observed_until: is before observed_at")
        return self

    def place(self) -> tuple[float | None, float | None, float | None, str]:
        """(lon, lat, uncertainty in metres, how the point was obtained)."""
        if self.lon is not None and self.lat is not None:
            return self.lon, self.lat, self.uncertainty_m, "reported point"
        if (
            self.monitor_lon is None
            or self.monitor_lat is None
            or self.direction_deg is None
            or self.distance_m is None
        ):
            return None, None, None, "area only"
        lon, lat, _ = _GEOD.fwd(
            self.monitor_lon, self.monitor_lat, self.direction_deg, self.distance_m
        )
        along = (
            self.distance_uncertainty_m
            if self.distance_uncertainty_m is not None
            else DEFAULT_DISTANCE_UNCERTAINTY_FRACTION * self.distance_m
        )
        bearing_error = (
            self.direction_uncertainty_deg
            if self.direction_uncertainty_deg is not None
            else DEFAULT_DIRECTION_UNCERTAINTY_DEG
        )
        across = self.distance_m * math.tan(math.radians(min(bearing_error, 89.0)))
        widened = math.sqrt(self.monitor_uncertainty_m**2 + along**2 + across**2)
        return float(lon), float(lat), round(widened, 1), "direction and distance from the monitor"


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or RECORD_FIELD


def _problem(error: ErrorDetails) -> tuple[str, str]:
    """(field path, message) of one pydantic error."""
    field, message = _field_path(tuple(error["loc"])), str(error["msg"])
    if not error["loc"] and error["type"] == "value_error":
        # the model validator's messages start with the field they concern
        field, _, message = str(error.get("ctx", {}).get("error", message)).partition(": ")
    return field, message


def parse_report(text: str | bytes) -> FieldReport:
    """Validate one report's JSON text; ``RowRejected`` names the first field path and reason.

    The one gate for field reports: the file adapter and the API's submissions both call it,
    so they accept and refuse the same things. ``RowRejected.problems`` lists every problem.
    """
    try:
        return FieldReport.model_validate_json(text)
    except pydantic.ValidationError as exc:
        problems = [_problem(e) for e in exc.errors(include_url=False)]
        field, message = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise RowRejected(field, f"{message}{more}", problems) from None


def report_observation(
    report: FieldReport, raw: str, origin: Origin | None, *, submitted_by: str | None = None
) -> Observation:
    """The observation of a validated report; ``raw`` is its text exactly as received.

    ``submitted_by`` (the API user who sent it) joins the attributes, and so the ledger leaf;
    it is the report's ``monitor_id`` too (docs/api.md#submissions).
    """
    lon, lat, uncertainty, method = report.place()
    attributes: dict[str, object] = {
        "monitor_id": report.monitor_id,
        "team": report.team,
        "count": report.count,
        "notes": report.notes,
        "evidence": [e.model_dump() for e in report.evidence],
        "location_method": method,
        "observed_at_as_reported": report.observed_at.isoformat(),
    }
    if report.direction_deg is not None:
        attributes.update(
            monitor_lon=report.monitor_lon,
            monitor_lat=report.monitor_lat,
            direction_deg=report.direction_deg,
            distance_m=report.distance_m,
        )
    if submitted_by is not None:
        # a monitor files under its own identity, never another monitor's (the body's claim
        # stays in ``raw``)
        attributes["monitor_id"] = submitted_by
        attributes["submitted_by"] = submitted_by
    until: datetime | None = (
        None if report.observed_until is None else ensure_utc(report.observed_until)
    )
    return Observation(
        source=SOURCE,
        source_id=report.report_id,
        observed_at=ensure_utc(report.observed_at),
        observed_until=until,
        kind=report.kind,
        raw=raw,
        lon=lon,
        lat=lat,
        uncertainty_m=uncertainty,
        area=report.area,
        weapon_class=None if report.weapon_class is None else str(report.weapon_class),
        attributes=json.loads(json.dumps(attributes)),
        origin=origin,
    )


def parse_submission(text: str, submitter: str) -> Observation | Refused:
    """A report submitted through the API (``ParseReport`` of the submission core): the same
    rules as a line of a file, plus who submitted it."""
    try:
        report = parse_report(text)
    except RowRejected as rejected:
        return Refused(rejected.problems)
    return report_observation(report, text, None, submitted_by=submitter or None)


def _parse(record: CsvRecord | Line, origin: Origin) -> Observation:
    assert isinstance(record, Line)
    return report_observation(parse_report(record.raw), record.raw, origin)


def _lines(text: str) -> Iterator[Line]:
    # split on "\n" only: str.splitlines would also split inside JSON strings at U+2028 etc.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield Line(number, line)


class FieldReportSource:
    """Monitors' field reports (JSON lines, strict schema)."""

    name = "field"
    description = "Monitors' field reports (JSON lines; schema in docs/sources.md)"

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` in chunks of at most ``chunk_rows`` lines."""
        facts = read_file_facts(path)
        text = decode_text(facts)
        first = next((line for line in text.split("\n") if line.strip()), "")
        if first and not first.lstrip().startswith("{"):
            raise UnreadableInputError(
                facts.path, "is not JSON lines (the first line is not a JSON object)"
            )
        return parse_records(SOURCE, facts, _lines(text), chunk_rows, _parse)


__all__ = [
    "Evidence",
    "FieldReport",
    "FieldReportSource",
    "RowRejected",
    "parse_report",
    "parse_submission",
    "report_observation",
]
