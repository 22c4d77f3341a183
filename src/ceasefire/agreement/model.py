"""The loaded agreement: plain frozen records the rest of the package reads.

``loader`` builds an ``Agreement`` from a directory (``agreement.yaml`` plus GeoJSON);
nothing else in the package parses agreement files. Geometries are held twice: in lon/lat
(for maps and GeoJSON output) and in the agreement's metric CRS (for every computation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from shapely.geometry.base import BaseGeometry


class Severity(StrEnum):
    """How serious a violation of a rule is."""

    MINOR = "minor"
    MODERATE = "moderate"
    SERIOUS = "serious"


class ZoneShape(StrEnum):
    """How a zone's geometry is defined in the agreement file."""

    BAND = "band"  # a band of given width along the line of contact
    POLYGON = "polygon"  # an explicit polygon file
    AROUND = "around"  # a radius around a site


@dataclass(frozen=True, slots=True)
class Party:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class WeaponClassTerm:
    """A weapon class the agreement regulates, with its security-zone width (total, km)."""

    id: str
    label: str
    zone_width_km: float | None = None


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone of the agreement, with what it prohibits and from when."""

    id: str
    label: str
    shape: ZoneShape
    geometry_lonlat: BaseGeometry
    geometry_m: BaseGeometry
    prohibits_weapon_classes: frozenset[str] = frozenset()
    prohibits_kinds: frozenset[str] = frozenset()
    demilitarised_after: datetime | None = None
    band_km: float | None = None
    side: str | None = None  # for a one-sided band: the party on whose side it lies
    illustrative: bool = False
    description: str = ""
    center_lonlat: tuple[float, float] | None = None  # for an ``around`` zone: the site
    radius_km: float | None = None  # for an ``around`` zone


@dataclass(frozen=True, slots=True)
class Rule:
    """Which observation kinds, where and after when, are violations, and how severe.

    ``where`` is ``"anywhere"``, ``"zones"`` (then ``zones`` lists them),
    ``"zone_prohibits_weapon"`` or ``"zone_prohibits_kind"``.
    """

    id: str
    kinds: frozenset[str]
    where: str
    severity: Severity
    zones: tuple[str, ...] = ()
    after: datetime | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Cap:
    party: str
    metric: str
    max: int


@dataclass(frozen=True, slots=True)
class AdminArea:
    """An oblast (or city with oblast status) by ISO 3166-2 code."""

    code: str
    name: str
    geometry_lonlat: BaseGeometry
    geometry_m: BaseGeometry


@dataclass(frozen=True, slots=True)
class Geography:
    """The reference geometry: country, line of contact and the two sides, in metres."""

    crs: str
    country_m: BaseGeometry
    line_m: BaseGeometry
    line_lonlat: BaseGeometry
    controlled_by: str  # the party controlling the occupied area
    other_party: str  # the party controlling the rest of the country
    sides_m: dict[str, BaseGeometry]
    sides_lonlat: dict[str, BaseGeometry]
    admin_areas: tuple[AdminArea, ...]
    line_date: str = ""
    country_lonlat: BaseGeometry | None = None
    border_tolerance_km: float = 2.0


@dataclass(frozen=True, slots=True)
class Agreement:
    """A loaded, validated agreement version."""

    id: str
    version: int
    effective: datetime
    parties: tuple[Party, ...]
    guarantors: tuple[str, ...]
    geography: Geography
    zones: tuple[Zone, ...]
    weapon_classes: tuple[WeaponClassTerm, ...]
    rules: tuple[Rule, ...]
    caps: tuple[Cap, ...] = ()
    title: str = ""
    source_dir: Path | None = None
    content_sha256: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""

    def zone(self, zone_id: str) -> Zone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)

    @property
    def party_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.parties)
