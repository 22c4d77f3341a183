"""Cut the small real samples that ship inside the package from ../shared/data.

Rows are copied byte for byte (header first), never re-encoded or edited, so what ships is
exactly what the sources published. Run from the repository root:

    python scripts/build_demo_data.py [--shared ../shared/data]

Window: 2022-12-01 to 2023-01-31 (UTC dates), around the Orthodox Christmas truce declared
for 6-7 January 2023. Only sets whose licence allows redistribution are cut (see DATA.md).
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

WINDOW = (date(2022, 12, 1), date(2023, 1, 31))
OUT = Path("src/ceasefire/data/samples")


def _in_window(day: date | None) -> bool:
    return day is not None and WINDOW[0] <= day <= WINDOW[1]


def _cut(src: Path, dst: Path, encoding: str, keep: Callable[[dict[str, str]], bool]) -> int:
    """Copy the header and every record ``keep`` accepts, as the original bytes."""
    lines = src.read_bytes().splitlines(keepends=True)
    header = lines[0]
    names = next(csv.reader([header.decode(encoding).lstrip("\ufeff")]))
    kept = [header]
    for line in lines[1:]:
        cells = next(csv.reader(io.StringIO(line.decode(encoding))), [])
        if len(cells) == len(names) and keep(dict(zip(names, cells, strict=True))):
            kept.append(line)
    dst.write_bytes(b"".join(kept))
    return len(kept) - 1


def _iso_day(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.strip()[:10]).date()
    except ValueError:
        return None


def _ucdp_days(text: str) -> list[date]:
    """Every reading of UCDP's mixed date formats (m/d/Y h:m:s AM, d/m/Y H:M, Y-m-d)."""
    text = text.strip()
    readings: list[date] = []
    for fmt in (
        "%m/%d/%Y %I:%M:%S %p",
        "%d/%m/%Y %H:%M",
        "%m/%d/%Y %H:%M",
        "%Y-%m-%d",
        "%Y-%m-%d %H:%M:%S",
    ):
        try:
            readings.append(datetime.strptime(text, fmt).date())
        except ValueError:
            pass
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    shared: Path = args.shared
    OUT.mkdir(parents=True, exist_ok=True)
    counts = {}
    for year in (2022, 2023):
        counts[f"firms-{year}"] = _cut(
            shared / f"firms-fires/ukr_fire_data_{year}.csv",
            OUT / f"firms_ukraine_{year}_window.csv",
            "utf-8",
            lambda r: _in_window(_iso_day(r["ACQ_DATE"])),
        )
    counts["alerts-official"] = _cut(
        shared / "air-raid-alerts/official_data_en.csv",
        OUT / "air_raid_alerts_official_window.csv",
        "utf-8",
        lambda r: _in_window(_iso_day(r["started_at"])),
    )
    counts["alerts-volunteer"] = _cut(
        shared / "air-raid-alerts/volunteer_data_en.csv",
        OUT / "air_raid_alerts_volunteer_window.csv",
        "utf-8",
        lambda r: _in_window(_iso_day(r["started_at"])),
    )
    counts["ucdp"] = _cut(
        shared / "conflict-events/UCDP-Ukraine.csv",
        OUT / "ucdp_ged_ukraine_window.csv",
        "cp1252",
        lambda r: any(_in_window(d) for d in _ucdp_days(r["date_start"])),
    )
    for name, count in counts.items():
        print(f"{name}: {count} rows")


if __name__ == "__main__":
    main()
