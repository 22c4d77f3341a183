"""``ceasefire report`` and ``ceasefire replay``: thin commands over ``reports`` and ``replay``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ceasefire.console import option_time
from ceasefire.errors import CeasefireError
from ceasefire.settings import Settings

console = Console()
err_console = Console(stderr=True)

FormatsOption = Annotated[
    str, typer.Option("--format", help="Comma-separated output formats: html, pdf, md.")
]


_time = option_time


def report(
    day: Annotated[str | None, typer.Option(help="The UTC day, YYYY-MM-DD.")] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="Window start (UTC) instead of --day.")
    ] = None,
    until: Annotated[str | None, typer.Option("--to", help="Window end (UTC, exclusive).")] = None,
    formats: FormatsOption = "html,pdf,md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Directory [WORKSPACE/outputs].")
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace directory [env CEASEFIRE_WORKSPACE]."),
    ] = None,
) -> None:
    """Write the daily report (or a report for any window) as HTML, PDF and Markdown."""
    from datetime import datetime

    from ceasefire.reports.build import build_report
    from ceasefire.reports.from_verification import providers
    from ceasefire.reports.from_warnings import mission_warnings
    from ceasefire.reports.publish import configured_signer, publish_report
    from ceasefire.reports.render import write_report
    from ceasefire.store.verification_sqlite import SqliteVerification
    from ceasefire.workspace import Workspace

    if day is not None:
        start = _time(day, "--day")
        assert isinstance(start, datetime)
        end = start + timedelta(days=1)
        stem = f"daily-{start:%Y-%m-%d}"
    elif since is not None and until is not None:
        start_at, end_at = _time(since, "--from"), _time(until, "--to")
        assert isinstance(start_at, datetime) and isinstance(end_at, datetime)
        start, end = start_at, end_at
        stem = f"report-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"
    else:
        raise CeasefireError("give --day, or both --from and --to")
    settings = Settings()
    if workspace is not None:
        settings = settings.model_copy(update={"workspace": workspace})
    signer = configured_signer(settings)  # before writing anything: a bad key file stops here
    with Workspace.open(settings.workspace, settings) as ws:
        record, agreement = ws.active_agreement()
        findings_in, gaps_in = providers(ws.store, SqliteVerification(ws.store), record.key)
        data = build_report(
            ws.store,
            agreement,
            record.key,
            start,
            end,
            findings_in=findings_in,
            gaps_in=gaps_in,
            warnings_in=mission_warnings(ws.store),  # the mission's file: every warning
        )
        written = write_report(
            data, output or ws.outputs, stem, [f.strip() for f in formats.split(",") if f.strip()]
        )
        published = publish_report(ws.store, data, record, written, signer)
    for fmt, path in written.items():
        console.print(f"{fmt}: {path}")
    console.print(f"ledger: report recorded as leaf {published.leaf_index}")
    if published.checkpoint_path is not None and published.checkpoint is not None:
        console.print(f"checkpoint (size {published.checkpoint.size}): {published.checkpoint_path}")


def _inputs(items: list[str]) -> list[tuple[object, Path]]:
    from ceasefire.observations.sources.registry import get_source

    pairs: list[tuple[object, Path]] = []
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise CeasefireError(
                f"{item!r}: give each input as SOURCE=FILE, e.g. firms=ukr_fire_data_2023.csv"
            )
        pairs.append((get_source(name), Path(path)))
    return pairs


def replay(
    agreement_dir: Annotated[Path, typer.Argument(help="Agreement directory.")],
    inputs: Annotated[
        list[str], typer.Argument(help="Input files as SOURCE=FILE (firms=..., alerts=..., ...).")
    ],
    since: Annotated[str, typer.Option("--from", help="Window start (UTC).")],
    until: Annotated[str, typer.Option("--to", help="Window end (UTC, exclusive).")],
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Workspace to create (replaced if it is one).")
    ] = Path("replay-workspace"),
    formats: FormatsOption = "html,pdf,md",
) -> None:
    """Run the whole pipeline over past data as if the agreement had been in force in the window."""
    from datetime import datetime

    from ceasefire.observations.sources.base import Source
    from ceasefire.replay import replay as run_replay

    start, end = _time(since, "--from"), _time(until, "--to")
    assert isinstance(start, datetime) and isinstance(end, datetime)
    pairs = [(s, p) for s, p in _inputs(inputs) if isinstance(s, Source)]
    result = run_replay(
        agreement_dir,
        start,
        end,
        pairs,
        workspace,
        formats=[f.strip() for f in formats.split(",") if f.strip()],
        step=lambda what: err_console.print(f"[dim]{what}[/dim]"),
    )
    print_replay(result)


def print_replay(result: object) -> None:
    """Print what a replay ingested, found per day, and wrote."""
    from ceasefire.replay import ReplayResult

    assert isinstance(result, ReplayResult)
    ingested = Table(
        "source", "file", "rows", "accepted", "duplicate", "rejected", title="ingested"
    )
    for s in result.ingested:
        ingested.add_row(
            s.source, s.file_name, str(s.rows), str(s.accepted), str(s.duplicates), str(s.rejected)
        )
    console.print(ingested)
    levels = ("reported", "corroborated", "confirmed", "rejected")
    days = Table(
        "day (UTC)",
        "observations by source",
        *levels,
        "findings by rule",
        "warnings",
        title="per day",
    )
    for d in result.days:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(d.findings_by_rule.items()))
        sources = ", ".join(f"{name} {n}" for name, n in sorted(d.observations_by_source.items()))
        days.add_row(
            d.day,
            sources,
            *(str(d.findings_by_level.get(level, 0)) for level in levels),
            rules,
            str(d.warnings),
        )
    console.print(days)
    daily = [path for name, path in result.reports.items() if "." in name]
    for name, path in sorted(result.reports.items()):
        if "." not in name:
            console.print(f"window report ({name}): {path}")
    if daily:
        console.print(f"{len(daily)} daily report(s) (HTML) in {daily[0].parent}")


def register(app: typer.Typer) -> None:
    """Add the report commands to the main command line."""
    app.command("report")(report)
    app.command("replay")(replay)
