"""Zone engine vs shapely, geopandas and SedonaDB on real FIRMS points and the example agreement.

Prints one ``name: value`` line per figure. Every method must find the same number of points
in every zone (closed zones: ``intersects`` everywhere, never ``contains``/``within``, which
leave out points on a boundary), else the script fails.

    .venv/bin/python benchmarks/zone_engine.py               # 1,000,000 points (the figure)
    .venv/bin/python benchmarks/zone_engine.py --points 200000 --runs 1   # quick look

Baselines get points already projected to the agreement's metric CRS (their projection time is
not counted); the engine takes lon/lat and its time includes whatever projection it does.

``geopandas.sjoin`` is called with the zones on the left: geopandas queries the *right* frame's
tree with the left geometries, and (for ``intersects``) prepares the query geometries, so zones
on the left means prepared zone polygons against a tree of points. Points on the left (the
obvious call) tests every point against unprepared polygons and is ~10x slower
(``--sjoin-points-left`` measures that too). The points' GeoDataFrame and its tree are built
inside the timing: they are per-query data.

Memory: ``engine_assess_peak_traced_mb`` is the peak of memory allocated (tracemalloc) during one
``assess`` of all the points; ``peak_rss_mb`` is the process's peak resident size, read after the
engine's figures (before the baselines load their own copies) and again at the end.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.geo import FloatArray, project_xy
from ceasefire.zones import ZoneEngine

FIRMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "firms-fires"
JITTER_M = 250.0  # standard deviation of the metric jitter of repeated copies


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of ``runs`` calls (after one warm-up call), and the last result."""
    result = fn()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def firms_points(n: int, seed: int = 7) -> tuple[FloatArray, FloatArray, int]:
    """``n`` lon/lat points: the real FIRMS 2022-2023 rows, repeated with small jitter."""
    frames = [
        pd.read_csv(FIRMS / f"ukr_fire_data_{year}.csv", usecols=["LATITUDE", "LONGITUDE"])
        for year in (2022, 2023)
    ]
    real = pd.concat(frames, ignore_index=True)
    lon0 = real["LONGITUDE"].to_numpy(np.float64)
    lat0 = real["LATITUDE"].to_numpy(np.float64)
    rng = np.random.default_rng(seed)
    pick = np.arange(n) % len(lon0)
    lon, lat = lon0[pick].copy(), lat0[pick].copy()
    copies = np.arange(n) >= len(lon0)
    m = int(copies.sum())
    lat[copies] += rng.normal(0.0, JITTER_M, m) / 111_320.0
    lon[copies] += rng.normal(0.0, JITTER_M, m) / (111_320.0 * np.cos(np.radians(lat[copies])))
    return lon, lat, min(n, len(lon0))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (``ru_maxrss`` is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per method (best is kept)")
    parser.add_argument("--skip-sjoin", action="store_true", help="leave out geopandas.sjoin")
    parser.add_argument(
        "--sjoin-points-left",
        action="store_true",
        help="also time sjoin(points, zones): the slow direction (unprepared polygons)",
    )
    args = parser.parse_args()

    import geopandas as gpd
    import sedonadb
    import shapely

    agreement = load_agreement(example_agreement_dir())
    zone_ids = [z.id for z in agreement.zones]
    zones_m = [z.geometry_m for z in agreement.zones]
    lon, lat, real = firms_points(args.points)
    n = len(lon)
    print(f"agreement: {agreement.id} v{agreement.version}")
    print(f"zones: {len(zone_ids)} ({', '.join(zone_ids)})")
    print(f"points: {n}")
    print(f"points_real: {real}")
    print(f"points_jittered_copies: {n - real} (sd {JITTER_M:.0f} m)")

    start = time.perf_counter()
    engine = ZoneEngine.build(agreement)
    build_s = time.perf_counter() - start
    print(f"engine_build_s: {build_s:.2f}")
    print(f"engine_lattice_cells: {engine.grid.nx} x {engine.grid.ny}")

    t, in_zone = best_of(args.runs, lambda: engine.in_zones(lon, lat))
    engine_counts = in_zone.sum(axis=0)
    engine_rate = n / t
    print(f"engine_membership_rows_per_s: {engine_rate:,.0f}")
    t, assessment = best_of(args.runs, lambda: engine.assess(lon, lat))
    print(f"engine_full_assessment_rows_per_s: {n / t:,.0f}")
    assert np.array_equal(assessment.in_zone, in_zone)
    del assessment
    tracemalloc.start()
    engine.assess(lon, lat)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"engine_assess_peak_traced_mb: {traced / 2**20:.0f}")
    print(f"peak_rss_mb: {peak_rss_mb():.0f}")

    x, y = project_xy(lon, lat, agreement.geography.crs)
    for geometry in zones_m:
        shapely.prepare(geometry)

    def prepared() -> list[int]:
        return [int(shapely.intersects_xy(g, x, y).sum()) for g in zones_m]

    t, shapely_counts = best_of(args.runs, prepared)
    print(f"shapely_prepared_intersects_xy_rows_per_s: {n / t:,.0f}")

    counts: dict[str, list[int]] = {"engine": engine_counts.tolist(), "shapely": shapely_counts}

    points = shapely.points(x, y)
    points_gdf = gpd.GeoDataFrame(geometry=points)
    zones_gdf = gpd.GeoDataFrame({"zone": zone_ids}, geometry=zones_m)
    if not args.skip_sjoin:

        def sjoin() -> list[int]:
            # zones left: prepared zone polygons queried against a fresh tree of the points
            joined = gpd.sjoin(zones_gdf, gpd.GeoDataFrame(geometry=points), predicate="intersects")
            per_zone = joined["zone"].value_counts()
            return [int(per_zone.get(z, 0)) for z in zone_ids]

        t, counts["geopandas_sjoin"] = best_of(args.runs, sjoin)
        print(f"geopandas_sjoin_rows_per_s: {n / t:,.0f}")
    if args.sjoin_points_left:

        def sjoin_points_left() -> list[int]:
            joined = gpd.sjoin(gpd.GeoDataFrame(geometry=points), zones_gdf, predicate="intersects")
            per_zone = joined["zone"].value_counts()
            return [int(per_zone.get(z, 0)) for z in zone_ids]

        t, counts["geopandas_sjoin_points_left"] = best_of(1, sjoin_points_left)
        print(f"geopandas_sjoin_points_left_rows_per_s: {n / t:,.0f}")

    sd = sedonadb.connect()
    sd.create_data_frame(points_gdf).to_memtable().to_view("points")
    sd.create_data_frame(zones_gdf).to_memtable().to_view("zones")
    query = (
        "SELECT z.zone, count(*) AS n FROM points p JOIN zones z "
        "ON ST_Intersects(z.geometry, p.geometry) GROUP BY z.zone"
    )

    def sedona() -> list[int]:
        table = sd.sql(query).to_pandas()
        per_zone = dict(zip(table["zone"], table["n"], strict=True))
        return [int(per_zone.get(z, 0)) for z in zone_ids]

    t, counts["sedonadb"] = best_of(args.runs, sedona)
    sedona_rate = n / t
    print(f"sedonadb_rows_per_s: {sedona_rate:,.0f}")
    print(f"ratio_vs_sedonadb: {engine_rate / sedona_rate:.2f}")

    for zone_index, zone_id in enumerate(zone_ids):
        print(f"count_{zone_id}: {counts['engine'][zone_index]}")
    for method, found in counts.items():
        assert found == counts["engine"], (
            f"{method} disagrees with the engine: {found} != {counts['engine']}"
        )
    print(f"methods_agree: {', '.join(counts)}")
    print(f"peak_rss_mb_end: {peak_rss_mb():.0f}")


if __name__ == "__main__":
    main()
