"""Build the shipped example agreement ``christmas-2023`` from ../shared/data, reproducibly.

    .venv/bin/python scripts/build_example_agreement.py [--data ../shared/data] [--out DIR]

Inputs (see each folder's SOURCES.md for repository, commit and licence):

- ``deepstate-raw-weekly/1672097126.geojson``: DeepState's layers on 2022-12-26; the
  occupied area is the union of the polygons named Occupied, CADR and CALR, Occupied Crimea
  and Occupied Tuzla Island, clipped to Ukraine (which also drops the satirical polygons).
- ``admin-sites/oblast.geojson``: 27 oblast outlines incl. Kyiv city and Sevastopol, with
  Ukrainian names, mapped to ISO 3166-2 codes and English names by
  ``firms-fires/ukr_oblasts_ids.csv``.
- ``admin-sites/global_power_plant_database_ukraine.csv``: the Zaporizhzhia NPP location.

Running it twice gives byte-identical files (fixed key order, fixed rounding, GEOS's
deterministic operations); ``tests/agreement`` checks the shipped files against a rebuild.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from ceasefire import geo
from ceasefire.agreement.line_of_contact import derive_line

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "ceasefire" / "data" / "agreements" / "christmas-2023"

SNAPSHOT = "deepstate-raw-weekly/1672097126.geojson"  # 2022-12-26 23:25:26 UTC
OCCUPIED_NAMES = frozenset(
    {"Occupied", "CADR and CALR", "Occupied Crimea", "Occupied Tuzla Island"}
)
SIMPLIFY_M = 200.0  # oblast and country outlines; the DeepState polygon is coarser already
GAP_CLOSE_M = 100.0  # DeepState's adjacent layers leave hairline gaps; close them
MIN_PART_KM2 = 0.5  # drop islets and slivers smaller than this
MAX_POCKET_KM2 = 2_000.0  # cut-off pockets of Ukrainian-held land smaller than this are artefacts
DECIMALS = 5  # about 1 m at these latitudes, far below the simplification
ZNPP_ID = "WRI1005114"

ENGLISH_OVERRIDES = {
    "UA43": "Autonomous Republic of Crimea",
    "UA30": "Kyiv City",
    "UA40": "Sevastopol City",
    "UA21": "Zakarpattia Oblast",
}


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _polygons(geometry: BaseGeometry, min_km2: float = MIN_PART_KM2) -> BaseGeometry:
    """Polygon parts of at least ``min_km2`` (metric input), holes under it filled."""
    parts = []
    for part in shapely.get_parts(geometry):
        if part.geom_type != "Polygon" or part.area < min_km2 * 1e6:
            continue
        holes = [r for r in part.interiors if shapely.Polygon(r).area >= min_km2 * 1e6]
        parts.append(shapely.Polygon(part.exterior, holes))
    return shapely.MultiPolygon(sorted(parts, key=lambda p: -p.area))


def _lonlat(geometry_m: BaseGeometry) -> BaseGeometry:
    """Back to lon/lat on a fixed grid; ``set_precision`` keeps the result valid."""
    lonlat = geo.to_lonlat(geometry_m)
    return shapely.set_precision(lonlat, 10.0**-DECIMALS)


def _geojson_text(features: list[dict[str, Any]]) -> str:
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def _feature(geometry_lonlat: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    geom = mapping(geometry_lonlat)
    return {"type": "Feature", "properties": properties, "geometry": _rounded(geom)}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def oblasts(data: Path) -> list[tuple[str, str, BaseGeometry]]:
    """(ISO 3166-2 code, English name, metric geometry) for the 27 oblast-level units."""
    codes: dict[str, tuple[str, str]] = {}
    with (data / "firms-fires" / "ukr_oblasts_ids.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["OBLAST_ID"]
            english = ENGLISH_OVERRIDES.get(code) or f"{row['SUBDIVISION_NAME_EN']} Oblast"
            codes[row["SUBDIVISION_NAME_UKR"]] = (f"UA-{code[2:]}", english)
    raw = _read_json(data / "admin-sites" / "oblast.geojson")
    names: list[tuple[str, str]] = []
    geoms: list[BaseGeometry] = []
    for feature in raw["features"]:
        ukr = feature["properties"]["ADMIN_1"].removeprefix("Місто ")
        names.append(codes[ukr])
        geoms.append(geo.to_metric(shapely.make_valid(shape(feature["geometry"]))))
    # Simplify as a coverage so that neighbours keep sharing their edges.
    simplified = shapely.coverage_simplify(geoms, SIMPLIFY_M)
    out = [
        (code, name, _polygons(shapely.make_valid(g)))
        for (code, name), g in zip(names, simplified, strict=True)
    ]
    return sorted(out)


def occupied(data: Path, country_m: BaseGeometry) -> BaseGeometry:
    """DeepState's occupied area on the snapshot date, clipped to Ukraine, in metres."""
    raw = _read_json(data / SNAPSHOT)
    parts = []
    for feature in raw["features"]:
        names = [p.strip() for p in feature["properties"].get("name", "").split("///")]
        if (
            len(names) > 1
            and names[1] in OCCUPIED_NAMES
            and feature["geometry"]["type"] == "Polygon"
        ):
            parts.append(geo.to_metric(shapely.force_2d(shape(feature["geometry"]))))
    union = shapely.union_all(parts)
    closed = union.buffer(GAP_CLOSE_M, quad_segs=4).buffer(-GAP_CLOSE_M, quad_segs=4)
    clipped = _polygons(shapely.make_valid(shapely.intersection(closed, country_m)))
    # Water bodies inside the outline that DeepState leaves out (the Utliuk and Molochnyi
    # estuaries) would become small "Ukrainian" pockets behind the front, each with a false
    # line around it. Pockets of the rest of the country that are cut off from its main
    # part and small are given to the occupied side.
    rest = shapely.get_parts(_polygons(shapely.make_valid(shapely.difference(country_m, clipped))))
    main_part = max(rest, key=lambda p: p.area)
    pockets = [p for p in rest if p is not main_part and p.area < MAX_POCKET_KM2 * 1e6]
    for pocket in pockets:
        centre = geo.to_lonlat(pocket.representative_point())
        area = pocket.area / 1e6
        where = f"{centre.x:.3f} E {centre.y:.3f} N"
        print(f"pocket of {area:.1f} km2 at {where} given to the occupied side")
    return _polygons(shapely.make_valid(shapely.union_all([clipped, *pockets])))


def znpp(data: Path) -> tuple[float, float]:
    with (data / "admin-sites" / "global_power_plant_database_ukraine.csv").open(
        encoding="utf-8"
    ) as handle:
        for row in csv.DictReader(handle):
            if row["gppd_idnr"] == ZNPP_ID:
                return float(row["longitude"]), float(row["latitude"])
    raise SystemExit(f"{ZNPP_ID} not found")


AGREEMENT_YAML = """\
# Illustrative agreement: as if the Orthodox Christmas truce of 6-7 January 2023 had been a
# full ceasefire. Not a real agreement. Generated by scripts/build_example_agreement.py;
# edit the script, not this file. Format reference: docs/agreement.md.
id: christmas-2023
version: 1
title: Illustrative ceasefire from the Orthodox Christmas truce, 6 January 2023
description: >-
  The truce Russia declared for 12:00 on 6 January to 24:00 on 7 January 2023 (Moscow
  time), written as if it had been a full ceasefire under Minsk-style terms, with the line
  of contact of DeepState's snapshot of 26 December 2022.
effective: 2023-01-06T09:00:00Z          # 12:00 Moscow time
parties: {{UA: Ukraine, RU: Russian Federation}}
guarantors: [US, GB, FR, DE]
line_of_contact:
  occupied_area: lines/occupied-2022-12-26.geojson
  controlled_by: RU
  country_outline: outlines/ukraine.geojson
  admin_areas: outlines/oblasts.geojson
  as_of: 2022-12-26
  border_tolerance_km: 2
  min_segment_km: 5
  source: DeepStateMap.live snapshot 1672097126 (2022-12-26 23:25 UTC)
weapon_classes:
  - {{id: tank, label: Tanks, zone_width_km: 15}}
  - {{id: artillery_lt_100mm, label: Artillery under 100 mm, zone_width_km: 15}}
  - {{id: mortar_le_120mm, label: Mortars up to 120 mm, zone_width_km: 15}}
  - {{id: artillery_100mm_plus, label: Artillery of 100 mm and above, zone_width_km: 50}}
  - {{id: mlrs, label: Multiple rocket launchers, zone_width_km: 70}}
  - {{id: heavy_mlrs, label: "Heavy MLRS (Tornado-S, Uragan, Smerch)", zone_width_km: 140}}
  - {{id: tactical_missile, label: Tactical missile systems (Tochka-U), zone_width_km: 140}}
zones:
  - id: tanks-mortars
    label: 15 km zone (tanks, artillery under 100 mm, mortars)
    band_km: 15
    prohibits: {{weapon_classes: [tank, artillery_lt_100mm, mortar_le_120mm]}}
  - id: artillery
    label: 50 km zone (artillery 100 mm and above)
    band_km: 50
    prohibits: {{weapon_classes: [artillery_100mm_plus]}}
  - id: mlrs
    label: 70 km zone (MLRS)
    band_km: 70
    prohibits: {{weapon_classes: [mlrs]}}
  - id: heavy-mlrs
    label: 140 km zone (heavy MLRS, tactical missiles)
    band_km: 140
    prohibits: {{weapon_classes: [heavy_mlrs, tactical_missile]}}
  - id: free-zone
    label: Economic free zone (Donetsk oblast held by Ukraine)
    polygon: zones/free-zone.geojson
    demilitarised_after: 2023-02-17T00:00:00Z   # six weeks after effective
    illustrative: true
    description: >-
      Illustrative only: the part of Donetsk oblast held by Ukraine on 26 December 2022,
      from which Ukraine would withdraw, as in the reported 2025 free-zone proposal.
  - id: znpp
    label: Zaporizhzhia NPP protected area
    around: {{lon: {znpp_lon}, lat: {znpp_lat}, radius_km: 30}}
    prohibits: {{kinds: [shelling, missile_strike, drone_strike, air_strike, explosion]}}
    description: Plant location from the WRI Global Power Plant Database ({znpp_id}).
rules:
  - id: no-fire
    kinds: [shelling, missile_strike, drone_strike, air_strike, armed_clash, small_arms_fire]
    where: anywhere
    severity: serious
  - id: weapons-in-zone
    kinds: [heavy_weapon_sighting]
    where: {{zone_prohibits_weapon: true}}
    severity: moderate
  - id: fire-near-plant
    kinds: [shelling, missile_strike, drone_strike, air_strike, explosion]
    where: {{zones: [znpp]}}
    severity: serious
  - id: presence-in-free-zone
    kinds: [military_presence, heavy_weapon_sighting]
    where: {{zones: [free-zone]}}
    after: 2023-02-17T00:00:00Z
    severity: moderate
caps:
  - {{party: UA, metric: active_personnel, max: 800000}}
"""

ATTRIBUTION_MD = """\
# Attribution: christmas-2023 example agreement

Illustrative data, built by `scripts/build_example_agreement.py` from `../shared/data`.
It is not a real agreement and the line is not an official one.

## `lines/occupied-2022-12-26.geojson`

- Derived from: the DeepState layers Occupied, CADR and CALR, Occupied Crimea and Occupied
  Tuzla Island of snapshot `1672097126` (2022-12-26 23:25 UTC), unioned, hairline gaps
  closed (100 m), clipped to the outline below; small pockets cut off behind the front
  (estuaries the polygon leaves out) given to the occupied side.
- Source: github.com/DanielRose2310/deepstatemaps-history, `geojsons/1672097126.geojson`,
  commit df633a1700680411949934a4345f1af263327377.
- Credit: data © DeepState UA, DeepStateMap.live; attribution required. The archive has no
  licence file and DeepState's own terms of reuse are not stated: verify before
  redistributing outside the project.

## `outlines/oblasts.geojson`, `outlines/ukraine.geojson`

- Derived from: 27 oblast-level units (incl. Kyiv city UA-30 and Sevastopol UA-40),
  coverage-simplified at 200 m in a metric projection; the country is their union.
- Source: github.com/peacerep/ukraine-map, `data/oblast.geojson`, commit
  5b52b6d10e29d9eead55ab1d0912bfb63e82e722 (upstream github.com/justinelliotmeyers/Ukraine_2020).
  ISO 3166-2 codes and English names: github.com/GianMan89/war-fire-model,
  `data/ukr_oblasts/ukr_oblasts_ids.csv`, commit a4ef95d957f240bc9ba7638cc0c9feb091a0154b (MIT).
- Credit: © OpenStreetMap contributors, ODbL 1.0. Caution: the OSM origin of this particular
  file is not verified (its upstream's TERMS_OF_USE.txt was not read); the OSM-derived
  alternative in ../shared (EugeneBorshch/ukraine_geojson) lacks Kyiv city and Sevastopol
  and is too coarse along the coast.

## `zones/free-zone.geojson`

- Derived from: Donetsk oblast (UA-14) minus the occupied area above; credit as above.

## Zone `znpp` in `agreement.yaml`

- Zaporizhzhia NPP, 47.5119 N 34.5863 E (`{znpp_id}`), from the WRI Global Power Plant
  Database via github.com/peacerep/ukraine-map,
  `data/global_power_plant_database_ukraine.csv`, commit
  471cbc5c1686bd59e833613ee79b3b83c198d381.
- Credit: World Resources Institute, CC BY 4.0.

Weapon-class widths follow the Minsk II package (2015) and its September 2015 addendum.
"""


def build(data: Path, out: Path) -> list[Path]:
    """Write every file of the example under ``out``; return the paths written."""
    units = oblasts(data)
    country_m = _polygons(shapely.union_all([g for _, _, g in units]), min_km2=1.0)
    occupied_m = occupied(data, country_m)
    sides = derive_line(occupied_m, country_m)
    donetsk = next(g for code, _, g in units if code == "UA-14")
    free_zone_m = _polygons(shapely.intersection(donetsk, sides.other_side), min_km2=1.0)
    lon, lat = znpp(data)

    texts: dict[str, str] = {
        "agreement.yaml": AGREEMENT_YAML.format(znpp_lon=lon, znpp_lat=lat, znpp_id=ZNPP_ID),
        "ATTRIBUTION.md": ATTRIBUTION_MD.format(znpp_id=ZNPP_ID),
        "lines/occupied-2022-12-26.geojson": _geojson_text(
            [
                _feature(
                    _lonlat(occupied_m),
                    {"controlled_by": "RU", "as_of": "2022-12-26", "source": "DeepState"},
                )
            ]
        ),
        "outlines/ukraine.geojson": _geojson_text(
            [_feature(_lonlat(country_m), {"name": "Ukraine", "code": "UA"})]
        ),
        "outlines/oblasts.geojson": _geojson_text(
            [_feature(_lonlat(g), {"code": code, "name": name}) for code, name, g in units]
        ),
        "zones/free-zone.geojson": _geojson_text(
            [_feature(_lonlat(free_zone_m), {"zone": "free-zone", "illustrative": True})]
        ),
    }
    written = []
    for relative, text in texts.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the example")
    args = parser.parse_args(argv)
    if not (args.data / SNAPSHOT).is_file():
        print(f"missing {args.data / SNAPSHOT}", file=sys.stderr)
        return 2
    for path in build(args.data, args.out):
        print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
