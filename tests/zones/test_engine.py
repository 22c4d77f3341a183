"""The zone engine gives the answers of plain shapely predicates, at array speed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.agreement.model import Agreement
from ceasefire.errors import GeometryError
from ceasefire.geo import FloatArray, project_xy, unproject_xy
from ceasefire.zones import ZoneAssessment, ZoneEngine
from ceasefire.zones.testing import synthetic_agreement

# --- the reference: plain shapely, one predicate at a time ------------------------------


def reference(agreement: Agreement, lon: FloatArray, lat: FloatArray) -> ZoneAssessment:
    """What the engine must answer, computed the slow, obvious way."""
    g = agreement.geography
    x, y = project_xy(lon, lat, g.crs)
    has_point = np.isfinite(lon) & np.isfinite(lat)
    in_zone = np.column_stack(
        [shapely.intersects_xy(z.geometry_m, x, y) & has_point for z in agreement.zones]
    )
    in_c = shapely.intersects_xy(g.sides_m[g.controlled_by], x, y) & has_point
    in_o = shapely.intersects_xy(g.sides_m[g.other_party], x, y) & has_point
    side = np.where(in_c, g.controlled_by, np.where(in_o, g.other_party, ""))
    oblast = np.full(len(lon), "", dtype=object)
    for area in reversed(g.admin_areas):  # the first area in order wins
        oblast[shapely.intersects_xy(area.geometry_m, x, y) & has_point] = area.code
    points = shapely.points(np.where(has_point, x, 0.0), np.where(has_point, y, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS's leftover float flags
        distance = np.where(has_point, shapely.distance(g.line_m, points), np.nan)
        nearer_c = shapely.distance(g.sides_m[g.controlled_by], points) <= shapely.distance(
            g.sides_m[g.other_party], points
        )
    negative = (side == g.other_party) | ((side == "") & ~nearer_c)
    signed = np.where(negative, -distance, distance)
    zone_ids = tuple(z.id for z in agreement.zones)
    return ZoneAssessment(zone_ids, in_zone, signed, side.astype(str), oblast.astype(str))


def assert_same(got: ZoneAssessment, want: ZoneAssessment) -> None:
    assert got.zone_ids == want.zone_ids
    bad = np.flatnonzero((got.in_zone != want.in_zone).any(axis=1))
    assert len(bad) == 0, f"membership differs at rows {bad[:10]}"
    assert got.side.tolist() == want.side.tolist()
    assert got.oblast.tolist() == want.oblast.tolist()
    np.testing.assert_allclose(got.signed_distance_m, want.signed_distance_m, rtol=1e-9, atol=1e-6)


@lru_cache(maxsize=8)
def engine_for(key: str) -> tuple[Agreement, ZoneEngine]:
    if key == "square":
        agreement = synthetic_agreement()
    elif key == "zakarpattia":
        x, y = project_xy(np.array([22.5]), np.array([48.3]))
        agreement = synthetic_agreement(centre_m=(float(x[0]), float(y[0])))
    elif key == "luhansk":
        x, y = project_xy(np.array([40.0]), np.array([48.8]))
        agreement = synthetic_agreement(centre_m=(float(x[0]), float(y[0])))
    else:
        raise KeyError(key)
    return agreement, ZoneEngine.build(agreement)


def lonlat_of_metric(x: list[float], y: list[float]) -> tuple[FloatArray, FloatArray]:
    return unproject_xy(np.array(x, dtype=np.float64), np.array(y, dtype=np.float64))


# --- edge cases --------------------------------------------------------------------------


def test_zone_ids_and_shapes() -> None:
    agreement, engine = engine_for("square")
    assert engine.zone_ids == ("band", "ring")
    lon, lat = lonlat_of_metric([0.0, 50_000.0], [0.0, 0.0])
    result = engine.assess(lon, lat)
    assert result.in_zone.shape == (2, 2)
    assert result.zones_of(0) == ("band",)  # the centre is in the ring's hole
    assert result.zones_of(1) == ("ring",)
    assert_same(result, reference(agreement, lon, lat))


def test_empty_input() -> None:
    _, engine = engine_for("square")
    result = engine.assess(np.empty(0), np.empty(0), [])
    assert result.in_zone.shape == (0, 2)
    assert len(result) == 0
    assert engine.in_zones(np.empty(0), np.empty(0)).shape == (0, 2)


def test_closed_zones_boundary_and_hole() -> None:
    """A point on any boundary (outer ring, hole ring, band edge) is in the zone."""
    agreement, engine = engine_for("square")
    ring = agreement.zone("ring").geometry_m
    band = agreement.zone("band").geometry_m
    # exact vertices of the metric geometry, pushed through lon/lat and back
    xy = np.concatenate([shapely.get_coordinates(ring), shapely.get_coordinates(band)])
    lon, lat = unproject_xy(xy[:, 0], xy[:, 1])
    result = engine.assess(lon, lat)
    assert_same(result, reference(agreement, lon, lat))
    # a point whose projection lies exactly on the hole's edge
    x, y = project_xy(lon, lat)
    on_edge = shapely.intersects_xy(shapely.boundary(ring), x, y)
    assert result.zone_column("ring")[on_edge].all()


def test_points_in_hole_are_outside_the_ring() -> None:
    agreement, engine = engine_for("square")
    lon, lat = lonlat_of_metric([0.0, 10_000.0, -19_000.0], [0.0, -5_000.0, 19_000.0])
    result = engine.assess(lon, lat)
    assert not result.zone_column("ring").any()
    assert_same(result, reference(agreement, lon, lat))


def test_points_on_lattice_nodes_and_edges() -> None:
    """Points exactly on cell corners and edges, where a point may fall in either cell."""
    agreement, engine = engine_for("square")
    grid = engine.grid
    i = np.arange(0, grid.nx, 7, dtype=np.float64)
    j = np.arange(0, grid.ny, 5, dtype=np.float64)
    ii, jj = np.meshgrid(i, j)
    lon = np.concatenate(
        [grid.lon0 + ii.ravel() * grid.dlon, grid.lon0 + (ii.ravel() + 0.5) * grid.dlon]
    )
    lat = np.concatenate([grid.lat0 + jj.ravel() * grid.dlat, grid.lat0 + jj.ravel() * grid.dlat])
    assert_same(engine.assess(lon, lat), reference(agreement, lon, lat))


def test_side_and_sign_convention() -> None:
    """Positive on the controlled_by side (east of the line here), negative on the other."""
    agreement, engine = engine_for("square")
    lon, lat = lonlat_of_metric([5_000.0, -7_000.0, 0.0], [1_000.0, 1_000.0, 50_000.0])
    result = engine.assess(lon, lat)
    assert result.side.tolist() == ["RU", "UA", "RU"]  # on the line: controlled_by
    d = result.signed_distance_m
    assert d[0] == pytest.approx(5_000.0, abs=1e-6)
    assert d[1] == pytest.approx(-7_000.0, abs=1e-6)
    assert d[2] == pytest.approx(0.0, abs=1e-6)
    assert result.oblast.tolist() == ["UA-01", "UA-01", "UA-01"]
    assert_same(result, reference(agreement, lon, lat))


def test_outside_the_country() -> None:
    agreement, engine = engine_for("square")
    lon, lat = lonlat_of_metric(
        [150_000.0, -150_000.0, 0.0, 2_000_000.0], [0.0, 0.0, 150_000.0, 0.0]
    )
    result = engine.assess(lon, lat)
    assert result.side.tolist() == ["", "", "", ""]
    assert result.oblast.tolist() == ["", "", "", ""]
    assert not result.in_zone.any()
    assert result.signed_distance_m[0] > 0 > result.signed_distance_m[1]
    assert_same(result, reference(agreement, lon, lat))


def test_area_only_rows() -> None:
    """NaN rows are not located; their oblast comes from a known area code."""
    agreement, engine = engine_for("square")
    lon = np.array([np.nan, np.nan, np.nan, np.nan, np.inf])
    lat = np.array([np.nan, np.nan, np.nan, 48.5, np.nan])
    areas = ["UA-02/Some raion", "UA-01", "UA-99", None, "garbage"]
    result = engine.assess(lon, lat, areas)
    assert not result.in_zone.any()
    assert np.isnan(result.signed_distance_m).all()
    assert result.side.tolist() == [""] * 5
    assert result.oblast.tolist() == ["UA-02", "UA-01", "", "", ""]


def test_point_rows_ignore_the_area() -> None:
    _, engine = engine_for("square")
    lon, lat = lonlat_of_metric([1_000.0], [-30_000.0])
    assert engine.assess(lon, lat, ["UA-01"]).oblast.tolist() == ["UA-02"]


def test_mismatched_columns_are_refused() -> None:
    _, engine = engine_for("square")
    with pytest.raises(ValueError):
        engine.assess(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError):
        engine.assess(np.zeros(2), np.zeros(2), ["UA-01"])


def test_non_polygonal_zone_is_refused() -> None:
    from dataclasses import replace

    agreement = synthetic_agreement()
    line_zone = replace(agreement.zones[0], geometry_m=agreement.geography.line_m)
    with pytest.raises(GeometryError):
        ZoneEngine.build(replace(agreement, zones=(line_zone,)))


@pytest.mark.parametrize("key", ["zakarpattia", "luhansk"])
def test_far_from_the_central_meridian(key: str) -> None:
    """At 22.5° E and 40° E the projection bends lattice cells most: still exact."""
    agreement, engine = engine_for(key)
    rng = np.random.default_rng(3)
    bounds = shapely.bounds(agreement.geography.country_m)
    x = rng.uniform(bounds[0] - 30_000, bounds[2] + 30_000, 20_000)
    y = rng.uniform(bounds[1] - 30_000, bounds[3] + 30_000, 20_000)
    lon, lat = unproject_xy(x, y)
    assert_same(engine.assess(lon, lat), reference(agreement, lon, lat))


def test_points_hundreds_of_km_from_the_line() -> None:
    """A big country with the line near its west edge: most points are far from the line."""
    line = [
        (-350_000.0, -400_000.0),
        (-330_000.0, -50_000.0),
        (-360_000.0, 120_000.0),
        (-340_000.0, 400_000.0),
    ]
    agreement = synthetic_agreement(
        line_m=line,
        half_m=400_000.0,
        band_m=20_000.0,
        ring=(0.0, 0.0, 300_000.0, 300_000.0),
        hole=(100_000.0, 100_000.0, 200_000.0, 200_000.0),
    )
    engine = ZoneEngine.build(agreement)
    rng = np.random.default_rng(5)
    x = rng.uniform(-450_000.0, 450_000.0, 30_000)
    y = rng.uniform(-450_000.0, 450_000.0, 30_000)
    lon, lat = unproject_xy(x, y)
    result = engine.assess(lon, lat)
    assert_same(result, reference(agreement, lon, lat))
    assert np.nanmax(np.abs(result.signed_distance_m)) > 700_000.0


# --- the property: the engine equals the reference on random agreements ----------------

coordinate = st.floats(-90_000.0, 90_000.0, allow_nan=False)


@st.composite
def agreements(draw: st.DrawFn) -> tuple[Agreement, float]:
    """A square country cut by a random south-to-north polyline, random band and ring."""
    inner = sorted(set(draw(st.lists(st.floats(-95_000.0, 95_000.0), min_size=0, max_size=6))))
    xs = draw(st.lists(coordinate, min_size=len(inner) + 2, max_size=len(inner) + 2))
    ys = [-100_000.0, *inner, 100_000.0]
    line = list(zip(xs, ys, strict=True))
    band = draw(st.floats(500.0, 60_000.0))
    a, b = sorted(draw(st.lists(coordinate, min_size=2, max_size=2, unique=True)))
    c, d = sorted(draw(st.lists(coordinate, min_size=2, max_size=2, unique=True)))
    ring = (a - 5_000.0, c - 5_000.0, b + 5_000.0, d + 5_000.0)
    hole = (a + (b - a) / 4, c + (d - c) / 4, b - (b - a) / 4, d - (d - c) / 4)
    cell_m = draw(st.sampled_from([2_000.0, 5_000.0, 20_000.0]))
    return synthetic_agreement(line_m=line, band_m=band, ring=ring, hole=hole), cell_m


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agreements(), st.integers(0, 2**32 - 1))
def test_engine_equals_plain_shapely(case: tuple[Agreement, float], seed: int) -> None:
    agreement, cell_m = case
    engine = ZoneEngine.build(agreement, cell_m=cell_m, levels=3)
    rng = np.random.default_rng(seed)
    n = 3_000
    x = rng.uniform(-120_000.0, 120_000.0, n)
    y = rng.uniform(-120_000.0, 120_000.0, n)
    # a share of points exactly on vertices of every geometry involved
    g = agreement.geography
    vertices = np.concatenate(
        [shapely.get_coordinates(z.geometry_m) for z in agreement.zones]
        + [shapely.get_coordinates(g.line_m), shapely.get_coordinates(g.sides_m["RU"])]
    )
    take = rng.integers(0, len(vertices), 300)
    x[:300], y[:300] = vertices[take, 0], vertices[take, 1]
    lon, lat = unproject_xy(x, y)
    lon[-5:] = np.nan
    assert_same(engine.assess(lon, lat), reference(agreement, lon, lat))
    np.testing.assert_array_equal(engine.in_zones(lon, lat), reference(agreement, lon, lat).in_zone)


# --- the real example agreement --------------------------------------------------------


def _example() -> Agreement:
    try:
        from ceasefire.agreement.loader import example_agreement_dir, load_agreement
    except ImportError:
        pytest.skip("ceasefire.agreement.loader is not there yet")
    return load_agreement(example_agreement_dir())


@lru_cache(maxsize=1)
def example_engine() -> tuple[Agreement, ZoneEngine]:
    agreement = _example()
    return agreement, ZoneEngine.build(agreement)


def firms_sample(shared_data: Path, n: int) -> tuple[FloatArray, FloatArray]:
    path = shared_data / "firms-fires" / "ukr_fire_data_2023.csv"
    data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(0, 1), max_rows=n)
    lat: FloatArray = data[:, 0].copy()
    lon: FloatArray = data[:, 1].copy()
    return lon, lat


@pytest.mark.shared_data
def test_example_agreement_on_firms_points(shared_data: Path) -> None:
    agreement, engine = example_engine()
    lon, lat = firms_sample(shared_data, 20_000)
    assert_same(engine.assess(lon, lat), reference(agreement, lon, lat))


def test_example_agreement_boundaries_and_seams() -> None:
    agreement, engine = example_engine()
    rng = np.random.default_rng(11)
    g = agreement.geography
    rings = [z.geometry_m for z in agreement.zones] + [a.geometry_m for a in g.admin_areas[:5]]
    xy = np.concatenate([shapely.get_coordinates(r) for r in rings])
    xy = xy[rng.integers(0, len(xy), 4_000)]
    lon, lat = unproject_xy(xy[:, 0], xy[:, 1])
    # and across the whole country, west (Zakarpattia) to east (Luhansk) and beyond
    lon = np.concatenate([lon, rng.uniform(21.5, 41.0, 6_000)])
    lat = np.concatenate([lat, rng.uniform(44.0, 52.8, 6_000)])
    result = engine.assess(lon, lat)
    assert_same(result, reference(agreement, lon, lat))
    assert set(result.side.tolist()) <= {g.controlled_by, g.other_party, ""}


def test_example_agreement_places() -> None:
    agreement, engine = example_engine()
    # Uzhhorod (Zakarpattia), Kyiv, Donetsk (occupied), Luhansk (occupied), Warsaw
    lon = np.array([22.2879, 30.5234, 37.8028, 39.3078, 21.0122])
    lat = np.array([48.6208, 50.4501, 48.0159, 48.5740, 52.2297])
    result = engine.assess(lon, lat)
    g = agreement.geography
    assert result.side.tolist() == [
        g.other_party,
        g.other_party,
        g.controlled_by,
        g.controlled_by,
        "",
    ]
    assert result.oblast.tolist()[0] == "UA-21"
    assert result.oblast.tolist()[2:] == ["UA-14", "UA-09", ""]
    d: npt.NDArray[np.float64] = result.signed_distance_m
    assert d[0] < -500_000 and d[2] > 0 and d[3] > 0
