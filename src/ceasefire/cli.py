"""The command line: a thin layer over the library. It holds no rules of its own.

Every failure the package raises on purpose (``CeasefireError``) is printed as one line
on stderr with a non-zero exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ceasefire import __version__
from ceasefire.agreement.model import Agreement
from ceasefire.cli_evidence import evidence_app
from ceasefire.cli_ledger import ledger_app
from ceasefire.cli_witness import witness_app
from ceasefire.console import bytes_progress, make_progress, option_time, settings_for
from ceasefire.errors import CeasefireError
from ceasefire.settings import Settings

app = typer.Typer(
    name="ceasefire",
    help="Ceasefire monitoring and verification: agreement, observations, zones.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
agreement_app = typer.Typer(help="Check, show and load agreements.", no_args_is_help=True)
app.add_typer(agreement_app, name="agreement")
app.add_typer(ledger_app, name="ledger")
app.add_typer(witness_app, name="witness")
app.add_typer(evidence_app, name="evidence")

console = Console()
TABLE_ROWS = 100  # rows a terminal table shows unless --limit says otherwise
err_console = Console(stderr=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace directory [env CEASEFIRE_WORKSPACE; default ./workspace].",
    ),
]


_settings = settings_for
_when = option_time


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def init(workspace: Annotated[Path, typer.Argument(help="Directory to create.")]) -> None:
    """Create a workspace (a store, and folders for agreements and outputs)."""
    from ceasefire.workspace import Workspace

    with Workspace.init(workspace, _settings(workspace)) as ws:
        console.print(f"workspace ready: {ws.root} (store {ws.store.url})")


@app.command()
def sources() -> None:
    """List the registered source adapters."""
    from ceasefire.observations.sources.registry import available_sources

    table = Table("name", "description")
    for name, cls in sorted(available_sources().items()):
        table.add_row(name, cls.description)
    console.print(table)


# --- agreements --------------------------------------------------------------------------


@agreement_app.command("check")
def agreement_check(
    directory: Annotated[Path, typer.Argument(help="Agreement directory.")],
) -> None:
    """Validate an agreement directory; every problem is listed with file and key."""
    from ceasefire.agreement.loader import load_agreement

    agreement = load_agreement(directory)
    console.print(
        f"[green]ok[/green] {agreement.id} version {agreement.version}: {len(agreement.zones)} zones, "
        f"{len(agreement.rules)} rules, line of contact as of {agreement.geography.line_date or '?'}"
    )


@agreement_app.command("show")
def agreement_show(
    directory: Annotated[Path, typer.Argument(help="Agreement directory.")],
    map_png: Annotated[
        Path | None, typer.Option("--map", help="Write a PNG map of the zones here.")
    ] = None,
) -> None:
    """Print a summary table of an agreement and optionally draw its zones."""
    from ceasefire.agreement.loader import load_agreement

    agreement = load_agreement(directory)
    _print_agreement(agreement)
    if map_png is not None:
        from ceasefire.agreement.mapping import render_zone_map

        render_zone_map(agreement, map_png, title=f"{agreement.id} v{agreement.version}: zones")
        console.print(f"map written: {map_png}")


def _print_agreement(agreement: Agreement) -> None:
    from ceasefire.agreement.summary import summarise

    summary = summarise(agreement)
    console.print(f"[bold]{agreement.id}[/bold] version {agreement.version}  {agreement.title}")
    console.print(
        f"effective {agreement.effective.isoformat()}; parties "
        + ", ".join(f"{p.code} ({p.name})" for p in agreement.parties)
        + "; guarantors "
        + ", ".join(agreement.guarantors)
    )
    console.print(
        f"line of contact as of {summary.line_date}: {summary.line_length_km:,.0f} km in "
        f"{summary.line_pieces} piece(s); sides: "
        + ", ".join(f"{party} {area:,.0f} km²" for party, area in summary.side_areas_km2.items())
    )
    table = Table("zone", "label", "shape", "width km", "area km²", "prohibits", "deadline")
    for row in summary.zones:
        table.add_row(*row.as_strings().values())
    console.print(table)
    rules = Table("rule", "kinds", "where", "severity", "from")
    for rule in agreement.rules:
        where = rule.where + (f" ({', '.join(rule.zones)})" if rule.zones else "")
        start = (rule.after or agreement.effective).strftime("%Y-%m-%d %H:%M UTC")
        rules.add_row(rule.id, ", ".join(sorted(rule.kinds)), where, rule.severity.value, start)
    console.print(rules)


@agreement_app.command("load")
def agreement_load(
    directory: Annotated[Path, typer.Argument(help="Agreement directory.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Validate an agreement, store it as a version in the workspace and make it active."""
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        record, agreement = ws.load_agreement(directory)
        console.print(
            f"loaded {record.agreement_id} version {record.version} (key {record.key}), now active"
        )
        _assess(ws, settings)


@agreement_app.command("list")
def agreement_list(workspace: WorkspaceOption = None) -> None:
    """List the agreement versions stored in the workspace."""
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        table = Table("id", "version", "effective", "loaded", "sha256", "active")
        for a in ws.store.agreements():
            table.add_row(
                a.agreement_id,
                str(a.version),
                a.effective.isoformat(),
                a.loaded_at.isoformat(timespec="seconds"),
                a.content_sha256[:16],
                "yes" if a.active else "",
            )
        console.print(table)


# --- ingest and assessment ---------------------------------------------------------------


def _assess(ws: object, settings: Settings) -> int:
    """Assess pending observations under the active agreement, with a progress bar."""
    from ceasefire.assess import assess_pending
    from ceasefire.store.base import ObservationQuery
    from ceasefire.workspace import Workspace
    from ceasefire.zones.engine import ZoneEngine

    assert isinstance(ws, Workspace)
    if ws.store.active_agreement() is None:
        return 0
    record, agreement = ws.active_agreement()
    total = ws.store.count_observations(ObservationQuery())
    with _progress() as progress:
        task = progress.add_task("assessing zones", total=total)
        engine = ZoneEngine.build(agreement)
        done = assess_pending(
            ws.store,
            engine,
            record.key,
            batch_size=settings.assess_batch,
            progress=lambda n: progress.advance(task, n),
        )
        progress.update(task, completed=total)
    console.print(
        f"assessed {done} observation(s) under {record.agreement_id} version {record.version}"
    )
    return done


def _progress(bytes_mode: bool = False) -> Progress:
    return make_progress(err_console, bytes_mode)


@app.command()
def ingest(
    source: Annotated[
        str, typer.Argument(help="Source adapter name (see `ceasefire sources`) or module:Class.")
    ],
    files: Annotated[list[Path], typer.Argument(help="Input files.")],
    workspace: WorkspaceOption = None,
    assess: Annotated[
        bool, typer.Option(help="Assess new observations under the active agreement.")
    ] = True,
) -> None:
    """Read files with a source adapter into the workspace; rejected rows are kept with reasons."""
    from ceasefire.ingest import ingest_file
    from ceasefire.observations.sources.registry import get_source
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    adapter = get_source(source)
    table = Table("file", "rows", "accepted", "duplicate", "rejected")
    totals = [0, 0, 0, 0]
    with Workspace.open(settings.workspace, settings) as ws:
        with _progress(bytes_mode=True) as progress:
            for path in files:
                task = progress.add_task(f"{adapter.name} {path.name}", total=None)
                summary = ingest_file(
                    ws.store,
                    adapter,
                    path,
                    chunk_rows=settings.chunk_rows,
                    progress=bytes_progress(progress, task),
                )
                counts = [summary.rows, summary.accepted, summary.duplicates, summary.rejected]
                totals = [a + b for a, b in zip(totals, counts, strict=True)]
                table.add_row(path.name, *map(str, counts))
        if len(files) > 1:
            table.add_row("[bold]total", *map(str, totals))
        console.print(table)
        if totals[3]:
            console.print(
                f"{totals[3]} rejected row(s) kept with reasons: ceasefire rejections -w {ws.root}"
            )
        if assess:
            _assess(ws, settings)


@app.command("assess")
def assess_command(workspace: WorkspaceOption = None) -> None:
    """Assess every not-yet-assessed observation under the active agreement."""
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        _assess(ws, settings)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    geojson = "geojson"


@app.command()
def observations(
    workspace: WorkspaceOption = None,
    since: Annotated[
        str | None, typer.Option(help="From this UTC time (ISO 8601 or YYYY-MM-DD), inclusive.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this UTC time, exclusive.")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Observation kind (repeatable).")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Source name (repeatable).")] = None,
    zone: Annotated[
        str | None, typer.Option(help="Only inside this zone of the active agreement.")
    ] = None,
    side: Annotated[str | None, typer.Option(help="Only on this party's side of the line.")] = None,
    oblast: Annotated[
        str | None, typer.Option(help="Only in this oblast (ISO 3166-2 code, e.g. UA-14).")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.", min=1)] = None,
) -> None:
    """Query observations with filters; print a table, CSV or GeoJSON."""
    from ceasefire.exports import to_geojson, write_csv
    from ceasefire.observations.taxonomy import Kind
    from ceasefire.store.base import ObservationQuery
    from ceasefire.workspace import Workspace

    kinds = tuple(kind or ())
    for k in kinds:
        if k not in set(Kind):
            raise CeasefireError(f"--kind: unknown kind {k!r}; known kinds: {', '.join(Kind)}")
    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        active = ws.store.active_agreement()
        if zone is not None and active is not None:
            _, agreement = ws.active_agreement()
            if zone not in {z.id for z in agreement.zones}:
                known = ", ".join(z.id for z in agreement.zones)
                raise CeasefireError(
                    f"--zone: no zone {zone!r} in the active agreement; zones: {known}"
                )
        query = ObservationQuery(
            since=_when(since, "--since"),
            until=_when(until, "--until"),
            kinds=kinds,
            sources=tuple(source or ()),
            zone=zone,
            side=side,
            oblast=oblast,
            agreement_key=None if active is None else active.key,
            limit=limit,
        )
        total: int | None = None
        if output_format is OutputFormat.table and limit is None and output is None:
            # a terminal table of a million rows helps nobody: show the first ones and the count
            total = ws.store.count_observations(query)
            query = replace(query, limit=TABLE_ROWS)
        rows = ws.store.query_observations(query)
    if output_format is OutputFormat.table:
        table = Table(
            "time (UTC)",
            "source",
            "kind",
            "lon",
            "lat",
            "area",
            "side",
            "dist km",
            "oblast",
            "zones",
        )
        for o in rows:
            table.add_row(
                o.observed_at.strftime("%Y-%m-%d %H:%M"),
                o.source,
                o.kind,
                "" if o.lon is None else f"{o.lon:.4f}",
                "" if o.lat is None else f"{o.lat:.4f}",
                o.area or "",
                o.side,
                "" if o.signed_distance_m is None else f"{o.signed_distance_m / 1000:.1f}",
                o.oblast,
                ",".join(o.zones),
            )
        target = Console(file=output.open("w", encoding="utf-8")) if output else console
        target.print(table)
        if total is not None and total > len(rows):
            target.print(
                f"first {len(rows)} of {total} observation(s); use --limit, or --format csv/geojson"
            )
        else:
            target.print(f"{len(rows)} observation(s)")
        return
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if output_format is OutputFormat.csv:
            write_csv(rows, stream)
        else:
            json.dump(to_geojson(rows), stream, ensure_ascii=False)
            stream.write("\n")
    finally:
        if output:
            stream.close()


@app.command()
def rejections(
    workspace: WorkspaceOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.", min=1)] = 50,
) -> None:
    """List rejected input rows with file, row, field and reason."""
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        rows = ws.store.rejections(source=source, limit=limit)
    table = Table("source", "file", "row", "field", "reason", "raw (as received)")
    for r in rows:
        table.add_row(r.source, r.file_name, str(r.row), r.field, r.reason, r.raw[:80])
    console.print(table)


@app.command()
def status(workspace: WorkspaceOption = None) -> None:
    """Counts of observations and rejections per source, and the active agreement."""
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        summary = ws.store.summary()
        active = ws.store.active_agreement()
    table = Table("source", "observations", "rejections")
    for name in sorted(set(summary.observations_by_source) | set(summary.rejections_by_source)):
        table.add_row(
            name,
            str(summary.observations_by_source.get(name, 0)),
            str(summary.rejections_by_source.get(name, 0)),
        )
    console.print(table)
    console.print(f"input files kept: {summary.input_files}")
    console.print(
        "active agreement: "
        + ("none" if active is None else f"{active.agreement_id} v{active.version}")
    )


@app.command()
def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Workspace to create.")
    ] = Path("demo-workspace"),
) -> None:
    """Run the main job on the shipped example agreement and real sample data."""
    from ceasefire.demo import run_demo

    run_demo(workspace, console=console, progress_factory=_progress)


from ceasefire.cli_api import register as _register_api  # noqa: E402
from ceasefire.cli_reports import register as _register_reports  # noqa: E402
from ceasefire.cli_verification import register as _register_verification  # noqa: E402
from ceasefire.cli_warning import register as _register_warning  # noqa: E402
from ceasefire.cli_warnings import register as _register_warnings  # noqa: E402

_register_verification(app)
_register_reports(app)
_register_api(app)
_register_warning(app)
_register_warnings(app)


def main() -> None:
    """Entry point of the ``ceasefire`` console script."""
    try:
        app()  # standalone mode: usage errors and --help exit here with click's codes
    except CeasefireError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
