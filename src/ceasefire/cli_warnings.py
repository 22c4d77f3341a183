"""``ceasefire warnings issue`` and ``ceasefire warnings list``: a thin layer over the warning
issuer (``ceasefire.warning.issue``) and the warnings store (``store.warnings_sqlite``)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from ceasefire.console import option_time, settings_for
from ceasefire.errors import CeasefireError, InputError

if TYPE_CHECKING:
    from ceasefire.settings import Settings
    from ceasefire.store.warnings_sqlite import StoredWarning
    from ceasefire.warning.model import WarningRecord
    from ceasefire.workspace import Workspace

ISSUER_MODULE = "ceasefire.warning.issue"

console = Console()

warnings_app = typer.Typer(
    help="Warnings: forecasts of renewed or escalating activity, kept as records.",
    no_args_is_help=True,
)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory [env CEASEFIRE_WORKSPACE]."),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--day: {value!r} is not a date YYYY-MM-DD") from None


def _table(rows: Sequence[StoredWarning], title: str) -> Table:
    from ceasefire.reports.from_warnings import area_text, driver_text, lead_text

    table = Table(
        "warning",
        "area",
        "event",
        "valid from (UTC)",
        "valid to (UTC)",
        "probability",
        "lead",
        "drivers",
        title=title,
    )
    for s in rows:
        r = s.record
        table.add_row(
            r.warning_id,
            area_text(r),
            f"{r.event.value} ({r.signal})",
            f"{r.valid_from:%Y-%m-%d %H:%M}",
            f"{r.valid_to:%Y-%m-%d %H:%M}",
            f"{r.probability:.0%}",
            lead_text(r.lead_time_s),
            "; ".join(driver_text(d) for d in r.drivers),
        )
    return table


def _issuer() -> ModuleType:
    """The forecasting part's issuer module, imported only when asked for: the rest of the
    command line works without it."""
    try:
        return importlib.import_module(ISSUER_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ISSUER_MODULE:
            raise
        raise CeasefireError(f"issuing warnings needs {ISSUER_MODULE}, which is missing") from None


def _issue(
    ws: Workspace, day: date, settings: Settings
) -> tuple[Sequence[WarningRecord], list[tuple[str, str]]]:
    """The day's warnings and the (series, reason) of each series not forecast."""
    module = _issuer()
    issue_day = getattr(module, "issue_day", None)
    if issue_day is None:  # an issuer that gives no reasons
        records: Sequence[WarningRecord] = module.issue_warnings(ws, day)
        return records, []
    result = issue_day(ws, day, settings)
    return result.warnings, [(s.series, s.reason) for s in result.skipped]


def _skipped_table(skipped: Sequence[tuple[str, str]], day: date) -> Table:
    table = Table("signal or series", "why not forecast", title=f"not forecast for {day}")
    for series, reason in skipped:
        table.add_row(series, reason)
    return table


@warnings_app.command("issue")
def issue(
    day: Annotated[str, typer.Option(help="Issue the warnings for this UTC day, YYYY-MM-DD.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Issue the warnings for a day from the data before it; store them in the ledger.

    Prints the signals and series not forecast and why (above all: data for the day before
    not delivered yet, so a missing day is not read as a quiet one)."""
    from ceasefire.store.warnings_sqlite import SqliteWarnings
    from ceasefire.workspace import Workspace

    wanted = _day(day)
    settings = settings_for(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        records, skipped = _issue(ws, wanted, settings)
        written = SqliteWarnings(ws.store).add(records)
    console.print(_table(written.added, f"warnings issued for {wanted:%Y-%m-%d}"))
    if skipped:
        console.print(_skipped_table(skipped, wanted))
    console.print(
        f"{len(written.added)} new warning(s) stored, each a ledger leaf; "
        f"{written.duplicates} already stored; {len(skipped)} signal(s) or series not forecast"
    )


@warnings_app.command("list")
def list_warnings(
    since: Annotated[
        str | None, typer.Option(help="Valid at some time from this UTC time (or YYYY-MM-DD).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="... up to this UTC time, exclusive.")] = None,
    area: Annotated[
        list[str] | None, typer.Option(help="Only this area, e.g. UA-14 (repeatable).")
    ] = None,
    event: Annotated[
        list[str] | None, typer.Option(help="Only this event: renewal, escalation (repeatable).")
    ] = None,
    min_probability: Annotated[
        float | None, typer.Option(help="Only warnings at least this likely (0 to 1).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.", min=1)] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table or json.")
    ] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """List stored warnings by start of validity, with area, probability, lead and drivers."""
    from ceasefire.store.warnings_sqlite import SqliteWarnings, WarningQuery
    from ceasefire.warning.model import WarningEvent
    from ceasefire.workspace import Workspace

    if min_probability is not None and not 0.0 <= min_probability <= 1.0:
        raise InputError(f"--min-probability: {min_probability} is not between 0 and 1")
    known = {e.value for e in WarningEvent}
    unknown = [e for e in event or () if e not in known]
    if unknown:
        raise InputError(
            f"--event: unknown event {unknown[0]!r}; known: {', '.join(sorted(known))}"
        )
    start, end = option_time(since, "--since"), option_time(until, "--until")
    query = WarningQuery(
        since=start,
        until=end,
        area_ids=tuple(area or ()),
        events=tuple(WarningEvent(e) for e in event or ()),
        min_probability=min_probability,
        limit=limit,
    )
    settings = settings_for(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        rows = SqliteWarnings(ws.store).query(query)
    if output_format is OutputFormat.json:
        payload = [{**s.record.as_dict(), "leaf_index": s.leaf_index} for s in rows]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console.print(_table(rows, "warnings"))
    console.print(f"{len(rows)} warning(s)")


def register(app: typer.Typer) -> None:
    """Add the ``warnings`` command group to the main ``ceasefire`` app."""
    app.add_typer(warnings_app, name="warnings")
