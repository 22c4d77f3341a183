"""FIRMS parse speed: rows per second of ``FirmsSource.read`` on a 3-column file.

Prints ``name: value`` lines. The input is the real FIRMS detections of 2022 from
../shared/data, repeated until the requested size (REPEATED rows: identical text, so the
parse work per row is that of real rows). Only parsing is timed (file read, hashing,
validation, building the batches with ``raw``), not storage; the best of three runs.

    python benchmarks/firms_parse.py [--rows 1000000] [--shared DIR] [--chunk-rows 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ceasefire.observations.sources.firms import FirmsSource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    default_shared = Path(__file__).resolve().parents[2] / "shared/data"
    parser.add_argument("--shared", type=Path, default=default_shared)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()
    real = (args.shared / "firms-fires/ukr_fire_data_2022.csv").read_text(encoding="utf-8")
    header, _, body = real.partition("\n")
    lines = body.splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "firms_bench.csv"
        repeats, rest = divmod(args.rows, len(lines))
        text = "\n".join(lines) + "\n"
        tail = "\n".join(lines[:rest]) + "\n" if rest else ""
        path.write_text(header + "\n" + text * repeats + tail, encoding="utf-8")
        source = FirmsSource()
        best = float("inf")
        rows = 0
        for _ in range(3):
            start = time.perf_counter()
            rows = sum(c.rows_read for c in source.read(path, chunk_rows=args.chunk_rows))
            best = min(best, time.perf_counter() - start)
        print(f"firms_parse_rows: {rows}")
        print(f"firms_parse_bytes: {path.stat().st_size}")
        print(f"firms_parse_seconds: {best:.3f}")
        print(f"firms_parse_rows_per_s: {rows / best:.0f}")


if __name__ == "__main__":
    main()
