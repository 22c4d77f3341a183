"""The documented vocabulary of observation kinds and weapon classes.

Kinds are aligned with ACLED's event types and sub-event types and with the categories
the OSCE Special Monitoring Mission counted in its daily reports, so that counts can be
compared with both. ``KIND_TABLE`` is the single place that says what each kind means;
``docs/taxonomy.md`` is generated from it and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What an observation says happened."""

    SHELLING = "shelling"
    MISSILE_STRIKE = "missile_strike"
    DRONE_STRIKE = "drone_strike"
    AIR_STRIKE = "air_strike"
    EXPLOSION = "explosion"
    ARMED_CLASH = "armed_clash"
    SMALL_ARMS_FIRE = "small_arms_fire"
    PROJECTILE_IN_FLIGHT = "projectile_in_flight"
    ILLUMINATION_FLARE = "illumination_flare"
    THERMAL_ANOMALY = "thermal_anomaly"
    AIR_RAID_ALERT = "air_raid_alert"
    AERIAL_ATTACK_REPORT = "aerial_attack_report"
    HEAVY_WEAPON_SIGHTING = "heavy_weapon_sighting"
    WEAPONS_MISSING_FROM_STORAGE = "weapons_missing_from_storage"
    MOVEMENT_RESTRICTION = "movement_restriction"
    TERRITORY_CHANGE = "territory_change"
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians"
    MINE_INCIDENT = "mine_incident"
    MILITARY_PRESENCE = "military_presence"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class KindInfo:
    """What a kind means and where it sits in ACLED's and the OSCE mission's categories."""

    kind: Kind
    meaning: str
    acled: str
    osce: str
    is_use_of_force: bool


KIND_TABLE: tuple[KindInfo, ...] = (
    KindInfo(
        Kind.SHELLING,
        "artillery, mortar or rocket fire landing on the ground",
        "Explosions/Remote violence: Shelling/artillery/missile attack",
        "explosion",
        True,
    ),
    KindInfo(
        Kind.MISSILE_STRIKE,
        "a cruise or ballistic missile hitting a place",
        "Explosions/Remote violence: Shelling/artillery/missile attack",
        "explosion",
        True,
    ),
    KindInfo(
        Kind.DRONE_STRIKE,
        "a loitering munition or armed drone hitting a place",
        "Explosions/Remote violence: Air/drone strike",
        "explosion",
        True,
    ),
    KindInfo(
        Kind.AIR_STRIKE,
        "a bomb or glide bomb dropped from an aircraft",
        "Explosions/Remote violence: Air/drone strike",
        "explosion",
        True,
    ),
    KindInfo(
        Kind.EXPLOSION,
        "an explosion whose cause is not determined",
        "Explosions/Remote violence: Remote explosive/landmine/IED",
        "undetermined explosion",
        True,
    ),
    KindInfo(
        Kind.ARMED_CLASH,
        "ground forces exchanging fire",
        "Battles: Armed clash",
        "ceasefire violation (combined)",
        True,
    ),
    KindInfo(
        Kind.SMALL_ARMS_FIRE,
        "bursts or shots of small-arms or heavy-machine-gun fire",
        "Battles: Armed clash",
        "bursts and shots of small-arms fire",
        True,
    ),
    KindInfo(
        Kind.PROJECTILE_IN_FLIGHT,
        "a projectile seen or heard in flight, impact not seen",
        "Explosions/Remote violence: Shelling/artillery/missile attack",
        "projectile in flight",
        True,
    ),
    KindInfo(
        Kind.ILLUMINATION_FLARE,
        "an illumination flare or tracer",
        "(not coded)",
        "illumination flare",
        False,
    ),
    KindInfo(
        Kind.THERMAL_ANOMALY,
        "a satellite thermal detection: a fire, possibly caused by fighting",
        "(not coded)",
        "(not reported)",
        False,
    ),
    KindInfo(
        Kind.AIR_RAID_ALERT,
        "an official air-raid alert for an area; locates nothing by itself",
        "(not coded)",
        "(not reported)",
        False,
    ),
    KindInfo(
        Kind.AERIAL_ATTACK_REPORT,
        "a party's report of missiles or drones launched in a night or day",
        "Explosions/Remote violence: Air/drone strike",
        "(not reported)",
        True,
    ),
    KindInfo(
        Kind.HEAVY_WEAPON_SIGHTING,
        "a heavy weapon seen where the agreement may prohibit it",
        "Strategic developments: Other",
        "weapons in violation of withdrawal lines",
        False,
    ),
    KindInfo(
        Kind.WEAPONS_MISSING_FROM_STORAGE,
        "declared weapons absent from a storage site",
        "Strategic developments: Other",
        "weapons missing from storage sites",
        False,
    ),
    KindInfo(
        Kind.MOVEMENT_RESTRICTION,
        "monitors denied access or delayed",
        "Strategic developments: Other",
        "restriction of freedom of movement",
        False,
    ),
    KindInfo(
        Kind.TERRITORY_CHANGE,
        "a change of control over territory",
        "Strategic developments: Non-state actor overtakes territory / Government regains territory",
        "(not reported)",
        True,
    ),
    KindInfo(
        Kind.VIOLENCE_AGAINST_CIVILIANS,
        "force used against civilians",
        "Violence against civilians: Attack",
        "civilian casualties",
        True,
    ),
    KindInfo(
        Kind.MINE_INCIDENT,
        "a mine or unexploded ordnance incident, on land or at sea",
        "Explosions/Remote violence: Remote explosive/landmine/IED",
        "mine incident",
        True,
    ),
    KindInfo(
        Kind.MILITARY_PRESENCE,
        "troops or military equipment present in a place",
        "Strategic developments: Other",
        "military presence in security zone",
        False,
    ),
    KindInfo(
        Kind.OTHER,
        "anything else a monitor wants recorded",
        "Strategic developments: Other",
        "other",
        False,
    ),
)


class WeaponClass(StrEnum):
    """Standard weapon classes; an agreement lists the ones it regulates by these ids."""

    TANK = "tank"
    ARTILLERY_LT_100MM = "artillery_lt_100mm"
    ARTILLERY_100MM_PLUS = "artillery_100mm_plus"
    MORTAR_LE_120MM = "mortar_le_120mm"
    MLRS = "mlrs"
    HEAVY_MLRS = "heavy_mlrs"
    TACTICAL_MISSILE = "tactical_missile"
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"
    GUIDED_AIR_MISSILE = "guided_air_missile"
    ATTACK_DRONE = "attack_drone"
    RECONNAISSANCE_DRONE = "reconnaissance_drone"
    GLIDE_BOMB = "glide_bomb"
    SMALL_ARMS = "small_arms"


def kind_info(kind: Kind) -> KindInfo:
    """The table row for ``kind``."""
    for info in KIND_TABLE:
        if info.kind is kind:
            return info
    raise KeyError(kind)  # pragma: no cover - KIND_TABLE covers every Kind, a test checks it


def taxonomy_markdown() -> str:
    """The documented taxonomy as Markdown (``docs/taxonomy.md`` is this text; a test checks)."""
    lines = [
        "# Observation kinds and weapon classes",
        "",
        "Generated from `ceasefire.observations.taxonomy` (`KIND_TABLE`, `WeaponClass`); a test keeps",
        "this file equal to the code. Kinds line up with ACLED's event and sub-event types and with",
        "the categories of the OSCE Special Monitoring Mission's daily reports.",
        "",
        "| kind | meaning | ACLED | OSCE SMM | use of force |",
        "|---|---|---|---|---|",
    ]
    for info in KIND_TABLE:
        force = "yes" if info.is_use_of_force else "no"
        lines.append(f"| `{info.kind}` | {info.meaning} | {info.acled} | {info.osce} | {force} |")
    lines += [
        "",
        "## Weapon classes",
        "",
        "An agreement names the classes it regulates by these ids (Minsk II's withdrawal lines use",
        "the first seven).",
        "",
    ]
    lines += [f"- `{weapon}`" for weapon in WeaponClass]
    return "\n".join(lines) + "\n"
