"""The demo: the main job, end to end, on the shipped example agreement and real samples.

Creates a workspace, loads the example agreement (the line of contact of 26 December 2022),
ingests real observations of December 2022 and January 2023 shipped in the package
(NASA FIRMS, official and volunteer air-raid alerts, UCDP GED), assesses them against the
zones, prints counts per zone and side and draws the zones with the observations.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import as_file, files
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.assess import assess_pending
from ceasefire.console import bytes_progress
from ceasefire.errors import CeasefireError
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.store.base import ObservationQuery
from ceasefire.workspace import MARKER, Workspace
from ceasefire.zones.engine import ZoneEngine

SAMPLES: tuple[tuple[str, str], ...] = (
    ("firms", "firms_ukraine_2022_window.csv"),
    ("firms", "firms_ukraine_2023_window.csv"),
    ("alerts", "air_raid_alerts_official_window.csv"),
    ("alerts", "air_raid_alerts_volunteer_window.csv"),
    ("ucdp", "ucdp_ged_ukraine_window.csv"),
)


def sample_path(name: str) -> Path:
    """Path of a shipped sample file."""
    resource = files("ceasefire") / "data" / "samples" / name
    with as_file(resource) as path:
        return Path(path)


def _fresh_workspace(root: Path) -> Workspace:
    if root.exists():
        if not (root / MARKER).exists() and any(root.iterdir()):
            raise CeasefireError(
                f"{root} exists and is not a ceasefire workspace; choose another --workspace"
            )
        shutil.rmtree(root)
    return Workspace.init(root)


def run_demo(root: Path, *, console: Console, progress_factory: Callable[[], Progress]) -> Path:
    """Run the demo into a fresh workspace at ``root``; return the map's path."""
    from ceasefire.agreement.mapping import render_zone_map

    with _fresh_workspace(root) as ws:
        record, agreement = ws.load_agreement(example_agreement_dir())
        console.print(
            f"agreement {record.agreement_id} version {record.version} loaded "
            f"(line of contact as of {agreement.geography.line_date})"
        )
        table = Table("source", "file", "rows", "accepted", "duplicate", "rejected")
        with progress_factory() as progress:
            for source_name, file_name in SAMPLES:
                source = get_source(source_name)
                task = progress.add_task(f"ingest {file_name}", total=None)
                summary = ingest_file(
                    ws.store,
                    source,
                    sample_path(file_name),
                    progress=bytes_progress(progress, task),
                )
                table.add_row(
                    source_name,
                    file_name,
                    str(summary.rows),
                    str(summary.accepted),
                    str(summary.duplicates),
                    str(summary.rejected),
                )
            engine = ZoneEngine.build(agreement)
            assessed = assess_pending(ws.store, engine, record.key)
        console.print(table)
        console.print(f"{assessed} observations assessed against {len(agreement.zones)} zones")

        counts = Table(
            "zone", "side", "observations", title="observations inside each zone, by side"
        )
        for row in ws.store.zone_counts(record.key):
            counts.add_row(row.zone, row.side or "(outside)", str(row.count))
        console.print(counts)
        sides = Table(
            "side", "observations", title="all assessed observations, by side of the line"
        )
        for side, count in sorted(ws.store.side_counts(record.key).items()):
            sides.add_row(side or "(area only / outside)", str(count))
        console.print(sides)

        points = ws.store.query_observations(ObservationQuery(agreement_key=record.key))
        located = [o for o in points if o.lon is not None and o.lat is not None]
        lon = np.array([o.lon for o in located], dtype=np.float64)
        lat = np.array([o.lat for o in located], dtype=np.float64)
        categories = [o.source for o in located]
        out = ws.outputs / "demo-zone-map.png"
        render_zone_map(
            agreement,
            out,
            lon=lon,
            lat=lat,
            categories=categories,
            title=f"{agreement.id} v{agreement.version}: observations 2022-12-01 to 2023-01-31",
        )
        console.print(f"map written: {out}")
    _replay_truce(root, console)
    return out


TRUCE_WINDOW = (datetime(2022, 12, 30, tzinfo=UTC), datetime(2023, 1, 14, tzinfo=UTC))


def _replay_truce(root: Path, console: Console) -> None:
    """Replay the Orthodox Christmas truce of 6-7 January 2023 on the shipped samples."""
    from ceasefire.cli_reports import print_replay
    from ceasefire.replay import replay

    inputs = [(get_source(source), sample_path(name)) for source, name in SAMPLES]
    console.print("replaying 2022-12-30 to 2023-01-14 as if the agreement had been in force")
    result = replay(example_agreement_dir(), *TRUCE_WINDOW, inputs, root / "replay-christmas-truce")
    print_replay(result)
    per_day = ", ".join(f"{r.day:%m-%d} {len(r.warnings)}" for r in result.issued)
    console.print(
        f"warnings issued and stored for each replayed day ({per_day}): {result.warnings} in "
        f"all, {result.warning_seconds:.1f} s; shown in each daily report and on its map"
    )
