"""Every oblast spelling found in the real files resolves to its ISO 3166-2 code."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ceasefire.observations.areas import OBLASTS, oblast_name, resolve_oblast


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Kharkivska oblast", "UA-63"),
        ("Kharkiv oblast", "UA-63"),
        ("Kharkiv Oblast", "UA-63"),
        ("Kharkiv", "UA-63"),
        ("Харківська область", "UA-63"),
        ("Kyiv City", "UA-30"),
        ("Kiev Special Republican city", "UA-30"),
        ("м. Київ", "UA-30"),
        ("Місто Київ", "UA-30"),
        ("Kyiv", "UA-32"),
        ("Kyivska oblast", "UA-32"),
        ("Sevastopol", "UA-40"),
        ("Місто Севастополь", "UA-40"),
        ("Crimea", "UA-43"),
        ("Avtonomna Respublika Krym", "UA-43"),
        ("Zaporizhzhya oblast", "UA-23"),
        ("Zaporizhia", "UA-23"),
        ("Mykolayiv oblast", "UA-48"),
        ("Odessa oblast", "UA-51"),
        ("Ivano-Frankivska oblast", "UA-26"),
        ("  khmelnytskyi OBLAST ", "UA-68"),
        ("UA-63", "UA-63"),
        ("UA63", "UA-63"),
    ],
)
def test_spellings(name: str, code: str) -> None:
    assert resolve_oblast(name) == code


@pytest.mark.parametrize(
    "name", ["", "Lubenskyi raion", "Kursk oblast", "Atlantis", "UA-99", "south"]
)
def test_not_an_oblast(name: str) -> None:
    assert resolve_oblast(name) is None


def test_table_is_complete() -> None:
    codes = [o.code for o in OBLASTS]
    assert len(codes) == len(set(codes)) == 27
    assert oblast_name("UA-30") == "Kyiv City"


@pytest.mark.shared_data
def test_names_in_the_real_files(shared_data: Path) -> None:
    with open(shared_data / "firms-fires/ukr_oblasts_ids.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = "UA-" + row["OBLAST_ID"].removeprefix("UA")
            assert resolve_oblast(row["NAME_EN"]) in (code, "UA-32")  # "Kyiv" alone: the oblast
            assert resolve_oblast(row["SUBDIVISION_NAME_UKR"]) == code
    outlines = json.loads((shared_data / "admin-sites/UA_FULL_Ukraine.geojson").read_text("utf-8"))
    for feature in outlines["features"]:
        props = feature["properties"]
        assert resolve_oblast(props["name"]) == props["iso3166-2"]
        assert resolve_oblast(props["name:en"]) == props["iso3166-2"]
    oblasts = json.loads((shared_data / "admin-sites/oblast.geojson").read_text("utf-8"))
    assert all(resolve_oblast(f["properties"]["ADMIN_1"]) for f in oblasts["features"])
    with open(shared_data / "conflict-events/UCDP-Ukraine.csv", encoding="cp1252") as fh:
        adm1 = {row["adm_1"] for row in csv.DictReader(fh)} - {""}
    assert {name: resolve_oblast(name) for name in adm1 if resolve_oblast(name) is None} == {}
