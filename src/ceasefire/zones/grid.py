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
from collections.abc import Callable
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
LabelArray = npt.NDArray[np.int16]

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

    def block_nodes(self, level: int, bi: IntArray, bj: IntArray) -> tuple[FloatArray, FloatArray]:
        """Projected corners, edge midpoints and centre of blocks of a level: ``(n, 3, 3)`` x, y.

        Node ``[k, r, c]`` is the point at ``(c / 2, r / 2)`` block widths east and north of
        block ``k``'s south-west corner.
        """
        span_x = self.dlon * 2**level
        span_y = self.dlat * 2**level
        half = np.array([0.0, 0.5, 1.0])
        lon = (self.lon0 + bi * span_x)[:, None, None] + half[None, None, :] * span_x
        lat = (self.lat0 + bj * span_y)[:, None, None] + half[None, :, None] * span_y
        lon, lat = np.broadcast_arrays(lon, lat)
        x, y = project_xy(lon.ravel(), lat.ravel(), self.crs)
        return x.reshape(lon.shape), y.reshape(lon.shape)

    def child_nodes(
        self, level: int, bi: IntArray, bj: IntArray, x: FloatArray, y: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """The four children (level ``level - 1``) of blocks ``bi, bj`` with their nodes.

        ``x, y`` are the parents' nodes (:meth:`block_nodes`); they are the children's corners
        and edge midpoints on the parents' edges and centre lines, so only the other 16 of the
        children's 36 nodes are projected. Children come as south-west of every parent, then
        south-east, north-west, north-east.
        """
        n = len(bi)
        span_x = self.dlon * 2**level
        span_y = self.dlat * 2**level
        quarter = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
        fx = np.empty((n, 5, 5))
        fy = np.empty((n, 5, 5))
        fx[:, ::2, ::2] = x
        fy[:, ::2, ::2] = y
        odd = np.zeros((5, 5), dtype=bool)
        odd[1::2, :] = True
        odd[:, 1::2] = True
        rr, cc = np.nonzero(odd)
        lon = (self.lon0 + bi * span_x)[:, None] + quarter[cc][None, :] * span_x
        lat = (self.lat0 + bj * span_y)[:, None] + quarter[rr][None, :] * span_y
        px, py = project_xy(lon.ravel(), lat.ravel(), self.crs)
        fx[:, rr, cc] = px.reshape(lon.shape)
        fy[:, rr, cc] = py.reshape(lon.shape)
        quads = ((0, 0), (1, 0), (0, 1), (1, 1))
        cbi = np.concatenate([bi * 2 + dx for dx, _ in quads])
        cbj = np.concatenate([bj * 2 + dy for _, dy in quads])
        cx = np.concatenate([fx[:, 2 * dy : 2 * dy + 3, 2 * dx : 2 * dx + 3] for dx, dy in quads])
        cy = np.concatenate([fy[:, 2 * dy : 2 * dy + 3, 2 * dx : 2 * dx + 3] for dx, dy in quads])
        return cbi, cbj, cx, cy

    def block_discs(
        self, level: int, bi: IntArray, bj: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Projected centre (x, y) and a radius enclosing each projected block of a level."""
        return discs(*self.block_nodes(level, bi, bj))


def discs(nx: FloatArray, ny: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Centre and radius of a disc holding each projected block, from its ``(n, 3, 3)`` nodes.

    The radius is the largest distance from the centre to the projected corners and edge
    midpoints, plus the largest gap between an edge's projected midpoint and the middle of
    its chord (how much the projected edges bend), plus a metre. Each half edge bends less
    than a whole edge, so the projected block lies inside the disc. A block the projection
    cannot handle gets an infinite radius (never "certain").
    """
    x = nx.reshape(-1, 9)
    y = ny.reshape(-1, 9)
    cx, cy = x[:, 4].copy(), y[:, 4].copy()
    reach = np.hypot(x - cx[:, None], y - cy[:, None]).max(axis=1)
    # edges as (corner a, corner b, midpoint) in row-major 3x3 order
    bend = np.zeros_like(reach)
    for a, b, m in ((0, 2, 1), (2, 8, 5), (8, 6, 7), (6, 0, 3)):
        gap = np.hypot(x[:, m] - (x[:, a] + x[:, b]) / 2.0, y[:, m] - (y[:, a] + y[:, b]) / 2.0)
        bend = np.maximum(bend, gap)
    radius = reach + bend + 1.0
    bad = ~(np.isfinite(cx) & np.isfinite(cy) & np.isfinite(radius))
    radius[bad] = np.inf
    cx[bad] = 0.0
    cy[bad] = 0.0
    return cx, cy, radius


def _refine(
    grid: LonLatGrid,
    boundary: BaseGeometry,
    bounds: tuple[float, float, float, float],
    decide: Callable[[FloatArray, FloatArray], LabelArray],
    outside: int,
    finest: int = 0,
) -> LabelArray:
    """Label every cell, coarse to fine, by ``decide`` at its centre, or ``-1`` (uncertain).

    A block whose disc stays farther than its radius from ``boundary`` has all its points on
    the same side of every part of the boundary: ``decide`` (the label of one point) at its
    centre is the label of all of them. A block whose disc is clear of ``bounds`` (the box of
    the geometries) gets ``outside`` without asking GEOS. Other blocks are split in four, down
    to blocks of ``2**finest`` cells, which stay ``-1``. Returns an array of shape ``(ny, nx)``.
    """
    top = grid.levels
    by, bx = grid.ny >> top, grid.nx >> top
    label = np.full((by, bx), outside, dtype=np.int16)
    shapely.prepare(boundary)
    gx0, gy0, gx1, gy1 = bounds
    jj, ii = np.indices((by, bx)).reshape(2, -1)
    bi, bj = ii.astype(np.int64), jj.astype(np.int64)
    nodes = grid.block_nodes(top, bi, bj)
    for level in range(top, finest - 1, -1):
        if level < top:
            label = np.repeat(np.repeat(label, 2, axis=0), 2, axis=1)
        if len(bi) == 0:
            continue
        cx, cy, radius = discs(*nodes)
        # a disc clear of the geometries' bounding box is out without asking GEOS
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
        value = np.full(len(bi), outside, dtype=np.int16)
        far = np.flatnonzero(maybe & ~near)
        value[far] = decide(cx[far], cy[far])
        value[near] = -1
        label[bj, bi] = value
        if level > finest:
            sel = np.flatnonzero(near)
            bi, bj, *xy = grid.child_nodes(level, bi[sel], bj[sel], nodes[0][sel], nodes[1][sel])
            nodes = (xy[0], xy[1])
    if finest > 0:
        f = 2**finest
        label = np.repeat(np.repeat(label, f, axis=0), f, axis=1)
    return label


def classify(grid: LonLatGrid, geometry: BaseGeometry) -> StateArray:
    """State of every cell against a (polygonal) geometry: ``OUT``, ``IN`` or ``UNCERTAIN``.

    ``IN`` and ``OUT`` are guarantees for every point of the cell (boundary included) under
    the closed-set semantics of ``shapely.intersects_xy``; ``UNCERTAIN`` cells need the exact
    test. Returns an array of shape ``(ny, nx)``.
    """
    if geometry.is_empty:
        return np.zeros((grid.ny, grid.nx), dtype=np.uint8)
    shapely.prepare(geometry)

    def decide(x: FloatArray, y: FloatArray) -> LabelArray:
        return np.where(shapely.intersects_xy(geometry, x, y), IN, OUT).astype(np.int16)

    bounds = tuple(float(v) for v in shapely.bounds(geometry))
    label = _refine(grid, shapely.boundary(geometry), bounds, decide, OUT)  # type: ignore[arg-type]
    label[label == -1] = UNCERTAIN
    return label.astype(np.uint8)


def first_match_labels(
    grid: LonLatGrid, geometries: list[BaseGeometry], finest: int = 0
) -> LabelArray:
    """Per cell, the index of the first geometry containing the whole cell, or a code.

    A point's label is the first geometry (in the given order) that intersects it, or
    ``len(geometries)`` when none does. A cell gets a label when that is the same for all
    its points, and ``-1`` (uncertain) otherwise. Flattened, shape ``(ny * nx,)``.

    All the boundaries are refined in one pass (a border shared by two oblasts once): a cell
    clear of every boundary is, for each geometry, wholly inside or wholly outside it, so the
    first match of its centre is that of all its points. Cells near any boundary are ``-1``.
    """
    n = len(geometries)
    if n > 32000:
        raise ValueError("too many geometries for an int16 label grid")
    present = [g for g in geometries if not g.is_empty]
    if not present:
        return np.full(grid.size, n, dtype=np.int16)
    for g in present:
        shapely.prepare(g)
    boxes = np.array([shapely.bounds(g) for g in geometries]).reshape(-1, 4)
    lines = shapely.get_parts(shapely.get_parts(shapely.boundary(present)))
    boundary = shapely.multilinestrings(lines)

    def decide(x: FloatArray, y: FloatArray) -> LabelArray:
        return first_match(geometries, boxes, x, y)

    bounds = (
        float(np.nanmin(boxes[:, 0])),
        float(np.nanmin(boxes[:, 1])),
        float(np.nanmax(boxes[:, 2])),
        float(np.nanmax(boxes[:, 3])),
    )
    return _refine(grid, boundary, bounds, decide, n, finest).ravel()


def first_match(
    geometries: list[BaseGeometry], boxes: FloatArray, x: FloatArray, y: FloatArray
) -> LabelArray:
    """Index of the first geometry each point ``(x, y)`` intersects, ``len(geometries)`` if none.

    ``boxes`` holds the geometries' bounds (``(n, 4)``, NaN for an empty geometry); the
    geometries should be prepared.
    """
    label = np.full(len(x), len(geometries), dtype=np.int16)
    rows = np.arange(len(x))
    for index, geometry in enumerate(geometries):
        if len(rows) == 0:
            break
        minx, miny, maxx, maxy = boxes[index]
        px, py = x[rows], y[rows]
        box = np.flatnonzero((px >= minx) & (px <= maxx) & (py >= miny) & (py <= maxy))
        if len(box) == 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            hit = box[shapely.intersects_xy(geometry, px[box], py[box])]
        label[rows[hit]] = index
        rows = np.delete(rows, hit)
    return label
