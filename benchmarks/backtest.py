"""Runtime of the early-warning backtest on the real data in ../shared/data.

Reads the attack reports, air-raid alerts, UCDP events and FIRMS 2021-2023 through the
source adapters, builds every daily series, then for each default target: fits the model on
its whole record (``fit_full_<series>_seconds``: what a refit of the day model and the 7-day
window model costs; ``..._day_seconds`` the day model alone) and runs the backtest
(fit on the earlier part, forecast each held-out day). Prints ``name: value`` lines; the
totals are ``fit_seconds`` (all full-period fits) and ``backtest_seconds`` (read to scores).

    .venv/bin/python benchmarks/backtest.py [--holdout-days 92] [--target SERIES ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.observations.sources.registry import get_source
from ceasefire.warning.areas import AreaIndex
from ceasefire.warning.backtest import DEFAULT_TARGETS, backtest_target
from ceasefire.warning.forecast import inputs_for
from ceasefire.warning.holdout import Split, fit, split_for
from ceasefire.warning.horizon import HORIZON_DAYS, fit_window
from ceasefire.warning.inputs import records_from_files, shared_files
from ceasefire.warning.series import axis_for, build_series

DATA = Path(
    os.environ.get("CEASEFIRE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holdout-days", type=int, default=92)
    parser.add_argument("--target", action="append", default=None)
    args = parser.parse_args()
    targets = tuple(args.target) if args.target else DEFAULT_TARGETS

    started = time.perf_counter()
    records = records_from_files(shared_files(DATA), get_source)
    read = time.perf_counter() - started
    index = AreaIndex(load_agreement(example_agreement_dir()))
    axis = axis_for(records)
    series = build_series(records, index, axis)
    built = time.perf_counter() - started - read
    print(f"records: {len(records)}")
    print(f"read_seconds: {read:.2f}")
    print(f"series_seconds: {built:.2f}")

    fit_total = 0.0
    for key in targets:
        split = split_for(series, key, args.holdout_days)
        whole = Split(split.fit_from, split.end, split.end)
        inputs = inputs_for(series, key)
        t0 = time.perf_counter()
        day = fit(inputs, whole, series[key].signal.cap)
        day_seconds = time.perf_counter() - t0
        fit_window(inputs, whole, day, HORIZON_DAYS)
        seconds = time.perf_counter() - t0
        fit_total += seconds
        print(f"fit_full_{key.replace('/', '_')}_day_seconds: {day_seconds:.2f}")
        print(f"fit_full_{key.replace('/', '_')}_seconds: {seconds:.2f}")
    print(f"fit_seconds: {fit_total:.2f}")

    t0 = time.perf_counter()
    for key in targets:
        result = backtest_target(series, key, axis, args.holdout_days)
        name = key.replace("/", "_")
        print(f"backtest_{name}_fit_seconds: {result.fit_seconds:.2f}")
        print(f"backtest_{name}_holdout_seconds: {result.backtest_seconds:.2f}")
    print(f"backtest_seconds: {read + built + time.perf_counter() - t0:.2f}")
    print(f"peak_rss_mb: {peak_rss_mb():.0f}")


if __name__ == "__main__":
    main()
