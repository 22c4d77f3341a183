"""Where and when the mission could not see: access denials and sensor outages.

Both are first-class records (appended, never edited). ``gaps_in`` returns the gaps that
overlap a window; a report lists them. A monitor's field report of kind
``movement_restriction`` is an access denial too: ``gap_from_observation`` turns it into one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ceasefire.errors import InputError
from ceasefire.store.base import StoredObservation


class GapKind(StrEnum):
    ACCESS_DENIAL = "access_denial"
    SENSOR_OUTAGE = "sensor_outage"


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """An access denial (who denied, stated reason) or a sensor outage (which sensor)."""

    kind: GapKind
    start: datetime
    end: datetime | None  # None: still going on
    area: str = ""  # ISO 3166-2 code, optionally "/place"
    lon: float | None = None
    lat: float | None = None
    radius_m: float | None = None
    denied_by: str = ""  # party or unit that denied access
    reason: str = ""  # the stated reason, verbatim
    sensor: str = ""  # for an outage
    reported_by: str = ""
    source_uid: str = ""  # the observation it was derived from, if any
    id: int = 0

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InputError("a coverage gap cannot end before it starts")
        if not self.area and (self.lon is None or self.lat is None) and not self.sensor:
            raise InputError("a coverage gap needs a place (area or point) or a sensor")
        if self.kind is GapKind.SENSOR_OUTAGE and not self.sensor:
            raise InputError("a sensor outage names the sensor")
        if (self.lon is None) != (self.lat is None):
            raise InputError("lon and lat go together")

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether the gap overlaps the half-open window ``[start, end)``."""
        return self.start < end and (self.end is None or self.end > start)

    def where(self) -> str:
        """A short description of the place."""
        if self.lon is not None and self.lat is not None:
            radius = f" (r {self.radius_m / 1000:.1f} km)" if self.radius_m else ""
            return f"{self.lat:.4f} N {self.lon:.4f} E{radius}" + (
                f", {self.area}" if self.area else ""
            )
        return self.area or f"sensor {self.sensor}"


def gap_from_observation(o: StoredObservation) -> CoverageGap:
    """A ``movement_restriction`` observation as an access denial."""
    attrs = json.loads(o.attributes_json or "{}")
    notes = attrs.get("notes", "") if isinstance(attrs, dict) else ""
    denied_by = attrs.get("denied_by", "") if isinstance(attrs, dict) else ""
    reporter = attrs.get("team", "") if isinstance(attrs, dict) else ""
    return CoverageGap(
        kind=GapKind.ACCESS_DENIAL,
        start=o.observed_at,
        end=o.observed_until,
        area=o.area or o.oblast,
        lon=o.lon,
        lat=o.lat,
        radius_m=o.uncertainty_m,
        denied_by=str(denied_by),
        reason=str(notes),
        reported_by=str(reporter),
        source_uid=f"{o.source}:{o.source_id}",
    )


def gaps_in(gaps: Iterable[CoverageGap], start: datetime, end: datetime) -> list[CoverageGap]:
    """The gaps overlapping ``[start, end)``, by start time."""
    return sorted((g for g in gaps if g.overlaps(start, end)), key=lambda g: (g.start, g.id))
