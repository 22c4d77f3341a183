"""Grouping time and peak memory for 1,000,000 observations (real FIRMS rows, jittered copies).

The input: the real NASA FIRMS detections of 2022 and 2023 over Ukraine
(../shared/data/firms-fires, 3-column extracts: date-only rows spanning their UTC day, MODIS
pixel assumed: 707.1 m), repeated with a 250 m metric jitter to reach ``--rows``; each copy
keeps its real date. Labelled ``real+jitter``. Prints ``name: value`` lines.

    .venv/bin/python benchmarks/grouping.py [--rows 1000000] [--runs 1]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ceasefire.geo import DEFAULT_METRIC_CRS, project_xy
from ceasefire.verification.grouping import GroupingInput, group

FIRMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "firms-fires"
JITTER_M = 250.0
DAY_US = 86_400_000_000


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def firms_input(n: int, seed: int = 7) -> tuple[GroupingInput, int]:
    lon_parts, lat_parts, day_parts = [], [], []
    for year in (2022, 2023):
        table = pacsv.read_csv(FIRMS / f"ukr_fire_data_{year}.csv")
        lat_parts.append(table["LATITUDE"].to_numpy().astype(np.float64))
        lon_parts.append(table["LONGITUDE"].to_numpy().astype(np.float64))
        days = pc.cast(pc.cast(table["ACQ_DATE"], "timestamp[us]"), "int64").to_numpy()
        day_parts.append(days.astype(np.int64))
    lon0, lat0 = np.concatenate(lon_parts), np.concatenate(lat_parts)
    day0 = np.concatenate(day_parts)
    rng = np.random.default_rng(seed)
    pick = np.arange(n) % len(lon0)
    x, y = project_xy(lon0[pick], lat0[pick], DEFAULT_METRIC_CRS)
    copies = np.arange(n) >= len(lon0)
    m = int(copies.sum())
    x[copies] += rng.normal(0.0, JITTER_M, m)
    y[copies] += rng.normal(0.0, JITTER_M, m)
    start = day0[pick]
    inp = GroupingInput(
        uid=[f"firms:{i}" for i in range(n)],
        source=["firms"] * n,
        kind=["thermal_anomaly"] * n,
        start_us=start,
        end_us=start + DAY_US,
        x=x,
        y=y,
        uncertainty_m=np.full(n, 707.1),
        oblast=[""] * n,
    )
    return inp, min(n, len(lon0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    base = peak_rss_mb()
    t = time.perf_counter()
    inp, real = firms_input(args.rows)
    build_s = time.perf_counter() - t
    before = peak_rss_mb()
    best = float("inf")
    result = None
    for _ in range(args.runs):
        t = time.perf_counter()
        result = group(inp)
        best = min(best, time.perf_counter() - t)
    assert result is not None
    sizes = np.bincount(result.component[result.component >= 0])
    print(f"rows: {args.rows}")
    print(f"rows_real: {real}")
    print(f"rows_jittered_copies: {args.rows - real}")
    print("label: real+jitter (FIRMS 2022-2023, 250 m jitter, real dates)")
    print(f"input_build_s: {build_s:.2f}")
    print(f"grouping_s: {best:.2f}")
    print(f"grouping_rows_per_s: {args.rows / best:,.0f}")
    print(f"incidents: {result.n_incidents}")
    print(f"largest_incident: {int(sizes.max())}")
    print(f"peak_rss_mb_before_imports_data: {base:.0f}")
    print(f"peak_rss_mb_with_input: {before:.0f}")
    print(f"peak_rss_mb: {peak_rss_mb():.0f}")
    print(f"grouping_peak_extra_mb: {peak_rss_mb() - before:.0f}")


if __name__ == "__main__":
    main()
