"""Factories for agreement directories: a small synthetic country and a valid agreement.

The country is the lon/lat box 30–34 E, 46–50 N; the occupied area is everything east of
32.5 E (it runs past the eastern border, as DeepState's polygons do). The derived line of
contact is therefore the meridian 32.5 E, about 445 km long minus the border tolerance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

COUNTRY = [[30.0, 46.0], [34.0, 46.0], [34.0, 50.0], [30.0, 50.0], [30.0, 46.0]]
OCCUPIED = [[32.5, 45.5], [35.0, 45.5], [35.0, 50.5], [32.5, 50.5], [32.5, 45.5]]
FREE_ZONE = [[32.0, 47.0], [32.4, 47.0], [32.4, 47.5], [32.0, 47.5], [32.0, 47.0]]


def polygon_file(ring: list[list[float]], **properties: Any) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def base_spec() -> dict[str, Any]:
    return {
        "id": "test-agreement",
        "version": 1,
        "title": "Test",
        "effective": "2025-04-19T15:00:00Z",
        "parties": {"UA": "Ukraine", "RU": "Russian Federation"},
        "guarantors": ["US", "GB"],
        "line_of_contact": {
            "occupied_area": "lines/occupied.geojson",
            "controlled_by": "RU",
            "country_outline": "outlines/country.geojson",
            "admin_areas": "outlines/admin.geojson",
            "as_of": "2025-04-18",
        },
        "weapon_classes": [
            {"id": "tank", "label": "Tanks", "zone_width_km": 15},
            {"id": "mlrs", "label": "MLRS", "zone_width_km": 70},
        ],
        "zones": [
            {"id": "tanks", "band_km": 15, "prohibits": {"weapon_classes": ["tank"]}},
            {"id": "mlrs", "band_km": 70, "prohibits": {"weapon_classes": ["mlrs"]}},
            {
                "id": "ua-side",
                "band_km": 10,
                "side": "UA",
                "prohibits": {"weapon_classes": ["mlrs"]},
            },
            {
                "id": "free-zone",
                "polygon": "zones/free.geojson",
                "demilitarised_after": "2025-06-01T00:00:00Z",
            },
            {
                "id": "plant",
                "around": {"lon": 33.0, "lat": 48.0, "radius_km": 30},
                "prohibits": {"kinds": ["shelling", "explosion"]},
            },
        ],
        "rules": [
            {
                "id": "no-fire",
                "kinds": ["shelling", "armed_clash"],
                "where": "anywhere",
                "severity": "serious",
            },
            {
                "id": "weapons",
                "kinds": ["heavy_weapon_sighting"],
                "where": {"zone_prohibits_weapon": True},
                "severity": "moderate",
            },
            {
                "id": "plant-fire",
                "kinds": ["shelling"],
                "where": {"zones": ["plant"]},
                "severity": "serious",
            },
        ],
        "caps": [{"party": "UA", "metric": "active_personnel", "max": 800000}],
    }


AgreementFactory = Callable[..., Path]


@pytest.fixture
def make_agreement(tmp_path: Path) -> AgreementFactory:
    """Write an agreement directory.

    ``spec`` replaces the YAML data, ``yaml_text`` the whole file; ``files`` add or replace
    files (``None`` leaves a file out).
    """
    counter = iter(range(1_000_000))

    def make(
        spec: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        yaml_text: str | None = None,
    ) -> Path:
        root = tmp_path / f"agreement-{next(counter)}"
        contents: dict[str, Any] = {
            "outlines/country.geojson": polygon_file(COUNTRY, name="Testland"),
            "outlines/admin.geojson": polygon_file(COUNTRY, code="TL-01", name="Only Oblast"),
            "lines/occupied.geojson": polygon_file(OCCUPIED),
            "zones/free.geojson": polygon_file(FREE_ZONE),
        }
        contents.update(files or {})
        for relative, content in contents.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                continue
            path.write_text(
                content if isinstance(content, str) else json.dumps(content), encoding="utf-8"
            )
        text = (
            yaml_text
            if yaml_text is not None
            else yaml.safe_dump(spec if spec is not None else base_spec(), sort_keys=False)
        )
        (root / "agreement.yaml").write_text(text, encoding="utf-8")
        return root

    return make
