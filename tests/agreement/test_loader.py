"""Loading agreements: the valid case, and one test per kind of problem a GIS officer makes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.agreement.model import Severity, ZoneShape
from ceasefire.errors import AgreementError, AgreementErrors

from .conftest import COUNTRY, AgreementFactory, base_spec, polygon_file

Mutate = Callable[[dict[str, Any]], None]


def test_valid_agreement_loads(make_agreement: AgreementFactory) -> None:
    agreement = load_agreement(make_agreement())
    assert agreement.id == "test-agreement"
    assert agreement.effective == datetime(2025, 4, 19, 15, tzinfo=UTC)
    assert agreement.party_codes == ("UA", "RU")
    assert agreement.geography.controlled_by == "RU" and agreement.geography.other_party == "UA"
    assert agreement.geography.line_date == "2025-04-18"
    assert [z.shape for z in agreement.zones] == [
        ZoneShape.BAND,
        ZoneShape.BAND,
        ZoneShape.BAND,
        ZoneShape.POLYGON,
        ZoneShape.AROUND,
    ]
    plant = agreement.zone("plant")
    assert plant.center_lonlat == (33.0, 48.0) and plant.radius_km == 30
    assert plant.geometry_m.area == pytest.approx(3.14159 * 30_000**2, rel=0.01)
    rules = {r.id: r for r in agreement.rules}
    assert rules["no-fire"].after == agreement.effective  # defaults to effective
    assert (
        rules["weapons"].where == "zone_prohibits_weapon"
        and rules["weapons"].severity is Severity.MODERATE
    )
    assert rules["plant-fire"].zones == ("plant",)
    assert agreement.geography.admin_areas[0].code == "TL-01"
    assert len(agreement.content_sha256) == 64


def test_one_sided_band_lies_on_that_side(make_agreement: AgreementFactory) -> None:
    agreement = load_agreement(make_agreement())
    zone = agreement.zone("ua-side")
    ua_side = agreement.geography.sides_m["UA"]
    assert zone.side == "UA"
    assert zone.geometry_m.difference(ua_side).area < 1.0
    # 10 km deep along a ~441 km line
    assert zone.geometry_m.area / 1e6 == pytest.approx(10 * 441, rel=0.03)


def test_content_hash_changes_with_a_geojson_file(make_agreement: AgreementFactory) -> None:
    first = load_agreement(make_agreement())
    moved = [
        [x + 0.01, y]
        for x, y in [[32.0, 47.0], [32.4, 47.0], [32.4, 47.5], [32.0, 47.5], [32.0, 47.0]]
    ]
    second = load_agreement(make_agreement(files={"zones/free.geojson": polygon_file(moved)}))
    assert first.content_sha256 != second.content_sha256


def _set(path: str, value: Any) -> Mutate:
    """A mutation setting ``value`` at a dotted/indexed path such as ``zones[0].band_km``."""

    def mutate(spec: dict[str, Any]) -> None:
        target: Any = spec
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete_yaml(root: Path) -> None:
    (root / "agreement.yaml").unlink()


# (case id, spec mutation, files, yaml text, expected file suffix, key path, reason fragment)
BOWTIE = [[32.0, 47.0], [32.4, 47.5], [32.4, 47.0], [32.0, 47.5], [32.0, 47.0]]
WEB_MERCATOR = [
    [3562000.0, 5942000.0],
    [3606000.0, 5942000.0],
    [3606000.0, 6024000.0],
    [3562000.0, 5942000.0],
]
CASES: list[tuple[str, Mutate | None, dict[str, Any], str | None, str, str, str]] = [
    (
        "yaml-syntax",
        None,
        {},
        "id: x\nzones: [\n  {id: a, band_km: 5\nrules: []\n",
        "agreement.yaml",
        "",
        "YAML syntax error at line 4",
    ),
    (
        "unknown-key",
        _set("zones[0].colour", "red"),
        {},
        None,
        "agreement.yaml",
        "zones[0].colour",
        "unknown key 'colour'",
    ),
    (
        "unknown-top-key-suggests",
        _set("guarantor", ["US"]),
        {},
        None,
        "agreement.yaml",
        "guarantor",
        "did you mean 'guarantors'?",
    ),
    (
        "string-for-number",
        _set("zones[0].band_km", "50"),
        {},
        None,
        "agreement.yaml",
        "zones[0].band_km",
        "Input should be a valid number (got text '50')",
    ),
    ("bool-for-int", _set("version", True), {}, None, "agreement.yaml", "version", "valid integer"),
    (
        "naive-datetime-text",
        _set("effective", "2025-04-19T15:00:00"),
        {},
        None,
        "agreement.yaml",
        "effective",
        "timestamp has no UTC offset",
    ),
    (
        "naive-datetime-yaml",
        _set("effective", datetime(2025, 4, 19, 15)),
        {},
        None,
        "agreement.yaml",
        "effective",
        "timestamp has no UTC offset",
    ),
    (
        "date-for-timestamp",
        _set("zones[3].demilitarised_after", datetime(2025, 6, 1).date()),
        {},
        None,
        "agreement.yaml",
        "zones[3].demilitarised_after",
        "a date is not enough",
    ),
    (
        "two-shapes",
        _set("zones[0].polygon", "zones/free.geojson"),
        {},
        None,
        "agreement.yaml",
        "zones[0]",
        "exactly one of band_km, polygon, around (found: band_km, polygon)",
    ),
    (
        "duplicate-zone-id",
        _set("zones[1].id", "tanks"),
        {},
        None,
        "agreement.yaml",
        "zones[1].id",
        "duplicate zone id 'tanks' (first at zones[0])",
    ),
    (
        "duplicate-rule-id",
        _set("rules[1].id", "no-fire"),
        {},
        None,
        "agreement.yaml",
        "rules[1].id",
        "duplicate rule id 'no-fire'",
    ),
    (
        "undefined-weapon-class",
        _set("zones[0].prohibits.weapon_classes", ["tnak"]),
        {},
        None,
        "agreement.yaml",
        "zones[0].prohibits.weapon_classes[0]",
        "'tnak' is not defined in weapon_classes; did you mean 'tank'?",
    ),
    (
        "non-standard-weapon-class",
        _set("weapon_classes[0].id", "big_gun"),
        {},
        None,
        "agreement.yaml",
        "weapon_classes[0].id",
        "'big_gun' is not a standard weapon class",
    ),
    (
        "band-width-mismatch",
        _set("zones[1].band_km", 50),
        {},
        None,
        "agreement.yaml",
        "zones[1].band_km",
        "band of 50 km prohibits 'mlrs', whose zone_width_km is 70",
    ),
    (
        "rule-unknown-zone",
        _set("rules[2].where.zones", ["plnat"]),
        {},
        None,
        "agreement.yaml",
        "rules[2].where.zones[0]",
        "unknown zone 'plnat'; did you mean 'plant'?",
    ),
    (
        "rule-unknown-kind",
        _set("rules[0].kinds", ["shelling", "shellign"]),
        {},
        None,
        "agreement.yaml",
        "rules[0].kinds[1]",
        "unknown observation kind 'shellign'",
    ),
    (
        "zone-unknown-kind",
        _set("zones[4].prohibits.kinds", ["fire"]),
        {},
        None,
        "agreement.yaml",
        "zones[4].prohibits.kinds[0]",
        "unknown observation kind 'fire'",
    ),
    (
        "bad-where",
        _set("rules[0].where", "everywhere"),
        {},
        None,
        "agreement.yaml",
        "rules[0].where",
        "unknown where 'everywhere'",
    ),
    (
        "cap-unknown-party",
        _set("caps[0].party", "BY"),
        {},
        None,
        "agreement.yaml",
        "caps[0].party",
        "'BY' is not a party (parties: RU, UA)",
    ),
    (
        "controlled-by-not-party",
        _set("line_of_contact.controlled_by", "BY"),
        {},
        None,
        "agreement.yaml",
        "line_of_contact.controlled_by",
        "'BY' is not a party",
    ),
    (
        "three-parties",
        _set("parties", {"UA": "Ukraine", "RU": "Russia", "BY": "Belarus"}),
        {},
        None,
        "agreement.yaml",
        "parties",
        "exactly two belligerent parties",
    ),
    (
        "guarantor-is-party",
        _set("guarantors", ["US", "UA"]),
        {},
        None,
        "agreement.yaml",
        "guarantors[1]",
        "'UA' is a party",
    ),
    (
        "non-metric-crs",
        _set("crs", "EPSG:4326"),
        {},
        None,
        "agreement.yaml",
        "crs",
        "is not a projected CRS in metres",
    ),
    (
        "rule-before-effective",
        _set("rules[0].after", "2025-01-01T00:00:00Z"),
        {},
        None,
        "agreement.yaml",
        "rules[0].after",
        "before the agreement is effective",
    ),
    (
        "missing-geojson",
        None,
        {"zones/free.geojson": None},
        None,
        "agreement.yaml",
        "zones[3].polygon",
        "file not found: zones/free.geojson",
    ),
    (
        "path-escapes",
        _set("zones[3].polygon", "../../etc/passwd"),
        {},
        None,
        "agreement.yaml",
        "zones[3].polygon",
        "must be a relative path inside the agreement directory",
    ),
    (
        "not-json",
        None,
        {"lines/occupied.geojson": "this is not json"},
        None,
        "occupied.geojson",
        "",
        "not GeoJSON: invalid JSON at line 1, column 1",
    ),
    (
        "json-not-geojson",
        None,
        {"lines/occupied.geojson": {"hello": "world"}},
        None,
        "occupied.geojson",
        "type",
        "not GeoJSON: expected a FeatureCollection",
    ),
    (
        "point-not-polygon",
        None,
        {
            "zones/free.geojson": {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [32, 47]},
            }
        },
        None,
        "free.geojson",
        "geometry",
        "expected Polygon or MultiPolygon, found 'Point'",
    ),
    (
        "self-intersection",
        None,
        {"zones/free.geojson": polygon_file(BOWTIE)},
        None,
        "free.geojson",
        "features[0].geometry",
        "self-intersection at lon 32.20000, lat 47.25000",
    ),
    (
        "too-few-points",
        None,
        {"zones/free.geojson": polygon_file([[32.0, 47.0], [32.1, 47.0], [32.0, 47.0]])},
        None,
        "free.geojson",
        "features[0].geometry",
        "too few points in geometry component at lon 32.00000",
    ),
    (
        "unclosed-ring",
        None,
        {
            "zones/free.geojson": polygon_file(
                [[32.0, 47.0], [32.4, 47.0], [32.4, 47.5], [32.0, 47.5]]
            )
        },
        None,
        "free.geojson",
        "features[0].geometry",
        "ring 0 of polygon 0 is not closed",
    ),
    (
        "empty-geometry",
        None,
        {
            "zones/free.geojson": {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": []},
                    }
                ],
            }
        },
        None,
        "free.geojson",
        "features[0].geometry",
        "geometry is empty",
    ),
    (
        "web-mercator-coordinates",
        None,
        {"zones/free.geojson": polygon_file(WEB_MERCATOR)},
        None,
        "free.geojson",
        "features[0].geometry",
        "coordinates are not lon/lat degrees",
    ),
    (
        "declared-crs",
        None,
        {
            "zones/free.geojson": {
                **polygon_file(WEB_MERCATOR),
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
            }
        },
        None,
        "free.geojson",
        "crs",
        "declares CRS urn:ogc:def:crs:EPSG::3857",
    ),
    (
        "zone-outside-country",
        None,
        {
            "zones/free.geojson": polygon_file(
                [[40.0, 47.0], [40.4, 47.0], [40.4, 47.5], [40.0, 47.5], [40.0, 47.0]]
            )
        },
        None,
        "agreement.yaml",
        "zones[3].polygon",
        "lies entirely outside the country",
    ),
    (
        "admin-area-without-code",
        None,
        {"outlines/admin.geojson": polygon_file(COUNTRY, name="No code")},
        None,
        "admin.geojson",
        "features[0].properties",
        "need text properties code and name",
    ),
    (
        "duplicate-yaml-key",
        None,
        {},
        "id: a\nversion: 1\nid: b\n",
        "agreement.yaml",
        "id",
        "key 'id' appears twice (lines 1 and 3)",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "files", "yaml_text", "file_suffix", "key_path", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_problem_is_reported(
    make_agreement: AgreementFactory,
    mutate: Mutate | None,
    files: dict[str, Any],
    yaml_text: str | None,
    file_suffix: str,
    key_path: str,
    reason: str,
) -> None:
    spec = copy.deepcopy(base_spec())
    if mutate is not None:
        mutate(spec)
    root = make_agreement(spec=spec, files=files, yaml_text=yaml_text)
    with pytest.raises(AgreementErrors) as caught:
        load_agreement(root)
    matches = [
        p for p in caught.value.problems if p.key_path == key_path and p.file.endswith(file_suffix)
    ]
    assert matches, f"no problem at {file_suffix} {key_path!r}; got:\n{caught.value}"
    assert any(reason in p.reason for p in matches), (
        f"reason {reason!r} not in {[p.reason for p in matches]}"
    )


def test_missing_agreement_file(make_agreement: AgreementFactory) -> None:
    root = make_agreement()
    (root / "agreement.yaml").unlink()
    with pytest.raises(AgreementErrors) as caught:
        load_agreement(root)
    [problem] = caught.value.problems
    assert problem.file.endswith("agreement.yaml") and problem.reason == "file not found"


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(AgreementErrors, match="agreement directory not found"):
        load_agreement(tmp_path / "nowhere")


def test_all_problems_are_reported_in_one_pass(make_agreement: AgreementFactory) -> None:
    spec = base_spec()
    spec["zones"][0]["band_km"] = "15"  # type error in one zone ...
    spec["rules"][2]["where"]["zones"] = ["nowhere"]  # ... a cross-reference error in a rule ...
    spec["caps"][0]["party"] = "BY"  # ... and in a cap ...
    root = make_agreement(
        spec=spec, files={"zones/free.geojson": polygon_file(BOWTIE)}
    )  # ... and a geometry
    with pytest.raises(AgreementErrors) as caught:
        load_agreement(root)
    keys = {p.key_path for p in caught.value.problems}
    assert {
        "zones[0].band_km",
        "rules[2].where.zones[0]",
        "caps[0].party",
        "features[0].geometry",
    } <= keys
    assert all(isinstance(p, AgreementError) for p in caught.value.problems)
    assert "4 problem(s)" in str(caught.value)


def test_problems_in_yaml_carry_line_numbers(make_agreement: AgreementFactory) -> None:
    text = (example_agreement_dir() / "agreement.yaml").read_text(encoding="utf-8")
    text = text.replace("band_km: 50", "band_km: '50'")
    root = make_agreement(yaml_text=text)
    with pytest.raises(AgreementErrors) as caught:
        load_agreement(root)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "band_km: '50'" in t)
    [problem] = [p for p in caught.value.problems if p.key_path == "zones[1].band_km"]
    assert problem.reason.endswith(f"(line {line})")


def test_custom_weapon_class_with_reason_is_accepted(make_agreement: AgreementFactory) -> None:
    spec = base_spec()
    spec["weapon_classes"].append(
        {"id": "naval_gun", "label": "Naval guns", "custom_reason": "Black Sea annex"}
    )
    assert load_agreement(make_agreement(spec=spec)).weapon_classes[-1].id == "naval_gun"


def test_unknown_example_name() -> None:
    with pytest.raises(AgreementError, match="available: .*christmas-2023"):
        example_agreement_dir("no-such-example")
