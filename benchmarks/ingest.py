"""End-to-end ingest speed: a FIRMS CSV file into a fresh SQLite store, then zone assessment.

Prints one ``name: value`` line per figure. The input is the real FIRMS detections of
2022 and 2023 from ../shared/data; to reach the requested size, copies of the real rows are
added with their coordinates moved by up to ~50 m (GENERATED rows, labelled as such in the
output), so each copy is a distinct detection to the store.

    python benchmarks/ingest.py [--rows 1000000] [--shared ../shared/data] [--ingest-only]

``*_cpu_s`` is the CPU time of the ingesting process alone (its threads); with
``--ingest-only``, ``ledger_worker_cpu_s`` is that of the leaf worker process. On a shared
machine CPU times move less than wall-clock time does.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.assess import assess_pending
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.store.base import ObservationQuery
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.zones.engine import ZoneEngine


def build_input(
    shared: Path, rows: int, out: Path, layout: str = "chronological"
) -> tuple[int, int]:
    """Write a 3-column FIRMS CSV of ``rows`` rows: real rows first, then jittered copies.

    ``chronological``: copy k is also moved 4k years later, so the file reads like a longer
    archive in time order (how archives arrive). ``interleaved``: copies keep the real dates,
    so every copy lands between rows already stored (the worst case for the indexes).
    """
    real_lines: list[str] = []
    for year in (2022, 2023):
        lines = (shared / f"firms-fires/ukr_fire_data_{year}.csv").read_text().splitlines()
        real_lines.extend(lines[1:])
    real = len(real_lines)
    lat = np.array([float(line.split(",")[0]) for line in real_lines])
    lon = np.array([float(line.split(",")[1]) for line in real_lines])
    day = [line.split(",")[2] for line in real_lines]
    rng = np.random.default_rng(20230106)
    out_lines = ["LATITUDE,LONGITUDE,ACQ_DATE", *real_lines[:rows]]
    copy = 0
    while len(out_lines) - 1 < rows:
        copy += 1
        take = min(real, rows - (len(out_lines) - 1))
        jlat = lat[:take] + rng.uniform(-0.0004, 0.0004, take)
        jlon = lon[:take] + rng.uniform(-0.0006, 0.0006, take)
        out_lines.extend(
            f"{a:.6f},{b:.6f},{d}" for a, b, d in zip(jlat, jlon, day[:take], strict=True)
        )
    out.write_text("\n".join(out_lines) + "\n")
    return min(real, rows), max(0, rows - real)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--layout", choices=("chronological", "interleaved"), default="chronological"
    )
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument(
        "--ingest-only", action="store_true", help="stop after the two ingests (no audit etc.)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "firms_benchmark.csv"
        real, generated = build_input(args.shared, args.rows, csv_path, args.layout)
        print(f"layout: {args.layout}")
        print(f"rows_real: {real}")
        print(f"rows_generated_jittered_copies: {generated}")
        print(f"input_mb: {csv_path.stat().st_size / 1e6:.1f}")
        source = get_source("firms")
        # without the ledger first (synchronous=NORMAL, as before the ledger existed)
        bare = SQLiteStore(Path(tmp) / "bare.db", ledger=False)
        started, cpu = time.perf_counter(), time.process_time()
        bare_summary = ingest_file(bare, source, csv_path)
        bare_s, bare_cpu = time.perf_counter() - started, time.process_time() - cpu
        bare.close()
        print(f"no_ledger_rows_per_s: {bare_summary.rows / bare_s:.0f}")
        print(f"no_ledger_cpu_s: {bare_cpu:.2f}")
        store = SQLiteStore(Path(tmp) / "bench.db")  # the ledger on, synchronous=FULL
        started, cpu = time.perf_counter(), time.process_time()
        summary = ingest_file(store, source, csv_path)
        ingest_s, ingest_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert summary.accepted + summary.duplicates + summary.rejected == summary.rows
        assert store.count_observations(ObservationQuery()) == summary.accepted
        print(f"ingest_rows: {summary.rows}")
        print(f"ingest_accepted: {summary.accepted}")
        print(f"ingest_duplicates: {summary.duplicates}")
        print(f"ingest_rejected: {summary.rejected}")
        print(f"ingest_seconds: {ingest_s:.2f}")
        print(f"ingest_rows_per_s: {summary.rows / ingest_s:,.0f}".replace(",", ""))
        print(f"ledger_rows_per_s: {summary.rows / ingest_s:.0f}")
        print(f"ledger_slowdown_pct: {(ingest_s / bare_s - 1) * 100:.1f}")
        print(f"ledger_cpu_s: {ingest_cpu:.2f}")
        print(f"ledger_cpu_increase_pct: {(ingest_cpu / bare_cpu - 1) * 100:.1f}")
        print(f"ledger_leaves: {store.ledger.size()}")
        if args.ingest_only:
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            store.close()  # stops (and reaps) the leaf worker process
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            print(f"ledger_worker_cpu_s: {worker_cpu:.2f}")
            return
        started = time.perf_counter()
        audit = store.ledger.audit()
        print(f"ledger_verify_leaves_per_s: {audit.leaves / (time.perf_counter() - started):.0f}")

        started = time.perf_counter()
        again = ingest_file(store, source, csv_path)
        print(f"reingest_rows_per_s: {again.rows / (time.perf_counter() - started):.0f}")
        assert again.accepted == 0

        agreement = load_agreement(example_agreement_dir())
        record = store.save_agreement(agreement, {"agreement.yaml": b"benchmark"})
        started = time.perf_counter()
        engine = ZoneEngine.build(agreement)
        assessed = assess_pending(store, engine, record.key)
        assess_s = time.perf_counter() - started
        print(f"assess_rows_per_s: {assessed / assess_s:.0f}")
        print(f"ingest_plus_assess_rows_per_s: {summary.rows / (ingest_s + assess_s):.0f}")
        store.close()


if __name__ == "__main__":
    main()
