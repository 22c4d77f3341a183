"""Small hand-made agreements for tests, doctests and examples of the zone engine.

Not real geography: a square "country" of ``half_m`` metres around the metric CRS's origin
(35.5° E, 48.5° N for the default CRS), cut in two by a line of contact, with a band along
the line, a ring (a square with a square hole) and two "oblasts" (north and south halves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon, box
from shapely.geometry.base import BaseGeometry

from ceasefire.agreement.model import (
    AdminArea,
    Agreement,
    Geography,
    Party,
    Zone,
    ZoneShape,
)
from ceasefire.geo import DEFAULT_METRIC_CRS, to_lonlat

CONTROLLED_BY = "RU"
OTHER_PARTY = "UA"


def _zone(zone_id: str, shape: ZoneShape, geometry_m: BaseGeometry, crs: str) -> Zone:
    return Zone(zone_id, zone_id, shape, to_lonlat(geometry_m, crs), geometry_m)


def synthetic_agreement(
    line_m: Sequence[tuple[float, float]] = ((0.0, -100_000.0), (0.0, 100_000.0)),
    half_m: float = 100_000.0,
    band_m: float = 30_000.0,
    ring: tuple[float, float, float, float] = (-60_000.0, -60_000.0, 60_000.0, 60_000.0),
    hole: tuple[float, float, float, float] = (-20_000.0, -20_000.0, 20_000.0, 20_000.0),
    crs: str = DEFAULT_METRIC_CRS,
    centre_m: tuple[float, float] = (0.0, 0.0),
) -> Agreement:
    """An agreement on a square country split by a line running from its south to its north edge.

    The ``controlled_by`` party (``RU``) holds the part east of the line, ``UA`` the rest.
    Zones: ``band`` (within ``band_m`` of the line, inside the country) and ``ring`` (the box
    ``ring`` minus the box ``hole``). Admin areas ``UA-01`` (north half), ``UA-02`` (south).
    Everything is shifted by ``centre_m`` (to place the country far from the central meridian).
    """
    agreement = _synthetic(line_m, half_m, band_m, ring, hole, crs)
    if centre_m == (0.0, 0.0):
        return agreement
    return _shifted(agreement, centre_m)


def _shifted(agreement: Agreement, centre_m: tuple[float, float]) -> Agreement:
    g = agreement.geography
    crs = g.crs

    def move(geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: xy + np.array(centre_m))

    zones = tuple(_zone(z.id, z.shape, move(z.geometry_m), crs) for z in agreement.zones)
    areas = tuple(
        AdminArea(a.code, a.name, to_lonlat(move(a.geometry_m), crs), move(a.geometry_m))
        for a in g.admin_areas
    )
    sides_m = {k: move(v) for k, v in g.sides_m.items()}
    geography = replace(
        g,
        country_m=move(g.country_m),
        line_m=move(g.line_m),
        line_lonlat=to_lonlat(move(g.line_m), crs),
        sides_m=sides_m,
        sides_lonlat={k: to_lonlat(v, crs) for k, v in sides_m.items()},
        admin_areas=areas,
    )
    return replace(agreement, geography=geography, zones=zones)


def _synthetic(
    line_m: Sequence[tuple[float, float]],
    half_m: float,
    band_m: float,
    ring: tuple[float, float, float, float],
    hole: tuple[float, float, float, float],
    crs: str,
) -> Agreement:
    country = box(-half_m, -half_m, half_m, half_m)
    line = LineString(line_m)
    east = shapely.intersection(country, _east_of(line, half_m))
    west = shapely.difference(country, east)
    sides_m = {CONTROLLED_BY: east, OTHER_PARTY: west}
    zones = (
        _zone(
            "band", ZoneShape.BAND, shapely.intersection(shapely.buffer(line, band_m), country), crs
        ),
        _zone("ring", ZoneShape.POLYGON, shapely.difference(box(*ring), box(*hole)), crs),
    )
    north = box(-half_m, 0.0, half_m, half_m)
    south = box(-half_m, -half_m, half_m, 0.0)
    areas = (
        AdminArea("UA-01", "North", to_lonlat(north, crs), north),
        AdminArea("UA-02", "South", to_lonlat(south, crs), south),
    )
    geography = Geography(
        crs=crs,
        country_m=country,
        line_m=line,
        line_lonlat=to_lonlat(line, crs),
        controlled_by=CONTROLLED_BY,
        other_party=OTHER_PARTY,
        sides_m=sides_m,
        sides_lonlat={k: to_lonlat(v, crs) for k, v in sides_m.items()},
        admin_areas=areas,
    )
    return Agreement(
        id="synthetic",
        version=1,
        effective=datetime(2023, 1, 6, 9, 0, tzinfo=UTC),
        parties=(Party(OTHER_PARTY, "Ukraine"), Party(CONTROLLED_BY, "Russian Federation")),
        guarantors=(),
        geography=geography,
        zones=zones,
        weapon_classes=(),
        rules=(),
    )


def _east_of(line: LineString, half_m: float) -> Polygon:
    """The part of a big box east of a south-to-north line (the line must span the box)."""
    far = 4 * half_m
    coords = list(line.coords)
    (x0, _), (x1, _) = coords[0], coords[-1]
    return Polygon([*coords, (x1, far), (far, far), (far, -far), (x0, -far)])


def square_agreement() -> Agreement:
    """The default synthetic agreement (a straight line along the central meridian)."""
    return synthetic_agreement()
