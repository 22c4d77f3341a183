"""Where an observation counts: its oblast, its 25 km cell, the whole country.

Oblasts are the agreement's own admin areas (their metric outlines), so warnings use the
same borders as findings. Cells form a regular grid in the agreement's metric CRS (square
cells of ``cell_m`` metres with corners on multiples of ``cell_m``): cell ``(ix, iy)``
covers ``ix*cell_m <= x < (ix+1)*cell_m`` and likewise in y, and is named
``cell25km:IX:IY`` for 25 km cells. Only cells touching the country are kept. Two oblasts
are neighbours when their outlines come within 1 km; a cell's neighbours are the up to eight
cells around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse

from ceasefire.agreement.model import Agreement
from ceasefire.geo import FloatArray, project_xy, unproject_xy

IntArray = npt.NDArray[np.int64]

NATIONAL = "UA"
DEFAULT_CELL_M = 25_000.0
NEIGHBOUR_GAP_M = 1_000.0


def cell_name(ix: int, iy: int, cell_m: float) -> str:
    """The public id of a grid cell.

    >>> cell_name(-3, 12, 25_000.0)
    'cell25km:-3:12'
    """
    return f"cell{cell_m / 1000:g}km:{ix}:{iy}"


def _row_normalised(pairs: list[tuple[int, int]], n: int) -> sparse.csr_array:
    """An n x n matrix averaging each row's neighbours (rows without any are all zero)."""
    if not pairs:
        return sparse.csr_array((n, n))
    rows, cols = (np.array(v, dtype=np.int64) for v in zip(*pairs, strict=True))
    degree = np.bincount(rows, minlength=n).astype(np.float64)
    return sparse.csr_array((1.0 / degree[rows], (rows, cols)), shape=(n, n))


@dataclass(frozen=True)
class AreaLevel:
    """The areas of one level (oblasts or cells), with a neighbour-averaging matrix."""

    ids: tuple[str, ...]
    neighbours: sparse.csr_array  # row i averages the neighbours of area i

    def __len__(self) -> int:
        return len(self.ids)


class AreaIndex:
    """Locates points in oblasts and cells of one agreement's geography."""

    def __init__(self, agreement: Agreement, cell_m: float = DEFAULT_CELL_M) -> None:
        geography = agreement.geography
        self.crs = geography.crs
        self.cell_m = cell_m
        self._oblast_geoms = [a.geometry_m for a in geography.admin_areas]
        for geometry in self._oblast_geoms:
            shapely.prepare(geometry)
        self._oblast_bounds = np.array([g.bounds for g in self._oblast_geoms]).reshape(-1, 4)
        codes = tuple(a.code for a in geography.admin_areas)
        tree = shapely.STRtree(self._oblast_geoms)
        left, right = tree.query(self._oblast_geoms, predicate="dwithin", distance=NEIGHBOUR_GAP_M)
        pairs = [(int(a), int(b)) for a, b in zip(left, right, strict=True) if a != b]
        self.oblasts = AreaLevel(codes, _row_normalised(pairs, len(codes)))
        self._build_cells(geography.country_m)

    def _build_cells(self, country: shapely.Geometry) -> None:
        size = self.cell_m
        minx, miny, maxx, maxy = country.bounds
        self._ix0 = int(np.floor(minx / size))
        self._iy0 = int(np.floor(miny / size))
        nx = int(np.floor(maxx / size)) - self._ix0 + 1
        ny = int(np.floor(maxy / size)) - self._iy0 + 1
        mesh_x, mesh_y = np.meshgrid(
            np.arange(nx) + self._ix0, np.arange(ny) + self._iy0, indexing="ij"
        )
        gx, gy = mesh_x.ravel(), mesh_y.ravel()
        boxes = shapely.box(gx * size, gy * size, (gx + 1) * size, (gy + 1) * size)
        shapely.prepare(country)
        keep = shapely.intersects(country, boxes)
        self.cell_ix, self.cell_iy = gx[keep].astype(np.int64), gy[keep].astype(np.int64)
        self._lookup = np.full((nx, ny), -1, dtype=np.int64)
        self._lookup[self.cell_ix - self._ix0, self.cell_iy - self._iy0] = np.arange(keep.sum())
        pairs: list[tuple[int, int]] = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                if dx == dy == 0:
                    continue
                other = self._cell_at(self.cell_ix + dx, self.cell_iy + dy)
                ok = other >= 0
                pairs += list(zip(np.flatnonzero(ok).tolist(), other[ok].tolist(), strict=True))
        ids = tuple(
            cell_name(int(i), int(j), size)
            for i, j in zip(self.cell_ix.tolist(), self.cell_iy.tolist(), strict=True)
        )
        self.cells = AreaLevel(ids, _row_normalised(pairs, len(ids)))

    def _cell_at(self, ix: IntArray, iy: IntArray) -> IntArray:
        i, j = ix - self._ix0, iy - self._iy0
        inside = (i >= 0) & (j >= 0) & (i < self._lookup.shape[0]) & (j < self._lookup.shape[1])
        out = np.full(len(ix), -1, dtype=np.int64)
        out[inside] = self._lookup[i[inside], j[inside]]
        return out

    def project(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Points in the metric CRS of the agreement."""
        return project_xy(lon, lat, self.crs)

    def locate_cells(self, x: FloatArray, y: FloatArray) -> IntArray:
        """The cell index of each metric point, -1 outside the kept cells or without a point."""
        finite = np.isfinite(x) & np.isfinite(y)
        ix = np.zeros(len(x), dtype=np.int64)
        iy = np.zeros(len(x), dtype=np.int64)
        ix[finite] = np.floor(x[finite] / self.cell_m).astype(np.int64)
        iy[finite] = np.floor(y[finite] / self.cell_m).astype(np.int64)
        out = self._cell_at(ix, iy)
        out[~finite] = -1
        return out

    def locate_oblasts(self, x: FloatArray, y: FloatArray) -> IntArray:
        """The oblast index of each metric point (first outline containing it), -1 if none."""
        out = np.full(len(x), -1, dtype=np.int64)
        finite = np.isfinite(x) & np.isfinite(y)
        for k, (geometry, (x0, y0, x1, y1)) in enumerate(
            zip(self._oblast_geoms, self._oblast_bounds, strict=True)
        ):
            rows = np.flatnonzero(
                (out < 0) & finite & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
            )
            if len(rows):
                hit = shapely.contains_xy(geometry, x[rows], y[rows])
                out[rows[hit]] = k
        return out

    def cell_centre_lonlat(self, index: int) -> tuple[float, float]:
        """The lon/lat of a cell's centre (for maps and the API)."""
        half = self.cell_m / 2
        lon, lat = unproject_xy(
            np.array([self.cell_ix[index] * self.cell_m + half]),
            np.array([self.cell_iy[index] * self.cell_m + half]),
            self.crs,
        )
        return float(lon[0]), float(lat[0])
