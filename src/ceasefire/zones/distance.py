"""Exact distance from many points to one line (the line of contact), in metres.

The line is cut into its segments. Every cell of a lon/lat lattice keeps the few segments
that can be nearest to some point of the cell: with ``c`` the cell's projected centre, ``R``
the radius of a disc holding the projected cell and ``d`` the distance from ``c`` to the line,
a point ``p`` of the cell has its nearest segment ``s*`` within ``d(p) <= d + R`` of ``p``,
hence within ``d + 2R`` of ``c``. Keeping every segment within ``d + 2R`` of ``c`` therefore
keeps ``s*``, and the distance of ``p`` is the minimum over the kept segments: exact, not an
approximation. The lists are built coarse to fine: a child block's candidates are taken
from its parent's, which already hold the nearest segment of every point in the parent.

Points outside the lattice are answered by an STRtree over the segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.geo import FloatArray
from ceasefire.zones.grid import IntArray, LonLatGrid

_SLACK_M = 1e-6  # rounding room when comparing distances computed two ways
_CHUNK_PAIRS = 2_000_000


def segments_of(geometry: BaseGeometry) -> npt.NDArray[np.float64]:
    """The straight segments of a (multi)line or of a polygon's rings: shape ``(m, 2, 2)``."""
    parts = []
    for part in shapely.get_parts(
        shapely.get_parts(
            shapely.boundary(geometry) if shapely.get_dimensions(geometry) == 2 else geometry
        )
    ):
        coords = shapely.get_coordinates(part)
        if len(coords) >= 2:
            parts.append(np.stack([coords[:-1], coords[1:]], axis=1))
    if not parts:
        return np.empty((0, 2, 2), dtype=np.float64)
    return np.concatenate(parts)


def _point_segment_distance(
    px: FloatArray, py: FloatArray, seg: npt.NDArray[np.float64], which: IntArray
) -> FloatArray:
    """Distance from point k to segment ``which[k]``, as GEOS computes it (projection, clamp)."""
    ax = seg[which, 0, 0]
    ay = seg[which, 0, 1]
    ux = seg[which, 1, 0] - ax
    uy = seg[which, 1, 1] - ay
    wx = px - ax
    wy = py - ay
    den = ux * ux + uy * uy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (wx * ux + wy * uy) / den
    t = np.where(den > 0.0, np.clip(t, 0.0, 1.0), 0.0)
    return np.asarray(np.hypot(wx - t * ux, wy - t * uy), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class LineDistanceIndex:
    """Per lattice cell, the segments that can be nearest to a point of the cell (CSR lists)."""

    grid: LonLatGrid
    segments: npt.NDArray[np.float64]
    start: npt.NDArray[np.int64]  # (grid.size,) where each cell's list begins in candidates
    count: npt.NDArray[np.int64]  # (grid.size,) its length
    candidates: npt.NDArray[np.int32]
    tree: shapely.STRtree

    @classmethod
    def build(
        cls, grid: LonLatGrid, line: BaseGeometry, max_candidates: int = 16
    ) -> LineDistanceIndex:
        """Candidate lists for every cell of ``grid`` (``line`` in the grid's metric CRS).

        A block stops being split once it keeps at most ``max_candidates`` segments (its
        cells share its list), so far from the line and along straight stretches the lists
        are built at coarse levels and only winding parts of the line are refined.
        """
        seg = segments_of(line)
        tree = shapely.STRtree(shapely.linestrings(seg))
        top = grid.levels
        by, bx = grid.ny >> top, grid.nx >> top
        start = np.zeros((by, bx), dtype=np.int64)
        count = np.zeros((by, bx), dtype=np.int64)
        if len(seg) == 0:
            return cls(grid, seg, start.ravel(), count.ravel(), np.empty(0, np.int32), tree)
        jj, ii = np.indices((by, bx)).reshape(2, -1)
        bi, bj = ii.astype(np.int64), jj.astype(np.int64)
        cx, cy, radius = grid.block_discs(top, bi, bj)
        radius = np.where(np.isfinite(radius), radius, 1e12)
        centres = shapely.points(cx, cy)
        _, dist = tree.query_nearest(centres, return_distance=True, all_matches=False)
        pair_block, pair_seg = tree.query(
            centres, predicate="dwithin", distance=dist + 2 * radius + _SLACK_M
        )
        order = np.argsort(pair_block, kind="stable")
        pair_block, pair_seg = pair_block[order], pair_seg[order]
        lists: list[npt.NDArray[np.int64]] = []
        stored = 0
        for level in range(top, -1, -1):
            if level < top:
                start = np.repeat(np.repeat(start, 2, axis=0), 2, axis=1)
                count = np.repeat(np.repeat(count, 2, axis=0), 2, axis=1)
            nb = len(bi)
            counts = np.bincount(pair_block, minlength=nb)
            final = (counts <= max_candidates) | (level == 0)
            # final blocks: store their lists (pairs are sorted by block) and paint them
            on_final = final[pair_block]
            fb = np.flatnonzero(final)
            starts_all = np.cumsum(counts) - counts
            kept = pair_seg[on_final]
            kept_starts = np.cumsum(counts[fb]) - counts[fb]
            start[bj[fb], bi[fb]] = stored + kept_starts
            count[bj[fb], bi[fb]] = counts[fb]
            lists.append(kept)
            stored += len(kept)
            if level == 0:
                break
            # children of the other blocks inherit their parent's candidates, then filter
            split = np.flatnonzero(~final)
            if len(split) == 0:
                bi, bj, pair_block, pair_seg = bi[:0], bj[:0], pair_block[:0], pair_seg[:0]
                continue
            sc = counts[split]
            pb = np.repeat(np.arange(len(split)), sc)
            ps = pair_seg[
                np.arange(int(sc.sum()))
                - np.repeat(np.cumsum(sc) - sc, sc)
                + np.repeat(starts_all[split], sc)
            ]
            ns = len(split)
            pbi, pbj = bi[split] * 2, bj[split] * 2
            bi = np.concatenate([pbi, pbi + 1, pbi, pbi + 1])
            bj = np.concatenate([pbj, pbj, pbj + 1, pbj + 1])
            cx, cy, radius = grid.block_discs(level - 1, bi, bj)
            radius = np.where(np.isfinite(radius), radius, 1e12)
            new_block = np.concatenate([pb + k * ns for k in range(4)])
            new_seg = np.concatenate([ps] * 4)
            d = _point_segment_distance(cx[new_block], cy[new_block], seg, new_seg)
            child_starts = np.concatenate([np.cumsum(sc) - sc + k * len(pb) for k in range(4)])
            dmin = np.minimum.reduceat(d, child_starts)
            keep = d <= dmin[new_block] + 2 * radius[new_block] + _SLACK_M
            pair_block, pair_seg = new_block[keep], new_seg[keep]
        candidates = np.concatenate(lists).astype(np.int32)
        return cls(grid, seg, start.ravel(), count.ravel(), candidates, tree)

    @property
    def empty(self) -> bool:
        return len(self.segments) == 0

    def distance(
        self, lon: FloatArray, lat: FloatArray, x: FloatArray, y: FloatArray
    ) -> FloatArray:
        """Distance in metres from each projected point ``(x, y)`` to the line; NaN if unknown.

        ``lon, lat`` place the point in the lattice; ``x, y`` are the same points projected.
        Rows with a non-finite coordinate, or with an empty line, get NaN.
        """
        n = len(x)
        out = np.full(n, np.nan)
        if self.empty or n == 0:
            return out
        cell, in_grid = self.grid.locate(lon, lat)
        finite = np.isfinite(x) & np.isfinite(y)
        rows = np.flatnonzero(in_grid & finite)
        if len(rows):
            first_all = self.start[cell[rows]]
            counts_all = self.count[cell[rows]]
            cum = np.cumsum(counts_all)
            # chunks of rows whose point-segment pairs stay within a bounded amount of memory
            cuts = np.searchsorted(cum, np.arange(_CHUNK_PAIRS, int(cum[-1]), _CHUNK_PAIRS))
            edges = np.unique(np.concatenate([[0], cuts, [len(rows)]]))
            for start, stop in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
                r = rows[start:stop]
                counts = counts_all[start:stop]
                total = int(counts.sum())
                begin = np.cumsum(counts) - counts
                point = np.repeat(np.arange(len(r)), counts)
                which = self.candidates[
                    np.arange(total) - begin[point] + first_all[start:stop][point]
                ]
                d = _point_segment_distance(
                    x[r][point], y[r][point], self.segments, which.astype(np.int64)
                )
                out[r] = np.minimum.reduceat(d, begin)
        rest = np.flatnonzero(~in_grid & finite)
        if len(rest):
            _, dist = self.tree.query_nearest(
                shapely.points(x[rest], y[rest]), return_distance=True, all_matches=False
            )
            out[rest] = dist
        return out
