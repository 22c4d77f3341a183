"""Ukraine's Air Force daily reports of missile and drone attacks, as ``aerial_attack_report``.

One row is a party's aggregate report for a window ("from 18:00 to 08:30, N Shahed drones
were launched from X, M destroyed"), not a located strike: the kind is
``aerial_attack_report`` (see taxonomy), located by area. A row naming several models
("X-101/X-555 and Kalibr") stays one observation; the models are listed in the attributes
with the weapon class of each, and ``weapon_class`` is set when every named model has the
same known class.

Time: ``time_start``/``time_end`` are Kyiv wall-clock time (the Air Force's report windows
such as 18:00 -> 08:30 only make sense as local time), converted with the zone database so
that summer and winter time are right. A date without a time means the whole Kyiv day
(start of ``time_start``'s day to end of ``time_end``'s day). Wall-clock times that occur
twice when clocks go back are read as the first (summer-time) occurrence. A row ending
before it starts is rejected naming ``time_end``.

Area: the "affected region" column when filled, else ``target``, split on " and ": each
part's first comma-separated piece names an oblast ("Odesa oblast") or a city mapped to its
oblast below ("Kryvyi Rih"); a following piece naming a raion is kept as the detail
("UA-12/Kryvyi Rih Raion"). One area -> that code; several -> ``UA`` with the codes in
``target_areas``; none (``Ukraine``, "south", "front line") -> ``UA``.
"""

from __future__ import annotations

import re
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
    parse_records,
    text,
)
from ceasefire.observations.sources.base import (
    DEFAULT_CHUNK_ROWS,
    CsvRecord,
    ParsedChunk,
    content_id,
    decode_text,
    read_file_facts,
)
from ceasefire.observations.taxonomy import Kind, WeaponClass
from ceasefire.timeutil import KYIV, local_to_utc

SOURCE = "attacks"
REQUIRED = ("time_start", "time_end", "model", "target", "launched", "destroyed")
COUNT_COLUMNS = ("launched", "destroyed", "not_reach_goal", "still_attacking")

# Model -> weapon class. Built from missiles_and_uavs.csv in the same dataset (piterfm's
# "Massive Missile Attacks on Ukraine", columns model/category/type): loitering munitions
# -> attack_drone, reconnaissance UAVs -> reconnaissance_drone, category "ballistic missile"
# -> ballistic_missile (Kinzhal included, as the file and the Air Force count it),
# category "cruise missile" -> cruise_missile except the Kh-31 family (air-to-surface /
# anti-radiation: guided_air_missile), guided bombs -> glide_bomb. Left out on purpose,
# because the class would be a guess: "Unknown UAV", "Unknown Missile", "Aerial Bomb", and
# S-300/S-400 surface-to-air missiles fired at ground targets.
MODEL_CLASSES: dict[str, WeaponClass] = {
    **dict.fromkeys(
        ("shahed-136/131", "lancet", "kub", "молнія", "orion"), WeaponClass.ATTACK_DRONE
    ),
    **dict.fromkeys(
        (
            "orlan-10",
            "orlan-30",
            "supercam",
            "zala",
            "eleron",
            "forpost",
            "granat-4",
            "merlin-vr",
            "mohajer-6",
            "reconnaissance uav",
            "фенікс",
            "картограф",
        ),
        WeaponClass.RECONNAISSANCE_DRONE,
    ),
    **dict.fromkeys(
        (
            "iskander-m",
            "kn-23",
            "iskander-m/kn-23",
            "x-47 kinzhal",
            "ballistic missile",
            "intercontinental ballistic missile",
        ),
        WeaponClass.BALLISTIC_MISSILE,
    ),
    **dict.fromkeys(
        (
            "x-101/x-555",
            "kalibr",
            "iskander-k",
            "3m22 zircon",
            "banderol",
            "p-800 oniks",
            "x-22",
            "x-32",
            "x-35",
            "x-59",
            "x-59mk2",
            "x-69",
            "x-59/x-69",
        ),
        WeaponClass.CRUISE_MISSILE,
    ),
    **dict.fromkeys(("x-31", "x-31p", "x-31pd"), WeaponClass.GUIDED_AIR_MISSILE),
    "gbu": WeaponClass.GLIDE_BOMB,
}

# Places named as targets that are cities or landmarks rather than oblasts. "Kyiv" alone in
# these reports is the city (resolve_oblast reads "Kyiv" as the oblast, ACLED's usage).
PLACE_OBLASTS: dict[str, str] = {
    "kyiv": "UA-30",
    "kryvyi rih": "UA-12",
    "kramatorsk": "UA-14",
    "starokostiantyniv": "UA-68",
    "kolomyia": "UA-26",
    "ochakiv": "UA-48",
    "snake island": "UA-51",
    "pavlohrad": "UA-12",
    "nikopol": "UA-12",
    "kremenchuk": "UA-53",
    "bila tserkva": "UA-32",
    "uman": "UA-71",
    "izmail": "UA-51",
    "pivdennyi": "UA-51",
    "chornomorsk": "UA-51",
    "burshtyn": "UA-26",
}

_MINUTES = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::\d{2})?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def models_of(model: str) -> list[str]:
    """The models a row names ("X-101/X-555 and Kalibr" -> two models).

    >>> models_of("X-101/X-555 and Kalibr and Iskander-K")
    ['X-101/X-555', 'Kalibr', 'Iskander-K']
    """
    return [m.strip() for m in model.split(" and ") if m.strip()]


def weapon_class_of(models: list[str]) -> WeaponClass | None:
    """The one class all ``models`` share, or None when any is unknown or they differ.

    >>> weapon_class_of(["X-101/X-555", "Kalibr"]), weapon_class_of(["Shahed-136/131", "Lancet"])
    (<WeaponClass.CRUISE_MISSILE: 'cruise_missile'>, <WeaponClass.ATTACK_DRONE: 'attack_drone'>)
    >>> weapon_class_of(["X-47 Kinzhal", "X-101/X-555"]) is None
    True
    """
    classes = {MODEL_CLASSES.get(m.lower()) for m in models}
    if len(classes) != 1 or None in classes:
        return None
    return classes.pop()


def _time(fields: dict[str, str], name: str, end: bool) -> tuple[datetime, str]:
    cell = text(fields, name, required=True)
    match = _MINUTES.match(cell)
    try:
        if match:
            day = date.fromisoformat(match.group(1))
            hour, minute = int(match.group(2)), int(match.group(3))
            return local_to_utc(
                datetime(day.year, day.month, day.day, hour, minute), KYIV
            ), "minute"
        if _DAY.match(cell):
            bounds = kyiv_day(date.fromisoformat(cell))
            return (bounds[1] if end else bounds[0]), "day"
    except ValueError:
        pass
    raise RowRejected(
        name, f"{cell!r} is not a Kyiv time (YYYY-MM-DD HH:MM) or a date (YYYY-MM-DD)"
    )


def target_areas(target: str) -> tuple[list[str], list[str]]:
    """Area references for a target text, and the parts that name no place in Ukraine.

    >>> target_areas("Dnipropetrovsk oblast, Kryvyi Rih Raion and Kyiv")
    (['UA-12/Kryvyi Rih Raion', 'UA-30'], [])
    >>> target_areas("south and Kursk oblast")
    ([], ['south', 'Kursk oblast'])
    """
    areas: list[str] = []
    unresolved: list[str] = []
    for part in (p.strip() for p in target.split(" and ")):
        if not part:
            continue
        pieces = [p.strip() for p in _PARENTHESES.sub("", part).split(",")]
        code = PLACE_OBLASTS.get(pieces[0].lower()) or resolve_oblast(pieces[0])
        if code is None:
            unresolved.append(part)
            continue
        detail = next((p for p in pieces[1:] if p.lower().endswith("raion")), "")
        area = f"{code}/{detail}" if detail else code
        if area not in areas:
            areas.append(area)
    return areas, unresolved


def _parse(record: CsvRecord | Line, origin: Origin) -> Observation:
    assert isinstance(record, CsvRecord)
    f = record.fields
    start, start_precision = _time(f, "time_start", end=False)
    end, end_precision = _time(f, "time_end", end=True)
    if end < start:
        raise RowRejected(
            "time_end", f"{text(f, 'time_end')} is before time_start {text(f, 'time_start')}"
        )
    model = text(f, "model", required=True)
    models = models_of(model)
    counts = {c: count(f, c) for c in COUNT_COLUMNS if c in f}
    target = text(f, "affected region") or text(f, "target")
    areas, unresolved = target_areas(target)
    oblasts = sorted({a.split("/")[0] for a in areas})
    area = areas[0] if len(areas) == 1 else ("UA" if len(oblasts) != 1 else oblasts[0])
    handled = {"time_start", "time_end", "model", *COUNT_COLUMNS}
    attributes: dict[str, object] = {
        c: v for c in f if c not in handled and c != "__error__" and (v := text(f, c))
    }
    attributes.update(counts)
    attributes.update(
        model=model,
        models=models,
        model_classes=[
            str(MODEL_CLASSES[m.lower()]) if m.lower() in MODEL_CLASSES else None for m in models
        ],
        time_start_kyiv=text(f, "time_start"),
        time_end_kyiv=text(f, "time_end"),
        time_precision="minute" if start_precision == end_precision == "minute" else "day",
        target_areas=areas,
        target_unresolved=unresolved,
    )
    weapon = weapon_class_of(models)
    return Observation(
        source=SOURCE,
        source_id=content_id(
            *(
                text(f, c)
                for c in ("time_start", "time_end", "model", "launch_place", "target", "source")
            )
        ),
        observed_at=start,
        observed_until=end,
        kind=Kind.AERIAL_ATTACK_REPORT,
        raw=record.raw,
        area=area,
        weapon_class=None if weapon is None else str(weapon),
        attributes=attributes,
        origin=origin,
    )


class AttackReportSource:
    """Ukraine's Air Force daily missile and drone attack reports (CSV, Kyiv local time)."""

    name = "attacks"
    description = "Daily missile and drone attack reports of Ukraine's Air Force (Kyiv local time)"

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` in chunks of at most ``chunk_rows`` records."""
        facts = read_file_facts(path)
        records = csv_records(facts, decode_text(facts), REQUIRED)
        return parse_records(SOURCE, facts, records, chunk_rows, _parse)
