"""How far apart in space and time two observations may be and still describe one event.

Each observation gets a **radius** (its own ``uncertainty_m``, never less than its source's
floor) and a **time span** (``[observed_at, observed_until]`` widened by its source's pad).
Two located observations of compatible kinds are linked when their discs come within
``link_slack_m`` of each other and their widened spans overlap.

Defaults per source (``DEFAULT_TOLERANCES``) follow what each source's numbers mean:

- ``firms``: the pixel footprint is already in ``uncertainty_m`` (half-diagonal of the
  pixel); the overpass time is exact when given and a date-only row already spans its whole
  UTC day, so no time pad;
- ``field``: a monitor's report carries its own uncertainty (direction and distance
  widened by root-sum-square); 15 min of clock and reporting slack;
- ``acled``/``ucdp``: coded from media reports, day precision (Kyiv day), town-level points;
- ``alerts``/``attacks``: area-only; they never locate, so only the time pad matters.

Keys of a tolerance table are ``source/kind``, ``source`` or ``*`` (the most specific wins).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ceasefire.errors import InputError
from ceasefire.observations.taxonomy import Kind


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Spatial floor (m) and time pad (s) of one source or source/kind."""

    min_radius_m: float
    time_pad_s: float


DEFAULT_TOLERANCES: Mapping[str, Tolerance] = {
    "firms": Tolerance(min_radius_m=375.0, time_pad_s=0.0),
    "field": Tolerance(min_radius_m=100.0, time_pad_s=900.0),
    "acled": Tolerance(min_radius_m=2_000.0, time_pad_s=0.0),
    "ucdp": Tolerance(min_radius_m=1_000.0, time_pad_s=0.0),
    "alerts": Tolerance(min_radius_m=0.0, time_pad_s=900.0),
    "attacks": Tolerance(min_radius_m=0.0, time_pad_s=0.0),
    "*": Tolerance(min_radius_m=500.0, time_pad_s=900.0),
}

FIRE = "fire"
PRESENCE = "presence"

KIND_FAMILY: Mapping[str, str] = {
    **{
        str(k): FIRE
        for k in (
            Kind.SHELLING,
            Kind.MISSILE_STRIKE,
            Kind.DRONE_STRIKE,
            Kind.AIR_STRIKE,
            Kind.EXPLOSION,
            Kind.ARMED_CLASH,
            Kind.SMALL_ARMS_FIRE,
            Kind.PROJECTILE_IN_FLIGHT,
            Kind.THERMAL_ANOMALY,
            Kind.VIOLENCE_AGAINST_CIVILIANS,
            Kind.MINE_INCIDENT,
            Kind.AIR_RAID_ALERT,
            Kind.AERIAL_ATTACK_REPORT,
        )
    },
    **{
        str(k): PRESENCE
        for k in (
            Kind.HEAVY_WEAPON_SIGHTING,
            Kind.MILITARY_PRESENCE,
            Kind.WEAPONS_MISSING_FROM_STORAGE,
        )
    },
}
"""Kinds that may describe one event share a family; any other kind is a family of its own."""

CONTEXT_KINDS: frozenset[str] = frozenset(
    {str(Kind.AIR_RAID_ALERT), str(Kind.AERIAL_ATTACK_REPORT)}
)
"""Kinds that only ever corroborate: an alert or a launch count locates no impact."""


def family_of(kind: str) -> str:
    """The family of a kind (``fire``, ``presence`` or the kind itself)."""
    return KIND_FAMILY.get(kind, kind)


@dataclass(frozen=True, slots=True)
class GroupingParams:
    """Every parameter of the grouping; stored with each run so a run can be redone."""

    tolerances: Mapping[str, Tolerance] = field(default_factory=lambda: dict(DEFAULT_TOLERANCES))
    link_slack_m: float = 250.0
    locate_max_m: float = 10_000.0
    corroborate_max_m: float = 100_000.0

    def tolerance(self, source: str, kind: str) -> Tolerance:
        """The most specific tolerance for ``source``/``kind``."""
        for key in (f"{source}/{kind}", source, "*"):
            if key in self.tolerances:
                return self.tolerances[key]
        return DEFAULT_TOLERANCES["*"]

    def as_json(self) -> str:
        """Canonical JSON of the parameters (recorded with every grouping run)."""
        return json.dumps(
            {
                "link_slack_m": self.link_slack_m,
                "locate_max_m": self.locate_max_m,
                "corroborate_max_m": self.corroborate_max_m,
                "tolerances": {
                    k: [t.min_radius_m, t.time_pad_s] for k, t in sorted(self.tolerances.items())
                },
            },
            sort_keys=True,
            separators=(",", ":"),
        )


def parse_tolerance_overrides(text: str) -> dict[str, Tolerance]:
    """Overrides from JSON ``{"KEY": {"min_radius_m": .., "time_pad_s": ..}}`` on the defaults."""
    table = dict(DEFAULT_TOLERANCES)
    if not text.strip():
        return table
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"grouping tolerances: not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError("grouping tolerances: expected a JSON object keyed by source[/kind]")
    for key, value in raw.items():
        base = table.get(key, table["*"])
        if not isinstance(value, dict) or set(value) - {"min_radius_m", "time_pad_s"}:
            raise InputError(
                f"grouping tolerances: {key}: expected {{'min_radius_m': m, 'time_pad_s': s}}"
            )
        radius = value.get("min_radius_m", base.min_radius_m)
        pad = value.get("time_pad_s", base.time_pad_s)
        if not all(isinstance(v, int | float) and v >= 0 for v in (radius, pad)):
            raise InputError(f"grouping tolerances: {key}: values must be numbers >= 0")
        table[key] = Tolerance(float(radius), float(pad))
    return table
