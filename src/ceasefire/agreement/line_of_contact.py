"""The line of contact, derived from the occupied area and the country outline.

The occupied area's outline runs along three kinds of edge: the state border (with Russia
or Belarus), the coast, and the front. Only the front is the line of contact. It is the
part of the boundary of ``occupied ∩ country`` that is not within ``border_tolerance`` of
the country outline's own boundary (which is the state border plus the coast), with short
leftover pieces dropped. Buffering the whole occupied outline instead would put security
zones along the Russian border and the Azov coast, which no agreement means.

All geometry here is in metres (the agreement's metric CRS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from ceasefire.agreement.model import Geography

# Tolerance buffers only mark "close to the border"; few segments per quarter circle is enough.
_QUAD_SEGS_TOLERANCE = 4
# Clipping two independently drawn outlines leaves hairline slivers along the border and the
# coast; parts of a side smaller than this (a hectare) are dropped. Real islets are larger.
_MIN_PART_M2 = 10_000.0


@dataclass(frozen=True, slots=True)
class DerivedLine:
    """The line of contact and the two sides, in metres."""

    line: BaseGeometry  # MultiLineString (possibly empty)
    controlled_side: BaseGeometry  # occupied ∩ country
    other_side: BaseGeometry  # country − occupied
    dropped_pieces: int  # pieces shorter than the minimum length that were dropped


def derive_line(
    occupied_m: BaseGeometry,
    country_m: BaseGeometry,
    *,
    border_tolerance_m: float = 2_000.0,
    min_piece_m: float = 5_000.0,
) -> DerivedLine:
    """Derive the line of contact and both sides from the occupied area and the country.

    A square country whose west half is occupied has a 100 km line down the middle:

    >>> from shapely.geometry import box
    >>> country = box(0, 0, 100_000, 100_000)
    >>> result = derive_line(box(-5_000, -5_000, 50_000, 105_000), country)
    >>> round(result.line.length), round(result.controlled_side.area / 1e6)
    (96000, 5000)

    (The 2 km at each end, along the border, are within the border tolerance.)
    """
    controlled = _polygonal(
        shapely.make_valid(shapely.intersection(occupied_m, country_m)), _MIN_PART_M2
    )
    other = _polygonal(shapely.make_valid(shapely.difference(country_m, controlled)), _MIN_PART_M2)
    boundary = controlled.boundary
    if boundary.is_empty:
        return DerivedLine(MultiLineString(), controlled, other, 0)
    # Only the stretch of the outline near the occupied area matters; clipping first keeps
    # the tolerance buffer small (the whole coastline and western border are skipped).
    minx, miny, maxx, maxy = boundary.bounds
    pad = border_tolerance_m * 2
    outline = shapely.clip_by_rect(
        country_m.boundary, minx - pad, miny - pad, maxx + pad, maxy + pad
    )
    near_outline = shapely.buffer(outline, border_tolerance_m, quad_segs=_QUAD_SEGS_TOLERANCE)
    front = shapely.line_merge(shapely.difference(boundary, near_outline))
    pieces = [g for g in _lines(front)]
    kept = [g for g in pieces if g.length >= min_piece_m]
    return DerivedLine(MultiLineString(kept), controlled, other, len(pieces) - len(kept))


def _lines(geometry: BaseGeometry) -> list[LineString]:
    parts = shapely.get_parts(geometry)
    return [p for p in parts if isinstance(p, LineString) and not p.is_empty]


def _polygonal(geometry: BaseGeometry, min_area_m2: float = 0.0) -> BaseGeometry:
    """Keep only the polygons of a geometry (intersections leave stray lines, points, slivers)."""
    flat = shapely.get_parts(shapely.get_parts(geometry))  # collections may hold multi-parts
    parts = [p for p in flat if p.geom_type == "Polygon" and p.area > min_area_m2]
    if not parts:
        return shapely.MultiPolygon()
    return shapely.union_all(parts)


def band(line_m: BaseGeometry, width_km: float, within: BaseGeometry) -> BaseGeometry:
    """A security band of total ``width_km`` (half on each side of the line) clipped to ``within``.

    Minsk widths are total widths: a 50 km zone keeps weapons 25 km back on each side. For a
    one-sided band pass that side as ``within`` and the depth times two as ``width_km``.
    """
    if line_m.is_empty:
        return shapely.MultiPolygon()
    buffered = shapely.buffer(line_m, width_km * 500.0)
    return _polygonal(shapely.intersection(buffered, within))


def party_at_xy(geography: Geography, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """The party controlling each metric point, or ``""`` outside the country.

    Vectorised over whole arrays (prepared ``intersects_xy``); a point exactly on the line
    counts for the controlling party, whose side is tested first.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    out = np.full(xs.shape, "", dtype=object)
    for party in (geography.controlled_by, geography.other_party):
        side = geography.sides_m[party]
        shapely.prepare(side)
        free = out == ""
        inside = np.zeros(xs.shape, dtype=bool)
        inside[free] = shapely.intersects_xy(side, xs[free], ys[free])
        out[inside] = party
    return out.astype(np.str_)
