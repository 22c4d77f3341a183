"""A lon/lat lattice over the agreement's area, and its cells classified against geometries.

The lattice is regular in degrees so that a point finds its cell with two multiplications and
no projection. Every cell is classified in the agreement's *metric* CRS, where the zones are
defined: a cell (a lon/lat rectangle) is projected to a curved quadrilateral, which lies inside
a disc around its projected centre (radius :meth:`LonLatGrid.block_discs`). When the distance
from that centre to a geometry's boundary exceeds the radius, the whole cell is on one side of
the boundary, and one point-in-polygon test of the centre decides it for every point of the
cell. Cells the boundary may cross are *uncertain*; points in them get the exact test.

Cells are classified coarse to fine (blocks of ``2**levels`` cells first, then only the
uncertain blocks are split in four), so the number of distance tests grows with the length
of the boundaries, not with the area of the country.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.geo import FloatArray, project_xy

OUT: int = 0
IN: int = 1
UNCERTAIN: int = 2

IntArray = npt.NDArray[np.int64]
StateArray = npt.NDArray[np.uint8]

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True)
class LonLatGrid:
    """A regular lattice of ``nx * ny`` cells of ``dlon * dlat`` degrees from ``(lon0, lat0)``.

    ``nx`` and ``ny`` are multiples of ``2**levels``: the coarsest blocks used while building
    are ``2**levels`` cells wide. Cells are numbered row by row: ``iy * nx + ix``.
    """

    lon0: float
    lat0: float
    dlon: float
    dlat: float
    nx: int
    ny: int
    levels: int
    crs: str

    @classmethod
    def covering(
        cls, bounds: tuple[float, float, float, float], cell_m: float, levels: int, crs: str
    ) -> LonLatGrid:
        """A lattice covering lon/lat ``bounds`` with cells about ``cell_m`` metres wide."""
        minx, miny, maxx, maxy = bounds
        mid_lat = math.radians((miny + maxy) / 2.0)
        dlat = cell_m / METRES_PER_DEGREE
        dlon = cell_m / (METRES_PER_DEGREE * max(math.cos(mid_lat), 0.05))
        block = 2**levels
        nx = max(1, math.ceil((maxx - minx) / (dlon * block))) * block
        ny = max(1, math.ceil((maxy - miny) / (dlat * block))) * block
        return cls(minx, miny, dlon, dlat, nx, ny, levels, crs)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    def coarsened(self, factor_log2: int) -> LonLatGrid:
        """The same lattice with cells ``2**factor_log2`` times wider (same origin and extent)."""
        f = 2**factor_log2
        return LonLatGrid(
            self.lon0,
            self.lat0,
            self.dlon * f,
            self.dlat * f,
            self.nx // f,
            self.ny // f,
            self.levels - factor_log2,
            self.crs,
        )

    def locate(self, lon: FloatArray, lat: FloatArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Cell number of each point, and whether it falls in the lattice at all.

        Points outside the lattice, and NaN or infinite coordinates, get cell 0 and
        ``False``. A point exactly on the line between two cells goes to either: both
        cells are closed sets and both classifications hold for it.
        """
        fx = (lon - self.lon0) * (1.0 / self.dlon)
        fy = (lat - self.lat0) * (1.0 / self.dlat)
        inside = (fx >= 0.0) & (fx < self.nx) & (fy >= 0.0) & (fy < self.ny)
        fx[~inside] = 0.0
        fy[~inside] = 0.0
        cell = fy.astype(np.int64)
        cell *= self.nx
        cell += fx.astype(np.int64)
        return cell, inside

    def block_discs(
        self, level: int, bi: IntArray, bj: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Projected centre (x, y) and a radius enclosing each projected block of a level.

        The radius is the largest distance from the centre to the projected corners and edge
        midpoints, plus the largest gap between an edge's projected midpoint and the middle
        of its chord (how much the projected edges bend), plus a metre. Each half edge bends
        less than a whole edge, so the projected block lies inside the disc.
        """
        span_x = self.dlon * 2**level
        span_y = self.dlat * 2**level
        west = self.lon0 + bi * span_x
        south = self.lat0 + bj * span_y
        # offsets (in block units) of centre, 4 corners, 4 edge midpoints
        ox = np.array([0.5, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 0.5, 0.0])
        oy = np.array([0.5, 0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 0.5])
        lon = west[:, None] + ox[None, :] * span_x
        lat = south[:, None] + oy[None, :] * span_y
        x, y = project_xy(lon.ravel(), lat.ravel(), self.crs)
        x = x.reshape(lon.shape)
        y = y.reshape(lon.shape)
        cx, cy = x[:, 0], y[:, 0]
        reach = np.hypot(x[:, 1:] - cx[:, None], y[:, 1:] - cy[:, None]).max(axis=1)
        # edges: (corner a, corner b, midpoint) as column indices
        bend = np.zeros_like(reach)
        for a, b, m in ((1, 2, 5), (2, 3, 6), (3, 4, 7), (4, 1, 8)):
            gap = np.hypot(x[:, m] - (x[:, a] + x[:, b]) / 2.0, y[:, m] - (y[:, a] + y[:, b]) / 2.0)
            bend = np.maximum(bend, gap)
        radius = reach + bend + 1.0
        bad = ~(np.isfinite(cx) & np.isfinite(cy) & np.isfinite(radius))
        radius[bad] = np.inf  # a block the projection cannot handle is never "certain"
        cx[bad] = 0.0
        cy[bad] = 0.0
        return cx, cy, radius


def _upsample(coarse: StateArray) -> StateArray:
    return np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)


def classify(grid: LonLatGrid, geometry: BaseGeometry) -> StateArray:
    """State of every cell against a (polygonal) geometry: ``OUT``, ``IN`` or ``UNCERTAIN``.

    ``IN`` and ``OUT`` are guarantees for every point of the cell (boundary included) under
    the closed-set semantics of ``shapely.intersects_xy``; ``UNCERTAIN`` cells need the exact
    test. Returns an array of shape ``(ny, nx)``.
    """
    top = grid.levels
    by, bx = grid.ny >> top, grid.nx >> top
    state = np.zeros((by, bx), dtype=np.uint8)
    if geometry.is_empty:
        return np.zeros((grid.ny, grid.nx), dtype=np.uint8)
    boundary = shapely.boundary(geometry)
    shapely.prepare(boundary)
    shapely.prepare(geometry)
    gx0, gy0, gx1, gy1 = shapely.bounds(geometry)
    jj, ii = np.indices((by, bx)).reshape(2, -1)
    bi, bj = ii.astype(np.int64), jj.astype(np.int64)
    for level in range(top, -1, -1):
        if level < top:
            state = _upsample(state)
        if len(bi) == 0:
            continue
        cx, cy, radius = grid.block_discs(level, bi, bj)
        # a disc clear of the geometry's bounding box is out without asking GEOS
        ddx = np.maximum(np.maximum(gx0 - cx, cx - gx1), 0.0)
        ddy = np.maximum(np.maximum(gy0 - cy, cy - gy1), 0.0)
        maybe = np.hypot(ddx, ddy) <= radius
        near = np.zeros(len(bi), dtype=bool)
        if maybe.any():
            finite = maybe & np.isfinite(radius)
            near[maybe & ~finite] = True
            idx = np.flatnonzero(finite)
            # GEOS leaves floating-point flags (0/0 on degenerate segments) numpy would report
            with np.errstate(divide="ignore", invalid="ignore"):
                near[idx] = shapely.dwithin(boundary, shapely.points(cx[idx], cy[idx]), radius[idx])
        inside = np.zeros(len(bi), dtype=bool)
        far = np.flatnonzero(maybe & ~near)
        inside[far] = shapely.intersects_xy(geometry, cx[far], cy[far])
        state[bj, bi] = np.where(near, UNCERTAIN, np.where(inside, IN, OUT)).astype(np.uint8)
        if level > 0:
            sel = np.flatnonzero(near)
            pi, pj = bi[sel] * 2, bj[sel] * 2
            bi = np.concatenate([pi, pi + 1, pi, pi + 1])
            bj = np.concatenate([pj, pj, pj + 1, pj + 1])
    return state


def first_match_labels(grid: LonLatGrid, geometries: list[BaseGeometry]) -> npt.NDArray[np.int16]:
    """Per cell, the index of the first geometry containing the whole cell, or a code.

    A point's label is the first geometry (in the given order) that intersects it, or
    ``len(geometries)`` when none does. A cell gets a label when that is the same for all
    its points, and ``-1`` (uncertain) otherwise. Flattened, shape ``(ny * nx,)``.
    """
    n = len(geometries)
    if n > 32000:
        raise ValueError("too many geometries for an int16 label grid")
    undecided = np.int16(-2)
    label = np.full(grid.size, undecided, dtype=np.int16)
    for index, geometry in enumerate(geometries):
        state = classify(grid, geometry).ravel()
        open_ = label == undecided
        label[open_ & (state == IN)] = index
        label[open_ & (state == UNCERTAIN)] = -1
    label[label == undecided] = n
    return label
