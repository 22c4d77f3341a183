"""The distance lattice gives exactly ``shapely.distance`` to the line, wherever the point is.

Aimed at the pruning test of :mod:`ceasefire.zones.distance`: points far from the line
(where a looser test keeps a long stretch of it), points equidistant from several pieces
(ties must keep every nearest segment), points on vertices and segment midpoints, segments
much longer than a cell, zig-zags, and points outside the lattice.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from ceasefire.geo import DEFAULT_METRIC_CRS, FloatArray, unproject_xy
from ceasefire.zones.distance import LineDistanceIndex
from ceasefire.zones.grid import LonLatGrid

HALF_M = 700_000.0  # the lattice covers a square of 1,400 km around the CRS's origin


def lattice(cell_m: float, levels: int = 4) -> LonLatGrid:
    """A lon/lat lattice over the metric square ``±HALF_M`` (its lon/lat bounding box)."""
    edge = np.linspace(-HALF_M, HALF_M, 41)
    x = np.concatenate([edge, edge, np.full(41, -HALF_M), np.full(41, HALF_M)])
    y = np.concatenate([np.full(41, -HALF_M), np.full(41, HALF_M), edge, edge])
    lon, lat = unproject_xy(x, y)
    bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    return LonLatGrid.covering(bounds, cell_m, levels, DEFAULT_METRIC_CRS)


def check(line: BaseGeometry, x: FloatArray, y: FloatArray, cell_m: float = 5_000.0) -> None:
    index = LineDistanceIndex.build(lattice(cell_m), line, max_candidates=2)
    lon, lat = unproject_xy(x, y)
    got = index.distance(lon, lat, x, y)
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS's leftover float flags
        want = shapely.distance(line, shapely.points(x, y))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)


def vertices_and_midpoints(line: BaseGeometry) -> tuple[FloatArray, FloatArray]:
    xy = shapely.get_coordinates(line)
    mid = (xy[:-1] + xy[1:]) / 2.0
    both = np.concatenate([xy, mid])
    return both[:, 0].copy(), both[:, 1].copy()


def scatter(
    rng: np.random.Generator, n: int, half: float = HALF_M
) -> tuple[FloatArray, FloatArray]:
    return rng.uniform(-half, half, n), rng.uniform(-half, half, n)


def test_far_points_hundreds_of_km_from_a_wiggly_line() -> None:
    """Far from the line every segment is at almost the same distance: still exact."""
    t = np.linspace(0.0, 1.0, 400)
    line = LineString(np.column_stack([-550_000.0 + 3_000.0 * np.sin(t * 90.0), 120_000.0 * t]))
    rng = np.random.default_rng(1)
    x, y = scatter(rng, 20_000)
    x[:5_000] = rng.uniform(100_000.0, HALF_M, 5_000)  # 650 to 1,250 km from the line
    check(line, x, y)


def test_zig_zag_line_and_its_vertices_and_midpoints() -> None:
    xs = np.where(np.arange(81) % 2 == 0, -10_000.0, 10_000.0)
    line = LineString(np.column_stack([xs, np.linspace(-200_000.0, 200_000.0, 81)]))
    vx, vy = vertices_and_midpoints(line)
    rng = np.random.default_rng(2)
    x, y = scatter(rng, 10_000, 250_000.0)
    check(line, np.concatenate([vx, x]), np.concatenate([vy, y]), cell_m=2_000.0)


def test_segments_much_longer_than_a_cell() -> None:
    line = LineString([(-600_000.0, -600_000.0), (500_000.0, -100_000.0), (-400_000.0, 650_000.0)])
    vx, vy = vertices_and_midpoints(line)
    rng = np.random.default_rng(3)
    x, y = scatter(rng, 20_000)
    check(line, np.concatenate([vx, x]), np.concatenate([vy, y]), cell_m=1_000.0)


def test_centre_of_a_circle_is_equidistant_from_every_segment() -> None:
    """At the centre of a regular polygon all 64 segments tie: none may be dropped wrongly."""
    angle = np.linspace(0.0, 2.0 * math.pi, 65)
    line = LineString(np.column_stack([50_000.0 * np.cos(angle), 50_000.0 * np.sin(angle)]))
    rng = np.random.default_rng(4)
    near_centre = rng.normal(0.0, 3_000.0, (2_000, 2))
    x = np.concatenate([[0.0], near_centre[:, 0]])
    y = np.concatenate([[0.0], near_centre[:, 1]])
    check(line, x, y)


def test_points_equidistant_from_two_pieces() -> None:
    """On the axis of a V and between two parallel pieces the nearest segment is a tie."""
    v = LineString([(-300_000.0, 300_000.0), (0.0, 0.0), (300_000.0, 300_000.0)])
    ys = np.linspace(-400_000.0, 650_000.0, 4_001)
    check(v, np.zeros_like(ys), ys)
    hairpin = LineString(
        [
            (-500_000.0, -40_000.0),
            (400_000.0, -40_000.0),
            (400_000.0, 40_000.0),
            (-500_000.0, 40_000.0),
        ]
    )
    xs = np.linspace(-650_000.0, 650_000.0, 4_001)
    check(hairpin, xs, np.zeros_like(xs))


def test_multi_part_line_with_repeated_vertices_and_outside_points() -> None:
    line = MultiLineString(
        [
            [(-100_000.0, 0.0), (-100_000.0, 0.0), (-50_000.0, 20_000.0)],
            [(200_000.0, -300_000.0), (250_000.0, 300_000.0)],
        ]
    )
    rng = np.random.default_rng(5)
    x, y = scatter(rng, 5_000, 2_000_000.0)  # most of these are outside the lattice
    vx, vy = vertices_and_midpoints(line)
    check(line, np.concatenate([vx, x]), np.concatenate([vy, y]))


def test_empty_line_and_non_finite_points() -> None:
    index = LineDistanceIndex.build(lattice(20_000.0), LineString())
    assert np.isnan(
        index.distance(np.array([35.5]), np.array([48.5]), np.zeros(1), np.zeros(1))
    ).all()
    line = LineString([(0.0, 0.0), (1_000.0, 0.0)])
    index = LineDistanceIndex.build(lattice(20_000.0), line)
    got = index.distance(
        np.array([np.nan, 35.5]),
        np.array([48.5, 48.5]),
        np.array([np.nan, 0.0]),
        np.array([0.0, 0.0]),
    )
    assert np.isnan(got[0]) and got[1] == 0.0


# on a millimetre grid: consecutive vertices are equal or >= 1 mm apart. (A segment of
# subnormal length, e.g. (0, 0)-(0, 5e-324), makes GEOS divide by its underflowed squared
# length and answer inf; the engine answers the distance to the point, 0 there.)
coordinate = st.floats(-650_000.0, 650_000.0, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=12),
    st.sampled_from([1_000.0, 5_000.0, 20_000.0]),
    st.integers(0, 2**32 - 1),
)
def test_distance_equals_shapely_on_random_lines(
    vertices: list[tuple[float, float]], cell_m: float, seed: int
) -> None:
    line = LineString(vertices)
    rng = np.random.default_rng(seed)
    x, y = scatter(rng, 2_000)
    vx, vy = vertices_and_midpoints(line)
    # and points near the line: vertices and midpoints moved by up to a cell
    jx = vx + rng.uniform(-cell_m, cell_m, len(vx))
    jy = vy + rng.uniform(-cell_m, cell_m, len(vy))
    check(line, np.concatenate([vx, jx, x]), np.concatenate([vy, jy, y]), cell_m=cell_m)
