"""The shape of ``agreement.yaml``: strict pydantic models, one per section.

These models check types and local constraints only (a number is a number, a width is
positive, a zone has exactly one shape). Checks that need two sections at once (a rule
naming a zone, a cap naming a party) and every geometry check live in ``loader``, which
reports all problems together. ``docs/agreement.md`` documents every key; a test keeps the
two in step.

Strict means strict: ``"50"`` is not a number, ``yes`` is not a string. Timestamps are the
one exception: they may be written bare (YAML reads them as datetimes) or quoted, and must
state their offset either way.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)


def _timestamp_input(value: Any) -> Any:
    """Accept a datetime or an ISO 8601 string, nothing else (no epoch numbers)."""
    if isinstance(value, datetime | str):
        return value
    if isinstance(value, date):
        raise ValueError("a date is not enough: give a time and offset, e.g. 2023-01-06T09:00:00Z")
    raise ValueError(f"expected an ISO 8601 timestamp with offset, got {type(value).__name__}")


def _date_input(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), got a timestamp")
    if isinstance(value, date | str):
        return value
    raise ValueError(f"expected a date (YYYY-MM-DD), got {type(value).__name__}")


Timestamp = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_timestamp_input)]
"""An ISO 8601 timestamp that states its offset; naive timestamps are refused."""

Day = Annotated[date, Field(strict=False), BeforeValidator(_date_input)]

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
"""Lower-case ids: letters, digits, ``-`` and ``_``."""

PartyCode = Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")]
"""A party or guarantor code: two or three capital letters (ISO 3166-1 style)."""

RelativePath = Annotated[str, Field(min_length=1)]


class _Spec(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class LineOfContactSpec(_Spec):
    """Where the line of contact comes from: it is derived, never drawn by hand."""

    occupied_area: RelativePath
    controlled_by: PartyCode
    country_outline: RelativePath
    admin_areas: RelativePath | None = None
    as_of: Day | None = None
    border_tolerance_km: float = Field(default=2.0, gt=0, le=20)
    min_segment_km: float = Field(default=5.0, ge=0, le=100)
    source: str = ""


class WeaponClassSpec(_Spec):
    """A weapon class the agreement regulates."""

    id: Identifier
    label: str = ""
    zone_width_km: float | None = Field(default=None, gt=0, le=1000)
    custom_reason: str | None = None


class AroundSpec(_Spec):
    """A disc around a site."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    radius_km: float = Field(gt=0, le=500)


class ProhibitsSpec(_Spec):
    weapon_classes: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)


class ZoneSpec(_Spec):
    """One zone: exactly one of ``band_km``, ``polygon`` and ``around`` says its shape."""

    id: Identifier
    label: str = ""
    band_km: float | None = Field(default=None, gt=0, le=1000)
    side: PartyCode | None = None
    polygon: RelativePath | None = None
    around: AroundSpec | None = None
    prohibits: ProhibitsSpec = Field(default_factory=ProhibitsSpec)
    demilitarised_after: Timestamp | None = None
    illustrative: bool = False
    description: str = ""

    @model_validator(mode="after")
    def _one_shape(self) -> ZoneSpec:
        given = [k for k in ("band_km", "polygon", "around") if getattr(self, k) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of band_km, polygon, around (found: {found})")
        if self.side is not None and self.band_km is None:
            raise ValueError("side is only meaningful with band_km")
        return self


class WhereSpec(_Spec):
    """Where a rule applies. Written as ``anywhere`` or a mapping with one key."""

    anywhere: bool = False
    zones: list[Identifier] | None = None
    zone_prohibits_weapon: Literal[True] | None = None
    zone_prohibits_kind: Literal[True] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if value == "anywhere":
            return {"anywhere": True}
        if isinstance(value, str):
            raise ValueError(
                f"unknown where {value!r}: write 'anywhere', {{zones: [...]}}, "
                "{zone_prohibits_weapon: true} or {zone_prohibits_kind: true}"
            )
        if isinstance(value, dict) and "anywhere" in value:
            raise ValueError("write where: anywhere, not a mapping")
        return value

    @model_validator(mode="after")
    def _one_key(self) -> WhereSpec:
        given = [
            k
            for k in ("anywhere", "zones", "zone_prohibits_weapon", "zone_prohibits_kind")
            if getattr(self, k) not in (None, False)
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of zones, zone_prohibits_weapon, zone_prohibits_kind "
                f"(found: {', '.join(given) or 'none'})"
            )
        if self.zones is not None and not self.zones:
            raise ValueError("zones must name at least one zone")
        return self

    @property
    def kind(self) -> str:
        """The runtime ``Rule.where`` word."""
        if self.anywhere:
            return "anywhere"
        if self.zones is not None:
            return "zones"
        if self.zone_prohibits_weapon:
            return "zone_prohibits_weapon"
        return "zone_prohibits_kind"


class RuleSpec(_Spec):
    id: Identifier
    kinds: list[str] = Field(min_length=1)
    where: WhereSpec
    after: Timestamp | None = None
    severity: Literal["minor", "moderate", "serious"]
    description: str = ""


class CapSpec(_Spec):
    party: PartyCode
    metric: Identifier
    max: int = Field(ge=0)


class AgreementSpec(_Spec):
    """The whole ``agreement.yaml``."""

    id: Identifier
    version: int = Field(ge=1)
    title: str = ""
    description: str = ""
    effective: Timestamp
    parties: dict[PartyCode, str]
    guarantors: list[PartyCode] = Field(default_factory=list)
    crs: str | None = None
    line_of_contact: LineOfContactSpec
    weapon_classes: list[WeaponClassSpec] = Field(default_factory=list)
    zones: list[ZoneSpec] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)
    caps: list[CapSpec] = Field(default_factory=list)
