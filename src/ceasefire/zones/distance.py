"""Exact distance from many points to one line (the line of contact), in metres.

The line is cut into its straight segments. Every cell of a lon/lat lattice keeps the few
segments that can be the nearest segment of some point of the cell; a point's distance is
then the minimum over its cell's list, computed in numpy the way GEOS computes a
point-segment distance (projection on the segment, clamped to its ends). The lists are
*complete*, so the answer is exact (up to floating-point rounding), not an approximation.

**Which segments a cell keeps (the pruning test).** A projected cell lies in a disc of
centre ``c`` and radius ``R`` (:meth:`LonLatGrid.block_discs`). Let ``q`` be any point of
the line (we take the point of the line nearest to ``c``). For a point ``p`` of the disc and
a point ``y`` of a segment ``s = [a, b]``::

    |p - y|² - |p - q|² = |c - y|² - |c - q|² + 2 (p - c)·(q - y)
                        >= dist(c, s)² - |c - q|² - 2 R max(|a - q|, |b - q|)

(``|q - y|`` is convex along the segment, so it is largest at an end). If the right-hand
side is positive, every point of ``s`` is farther from ``p`` than ``q`` is, and ``q`` lies on
the line, so ``s`` is not a nearest segment of any point of the cell: it is dropped. Every
segment that is nearest to some point of the cell (ties included) fails the test and is kept.

Unlike the 1-Lipschitz test ``dist(c, s) <= dist(c, line) + 2R``, the slack here grows with
``R`` times the distance *along* the line from ``q``, not with the distance to the line, so a
cell hundreds of kilometres from the line keeps only the segments within about ``2R`` of its
foot point instead of a 100 km stretch of the line.

**Coarse to fine.** Lists are built for blocks of cells, from the coarsest level down. A
child block is part of its parent, so the nearest segment of each of its points is in the
parent's list: a child starts from its parent's list and prunes it with its own (smaller)
disc. A block whose list has at most ``max_candidates`` segments is final: its cells share it.
The coarsest blocks start from the segments within ``dist(c, line) + 2R`` of their centre (an
STRtree query; that 1-Lipschitz test is also valid).

Points outside the lattice are answered by an STRtree over the segments (GEOS, exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.geo import FloatArray
from ceasefire.zones.grid import IntArray, LonLatGrid, discs

_SLACK_M = 1e-6  # rounding room when comparing distances computed two ways
_REL_SLACK = 1e-9  # relative rounding room for squared distances (m² of order 1e12)
_CHUNK_PAIRS = 4_000_000  # point-segment pairs evaluated at once while assessing
DEFAULT_MAX_CANDIDATES = 4


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


@dataclass(frozen=True, slots=True)
class _Segments:
    """Segments as flat columns: start ``(ax, ay)``, vector ``(ux, uy)``, ``1 / |u|²`` (0 if empty)."""

    ax: FloatArray
    ay: FloatArray
    ux: FloatArray
    uy: FloatArray
    inv: FloatArray

    @classmethod
    def of(cls, seg: npt.NDArray[np.float64]) -> _Segments:
        ax = np.ascontiguousarray(seg[:, 0, 0])
        ay = np.ascontiguousarray(seg[:, 0, 1])
        ux = seg[:, 1, 0] - ax
        uy = seg[:, 1, 1] - ay
        den = ux * ux + uy * uy
        with np.errstate(divide="ignore"):
            inv = np.where(den > 0.0, 1.0 / np.where(den > 0.0, den, 1.0), 0.0)
        return cls(ax, ay, ux, uy, inv)

    def squared(
        self, px: FloatArray, py: FloatArray, which: npt.NDArray[np.integer[Any]]
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Squared distance from ``(px, py)`` to segment ``which`` (broadcast), and ``p - foot``.

        As GEOS does it: project on the segment's line, clamp to its ends; a zero-length
        segment is its start point. Returns ``(d², wx, wy)`` where ``(wx, wy)`` goes from the
        nearest point of the segment to ``p``.
        """
        ux = self.ux[which]
        uy = self.uy[which]
        wx = px - self.ax[which]
        wy = py - self.ay[which]
        t = (wx * ux + wy * uy) * self.inv[which]
        np.clip(t, 0.0, 1.0, out=t)
        ux *= t
        uy *= t
        wx -= ux
        wy -= uy
        d2 = wx * wx
        d2 += wy * wy
        return d2, wx, wy


@dataclass(frozen=True, slots=True)
class LineDistanceIndex:
    """Per lattice cell, the segments that can be nearest to a point of the cell (CSR lists)."""

    grid: LonLatGrid
    segments: npt.NDArray[np.float64]
    start: npt.NDArray[np.int32]  # (grid.size,) where each cell's list begins in candidates
    count: npt.NDArray[np.int16]  # (grid.size,) its length
    candidates: npt.NDArray[np.int32]
    tree: shapely.STRtree
    columns: _Segments

    @classmethod
    def build(
        cls,
        grid: LonLatGrid,
        line: BaseGeometry,
        max_candidates: int = DEFAULT_MAX_CANDIDATES,
    ) -> LineDistanceIndex:
        """Candidate lists for every cell of ``grid`` (``line`` in the grid's metric CRS)."""
        seg = segments_of(line)
        columns = _Segments.of(seg)
        tree = shapely.STRtree(shapely.linestrings(seg))
        top = grid.levels
        by, bx = grid.ny >> top, grid.nx >> top
        start = np.zeros((by, bx), dtype=np.int64)
        count = np.zeros((by, bx), dtype=np.int64)
        if len(seg) == 0:
            return cls(
                grid,
                seg,
                start.ravel().astype(np.int32),
                count.ravel().astype(np.int16),
                np.empty(0, np.int32),
                tree,
                columns,
            )
        jj, ii = np.indices((by, bx)).reshape(2, -1)
        bi, bj = ii.astype(np.int64), jj.astype(np.int64)
        nodes = grid.block_nodes(top, bi, bj)
        cx, cy, radius = discs(*nodes)
        radius = np.where(np.isfinite(radius), radius, 1e12)
        centres = shapely.points(cx, cy)
        _, dist = tree.query_nearest(centres, return_distance=True, all_matches=False)
        pair_block, pair_seg = tree.query(
            centres, predicate="dwithin", distance=dist + 2 * radius + _SLACK_M
        )
        order = np.argsort(pair_block, kind="stable")
        pair_block, pair_seg = pair_block[order].astype(np.int64), pair_seg[order].astype(np.int64)
        lists: list[npt.NDArray[np.int64]] = []
        stored = 0
        for level in range(top, -1, -1):
            if level < top:
                start = np.repeat(np.repeat(start, 2, axis=0), 2, axis=1)
                count = np.repeat(np.repeat(count, 2, axis=0), 2, axis=1)
            nb = len(bi)
            pair_block, pair_seg = _prune(columns, cx, cy, radius, pair_block, pair_seg)
            counts = np.bincount(pair_block, minlength=nb)
            final = (counts <= max_candidates) | (level == 0)
            # final blocks: store their lists (pairs are sorted by block) and paint them
            fb = np.flatnonzero(final)
            kept = pair_seg[final[pair_block]]
            kept_starts = np.cumsum(counts[fb]) - counts[fb]
            start[bj[fb], bi[fb]] = stored + kept_starts
            count[bj[fb], bi[fb]] = counts[fb]
            lists.append(kept)
            stored += len(kept)
            split = np.flatnonzero(~final)
            if level == 0 or len(split) == 0:
                break
            # children of the other blocks inherit their parent's candidates
            sc = counts[split]
            starts_all = np.cumsum(counts) - counts
            pb = np.repeat(np.arange(len(split)), sc)
            ps = pair_seg[
                np.arange(int(sc.sum()))
                - np.repeat(np.cumsum(sc) - sc, sc)
                + np.repeat(starts_all[split], sc)
            ]
            ns = len(split)
            bi, bj, *xy = grid.child_nodes(
                level, bi[split], bj[split], nodes[0][split], nodes[1][split]
            )
            nodes = (xy[0], xy[1])
            cx, cy, radius = discs(*nodes)
            radius = np.where(np.isfinite(radius), radius, 1e12)
            pair_block = np.concatenate([pb + k * ns for k in range(4)])
            pair_seg = np.concatenate([ps] * 4)
        if level > 0:  # every block was final before the finest level: paint the cells
            f = 2**level
            start = np.repeat(np.repeat(start, f, axis=0), f, axis=1)
            count = np.repeat(np.repeat(count, f, axis=0), f, axis=1)
        candidates = np.concatenate(lists).astype(np.int32)
        if stored >= 2**31 or int(count.max()) >= 2**15:
            raise ValueError("line too long for the distance lattice")
        return cls(
            grid,
            seg,
            start.ravel().astype(np.int32),
            count.ravel().astype(np.int16),
            candidates,
            tree,
            columns,
        )

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
            cell = cell[rows]
            counts = self.count[cell]
            # rows grouped by the length of their cell's list: one (rows, length) block each
            for length in np.unique(counts).tolist():
                group = np.flatnonzero(counts == length)
                step = max(1, _CHUNK_PAIRS // length)
                for lo in range(0, len(group), step):
                    g = group[lo : lo + step]
                    r = rows[g]
                    first = self.start[cell[g]].astype(np.int64)
                    which = self.candidates[first[:, None] + np.arange(length)]
                    d2, _, _ = self.columns.squared(x[r][:, None], y[r][:, None], which)
                    out[r] = np.sqrt(d2.min(axis=1))
        rest = np.flatnonzero(~in_grid & finite)
        if len(rest):
            _, dist = self.tree.query_nearest(
                shapely.points(x[rest], y[rest]), return_distance=True, all_matches=False
            )
            out[rest] = dist
        return out


def _prune(
    columns: _Segments,
    cx: FloatArray,
    cy: FloatArray,
    radius: FloatArray,
    pair_block: IntArray,
    pair_seg: IntArray,
) -> tuple[IntArray, IntArray]:
    """Drop the pairs (block, segment) whose segment is nearest to no point of the block.

    ``pair_block`` is sorted and every block has at least one pair. With ``q`` the point of
    the block's candidates nearest to its centre ``c`` (a point of the line), a segment
    ``[a, b]`` is dropped when ``dist(c, s)² - |c - q|² > 2 R max(|a - q|, |b - q|)`` (module
    docstring), with room for rounding.
    """
    if len(pair_block) == 0:
        return pair_block, pair_seg
    px, py = cx[pair_block], cy[pair_block]
    d2, wx, wy = columns.squared(px, py, pair_seg)
    begin = np.flatnonzero(np.diff(pair_block, prepend=-1))
    best = np.minimum.reduceat(d2, begin)
    blocks = pair_block[begin]
    # the first pair of each block reaching its minimum gives q
    hit = np.flatnonzero(d2 == np.repeat(best, np.diff(np.append(begin, len(d2)))))
    first_hit = hit[np.flatnonzero(np.diff(pair_block[hit], prepend=-1))]
    qx = np.empty(len(cx))
    qy = np.empty(len(cy))
    qx[blocks] = (px - wx)[first_hit]
    qy[blocks] = (py - wy)[first_hit]
    dq2 = np.empty(len(cx))
    dq2[blocks] = best
    fx, fy = qx[pair_block], qy[pair_block]
    ax = columns.ax[pair_seg]
    ay = columns.ay[pair_seg]
    far_a = np.hypot(ax - fx, ay - fy)
    far_b = np.hypot(ax + columns.ux[pair_seg] - fx, ay + columns.uy[pair_seg] - fy)
    reach = 2.0 * radius[pair_block] * np.maximum(far_a, far_b)
    gap = d2 - dq2[pair_block]
    keep = gap <= reach + _REL_SLACK * (d2 + reach) + _SLACK_M
    return pair_block[keep], pair_seg[keep]
