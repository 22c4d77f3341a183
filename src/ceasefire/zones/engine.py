"""The zone engine: for many points at once, their zones, distance to the line, side and oblast.

``ZoneEngine.build(agreement)`` precomputes, once per agreement, a lon/lat lattice over the
agreement's area (:mod:`ceasefire.zones.grid`) whose cells are classified against every zone,
the two sides and the oblasts, and per-cell candidate segments of the line of contact
(:mod:`ceasefire.zones.distance`). ``assess`` then answers most points by array indexing and
gives only points in cells crossed by a boundary the exact shapely test, so its answers are
those of the plain predicates in the agreement's metric CRS, at array speed.

Semantics (all in ``agreement.geography.crs``, points projected with ``geo.project_xy``):

- zones are closed sets: a point on a zone's boundary is in the zone, a point in a hole is
  not (``shapely.intersects_xy``);
- ``side``: ``controlled_by`` if the point intersects ``sides_m[controlled_by]``, else the other
  party if it intersects ``sides_m[other_party]``, else ``""`` (outside the country). A point
  on the line of contact belongs to both closed sides and is given to ``controlled_by``;
- ``oblast``: the ISO code of the first admin area (in the agreement's order) the point
  intersects, ``""`` if none;
- ``signed_distance_m``: the distance to the line of contact, positive on the
  ``controlled_by`` party's side and negative on the other party's side. Outside the country
  the sign is that of the nearer side (positive on a tie). NaN for rows without a point or
  when the agreement has no line;
- rows without a finite point (area-only observations) are in no zone, have side ``""``,
  NaN distance, and as oblast the part of ``area`` before ``/`` when it is a known code.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.agreement.model import Agreement
from ceasefire.errors import GeometryError
from ceasefire.geo import FloatArray, check_metric_crs, project_xy
from ceasefire.zones.distance import LineDistanceIndex, segments_of
from ceasefire.zones.grid import (
    IN,
    UNCERTAIN,
    LonLatGrid,
    classify,
    first_match,
    first_match_labels,
)

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

DEFAULT_CELL_M = 500.0
"""Lattice cell width for membership, sides and oblasts (about; exact in degrees)."""
DEFAULT_LEVELS = 7
"""Coarsest blocks while building: ``2**7`` cells (about 64 km)."""
DISTANCE_COARSENING = 2
"""The distance lattice has cells ``2**2`` times wider than the membership lattice."""
LABEL_FINEST_LEVEL = 1
"""Side and oblast labels stop refining at blocks of ``2**1`` cells (about 1 km): the finest
level would double their build time to spare a few thousand exact tests per million points."""
_MARGIN_DEG = 0.05


@dataclass(frozen=True)
class ZoneAssessment:
    """The engine's answers, as columns: row ``i`` describes input point ``i``.

    >>> a = ZoneAssessment(("z1", "z2"), np.array([[True, False], [True, True]]),
    ...                    np.array([1.0, -2.0]), np.array(["RU", "UA"]), np.array(["UA-14", ""]))
    >>> a.zones_of(1)
    ('z1', 'z2')
    >>> len(a)
    2
    """

    zone_ids: tuple[str, ...]
    in_zone: BoolArray  # (n, len(zone_ids))
    signed_distance_m: FloatArray
    side: StrArray
    oblast: StrArray

    def __len__(self) -> int:
        return len(self.signed_distance_m)

    def zones_of(self, i: int) -> tuple[str, ...]:
        """The ids of the zones row ``i`` is in."""
        return tuple(
            z for z, hit in zip(self.zone_ids, self.in_zone[i].tolist(), strict=True) if hit
        )

    def zone_column(self, zone_id: str) -> BoolArray:
        """Membership of every row in one zone."""
        return self.in_zone[:, self.zone_ids.index(zone_id)]


def _polygonal(what: str, geometry: BaseGeometry) -> BaseGeometry:
    if not geometry.is_empty and shapely.get_dimensions(geometry) != 2:
        raise GeometryError(
            f"{what}: a zone engine area must be polygonal, got {geometry.geom_type}"
        )
    shapely.prepare(geometry)
    return geometry


class _Labels:
    """A first-match labelling (sides, oblasts) with its lattice and exact fallback."""

    def __init__(self, grid: LonLatGrid, geometries: list[BaseGeometry], finest: int) -> None:
        self.geometries = geometries
        self.bounds = np.array([shapely.bounds(g) for g in geometries]).reshape(-1, 4)
        self.none = len(geometries)
        self.cells = first_match_labels(grid, geometries, finest)

    def lookup(
        self, cell: npt.NDArray[np.int64], in_grid: BoolArray, has_point: BoolArray
    ) -> npt.NDArray[np.int16]:
        """Label per row from the lattice; ``-1`` where the exact test must decide."""
        label = self.cells[cell]
        label[~in_grid] = np.where(has_point[~in_grid], -1, self.none)
        return label

    def resolve(self, label: npt.NDArray[np.int16], x: FloatArray, y: FloatArray) -> None:
        """Replace ``-1`` labels (rows whose x/y are given) by the first geometry hit."""
        rows = np.flatnonzero(label == -1)
        if len(rows):
            label[rows] = first_match(self.geometries, self.bounds, x[rows], y[rows])


class ZoneEngine:
    """Zones, side, oblast and signed distance to the line for many points at once.

    Build once per agreement with :meth:`build`; then call :meth:`assess` on whole columns.

    >>> from ceasefire.zones.testing import square_agreement
    >>> engine = ZoneEngine.build(square_agreement())
    >>> engine.zone_ids
    ('band', 'ring')
    """

    zone_ids: tuple[str, ...]

    def __init__(
        self,
        agreement: Agreement,
        grid: LonLatGrid,
        zones: list[BaseGeometry],
        planes: list[npt.NDArray[np.uint16]],
        sides: _Labels,
        oblasts: _Labels,
        distance: LineDistanceIndex,
        side_tree: shapely.STRtree | None,
        side_tags: npt.NDArray[np.int8],
    ) -> None:
        geography = agreement.geography
        self.crs = geography.crs
        self.zone_ids = tuple(z.id for z in agreement.zones)
        self.grid = grid
        self._zones = zones
        self._planes = planes
        self._sides = sides
        self._oblasts = oblasts
        self._distance = distance
        self._side_tree = side_tree
        self._side_tags = side_tags
        self._side_names = np.array([geography.controlled_by, geography.other_party, ""])
        codes = [area.code for area in geography.admin_areas]
        self._oblast_names = np.array([*codes, ""])
        self._oblast_index = {code: i for i, code in enumerate(codes)}

    @classmethod
    def build(
        cls, agreement: Agreement, cell_m: float = DEFAULT_CELL_M, levels: int = DEFAULT_LEVELS
    ) -> ZoneEngine:
        """Precompute the lattices for ``agreement`` (a few seconds for a country)."""
        geography = agreement.geography
        check_metric_crs(geography.crs)
        zones = [_polygonal(f"zone {z.id}", z.geometry_m) for z in agreement.zones]
        parties = (geography.controlled_by, geography.other_party)
        sides = [_polygonal(f"side {p}", geography.sides_m[p]) for p in parties]
        areas = [_polygonal(f"admin area {a.code}", a.geometry_m) for a in geography.admin_areas]
        lonlat = [
            *(z.geometry_lonlat for z in agreement.zones),
            *(geography.sides_lonlat[p] for p in parties),
            *(a.geometry_lonlat for a in geography.admin_areas),
            geography.line_lonlat,
        ]
        extent = shapely.total_bounds([g for g in lonlat if not g.is_empty])
        if not np.all(np.isfinite(extent)):
            extent = np.array([0.0, 0.0, 1.0, 1.0])  # nothing to cover: a token lattice
        minx, miny, maxx, maxy = (float(v) for v in extent)
        bounds = (minx - _MARGIN_DEG, miny - _MARGIN_DEG, maxx + _MARGIN_DEG, maxy + _MARGIN_DEG)
        grid = LonLatGrid.covering(bounds, cell_m, levels, geography.crs)
        planes = []
        for first in range(0, len(zones), 8):
            plane = np.zeros(grid.size, dtype=np.uint16)
            for bit, geometry in enumerate(zones[first : first + 8]):
                state = classify(grid, geometry).ravel()
                plane |= (state == IN).astype(np.uint16) << bit
                plane |= (state == UNCERTAIN).astype(np.uint16) << (bit + 8)
            planes.append(plane)
        coarsening = min(DISTANCE_COARSENING, levels)
        distance = LineDistanceIndex.build(grid.coarsened(coarsening), geography.line_m)
        side_segments = [segments_of(g) for g in sides]
        all_segments = np.concatenate(side_segments)
        side_tags = np.repeat(np.arange(2, dtype=np.int8), [len(s) for s in side_segments])
        side_tree = (
            shapely.STRtree(shapely.linestrings(all_segments)) if len(all_segments) else None
        )
        engine = cls(
            agreement,
            grid,
            zones,
            planes,
            _Labels(grid, sides, min(LABEL_FINEST_LEVEL, levels)),
            _Labels(grid, areas, min(LABEL_FINEST_LEVEL, levels)),
            distance,
            side_tree,
            side_tags,
        )
        logger.info(
            "zone engine for %s v%s: %d x %d cells",
            agreement.id,
            agreement.version,
            grid.nx,
            grid.ny,
        )
        return engine

    # --- membership ----------------------------------------------------------------------

    def _membership(
        self,
        lon: FloatArray,
        lat: FloatArray,
        cell: npt.NDArray[np.int64],
        in_grid: BoolArray,
        has_point: BoolArray,
        xy: tuple[FloatArray, FloatArray] | None,
    ) -> tuple[BoolArray, tuple[FloatArray, FloatArray] | None, npt.NDArray[np.int64]]:
        n, k = len(lon), len(self._zones)
        in_zone = np.zeros((n, k), dtype=bool)
        outside = np.flatnonzero(~in_grid)
        unsure: list[tuple[int, npt.NDArray[np.int64]]] = []
        for p, plane in enumerate(self._planes):
            code = plane[cell]
            code[outside] = np.where(has_point[outside], 0xFF00, 0)
            width = min(8, k - 8 * p)
            low = (code & 0xFF).astype(np.uint8)
            in_zone[:, 8 * p : 8 * p + width] = np.unpackbits(
                low[:, None], axis=1, bitorder="little"
            )[:, :width].view(bool)
            high = (code >> 8).astype(np.uint8)
            rows = np.flatnonzero(high)
            if len(rows):
                bits = np.unpackbits(high[rows][:, None], axis=1, bitorder="little")[:, :width]
                for bit in range(width):
                    unsure.append((8 * p + bit, rows[bits[:, bit].astype(bool)]))
        need = (
            np.unique(np.concatenate([r for _, r in unsure])) if unsure else np.empty(0, np.int64)
        )
        if xy is None:
            # project only the rows the lattice could not decide
            x = np.full(n, np.nan)
            y = np.full(n, np.nan)
            x[need], y[need] = project_xy(lon[need], lat[need], self.crs)
            xy = (x, y)
        x, y = xy
        with np.errstate(divide="ignore", invalid="ignore"):  # GEOS's leftover float flags
            for zone, rows in unsure:
                in_zone[rows, zone] = shapely.intersects_xy(self._zones[zone], x[rows], y[rows])
        return in_zone, xy, need

    def in_zones(self, lon: FloatArray, lat: FloatArray) -> BoolArray:
        """Only zone membership: ``(n, len(zone_ids))`` booleans (see :meth:`assess`)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        has_point = np.isfinite(lon) & np.isfinite(lat)
        cell, in_grid = self.grid.locate(lon, lat)
        in_zone, _, _ = self._membership(lon, lat, cell, in_grid, has_point, None)
        return in_zone

    # --- everything ----------------------------------------------------------------------

    def assess(
        self, lon: FloatArray, lat: FloatArray, area: Sequence[str | None] | None = None
    ) -> ZoneAssessment:
        """Zones, signed distance to the line, side and oblast of every row (module docstring)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if lon.shape != lat.shape or lon.ndim != 1:
            raise ValueError("lon and lat must be 1-d arrays of the same length")
        if area is not None and len(area) != len(lon):
            raise ValueError("area must have one entry per row")
        has_point = np.isfinite(lon) & np.isfinite(lat)
        x, y = project_xy(lon, lat, self.crs)
        cell, in_grid = self.grid.locate(lon, lat)
        in_zone, _, _ = self._membership(lon, lat, cell, in_grid, has_point, (x, y))

        side = self._sides.lookup(cell, in_grid, has_point)
        self._sides.resolve(side, x, y)
        oblast = self._oblasts.lookup(cell, in_grid, has_point)
        self._oblasts.resolve(oblast, x, y)

        distance = self._distance.distance(lon, lat, x, y)
        distance[~has_point] = np.nan
        negative = side == 1
        nowhere = np.flatnonzero((side == 2) & has_point & np.isfinite(distance))
        if len(nowhere) and self._side_tree is not None:
            near_point, near_segment = self._side_tree.query_nearest(
                shapely.points(x[nowhere], y[nowhere]), all_matches=True
            )
            # positive when any nearest segment (ties included) belongs to controlled_by's side
            positive = np.zeros(len(nowhere), dtype=bool)
            positive[near_point[self._side_tags[near_segment] == 0]] = True
            negative[nowhere[~positive]] = True
        signed = np.where(negative, -distance, distance)

        if area is not None:
            self._oblast_from_area(oblast, has_point, area)
        return ZoneAssessment(
            self.zone_ids, in_zone, signed, self._side_names[side], self._oblast_names[oblast]
        )

    def _oblast_from_area(
        self, oblast: npt.NDArray[np.int16], has_point: BoolArray, area: Sequence[str | None]
    ) -> None:
        rows = np.flatnonzero(~has_point)
        if len(rows) == 0:
            return
        # map each distinct area string once, not each row
        texts = np.array([area[i] or "" for i in rows.tolist()], dtype=str)
        distinct, inverse = np.unique(texts, return_inverse=True)
        none = len(self._oblast_names) - 1
        mapped = np.array(
            [self._oblast_index.get(t.split("/", 1)[0].strip(), none) for t in distinct.tolist()],
            dtype=np.int16,
        )
        oblast[rows] = mapped[inverse]
