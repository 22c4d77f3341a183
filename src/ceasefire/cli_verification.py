"""``ceasefire verify``, ``incidents``, ``findings``, ``decide``, ``reply``, ``coverage``,
``export``: a thin layer over ``ceasefire.verification`` (no rules of its own)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table

from ceasefire.console import make_progress, option_time, settings_for
from ceasefire.errors import CeasefireError
from ceasefire.settings import Settings

if TYPE_CHECKING:
    from ceasefire.store.verification_sqlite import SqliteVerification
    from ceasefire.verification.model import VerificationQuery
    from ceasefire.workspace import Workspace

console = Console()
err_console = Console(stderr=True)

coverage_app = typer.Typer(help="Access denials and sensor outages.", no_args_is_help=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory [env CEASEFIRE_WORKSPACE]."),
]
SinceOption = Annotated[
    str | None, typer.Option(help="From this UTC time (ISO 8601 or YYYY-MM-DD), inclusive.")
]
UntilOption = Annotated[str | None, typer.Option(help="Up to this UTC time, exclusive.")]
KindOption = Annotated[
    list[str] | None, typer.Option(help="With a member of this kind (repeatable).")
]
SourceOption = Annotated[
    list[str] | None, typer.Option(help="With a member from this source (repeatable).")
]
ZoneOption = Annotated[str | None, typer.Option(help="Only in this zone of the active agreement.")]
SideOption = Annotated[str | None, typer.Option(help="Only on this party's side of the line.")]
OblastOption = Annotated[str | None, typer.Option(help="Only in this oblast (e.g. UA-14).")]
LevelOption = Annotated[
    str | None, typer.Option(help="Only this level: reported, corroborated, confirmed.")
]
LimitOption = Annotated[int | None, typer.Option(help="At most this many rows.", min=1)]


_settings = settings_for
_when = option_time


@contextmanager
def _opened(
    workspace: Path | None,
) -> Iterator[tuple[Workspace, SqliteVerification, Settings]]:
    from ceasefire.store.verification_sqlite import SqliteVerification
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        yield ws, SqliteVerification(ws.store), settings


def _query(
    ws: Workspace,
    since: str | None,
    until: str | None,
    kind: list[str] | None,
    source: list[str] | None,
    zone: str | None,
    side: str | None,
    oblast: str | None,
    level: str | None,
    limit: int | None,
    rule: str | None = None,
) -> VerificationQuery:
    from ceasefire.observations.taxonomy import Kind
    from ceasefire.verification.model import VerificationQuery

    for k in kind or ():
        if k not in set(Kind):
            raise CeasefireError(f"--kind: unknown kind {k!r}; known kinds: {', '.join(Kind)}")
    if level is not None and level not in ("reported", "corroborated", "confirmed", "rejected"):
        raise CeasefireError(f"--level: unknown level {level!r}")
    active = ws.store.active_agreement()
    return VerificationQuery(
        since=_when(since, "--since"),
        until=_when(until, "--until"),
        kinds=tuple(kind or ()),
        sources=tuple(source or ()),
        zone=zone,
        side=side,
        oblast=oblast,
        agreement_key=None if active is None else active.key,
        level=level,
        rule=rule,
        limit=limit,
    )


def verify(
    since: SinceOption = None,
    until: UntilOption = None,
    day: Annotated[
        str | None, typer.Option(help="One UTC day, YYYY-MM-DD (instead of --since/--until).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Group a window's observations into incidents and judge them under the active agreement."""
    from ceasefire.verification.pipeline import params_from, verify_window

    if day is not None:
        start = _when(day, "--day")
        assert start is not None
        end = start + timedelta(days=1)
    else:
        if since is None or until is None:
            raise CeasefireError("give --day, or both --since and --until")
        start_at, end_at = _when(since, "--since"), _when(until, "--until")
        assert start_at is not None and end_at is not None
        start, end = start_at, end_at
    with _opened(workspace) as (ws, repo, settings):
        record, agreement = ws.active_agreement()
        params = params_from(
            settings.verify_link_slack_m,
            settings.verify_locate_max_m,
            settings.verify_corroborate_max_m,
            settings.verify_tolerances,
        )
        with make_progress(err_console, False) as progress:
            task = progress.add_task("verifying", total=4)

            def step(what: str, done: int, total: int) -> None:
                progress.update(task, description=what, completed=done, total=total)

            summary = verify_window(
                ws.store,
                repo,
                agreement,
                record.key,
                start,
                end,
                params=params,
                margin=timedelta(hours=settings.verify_margin_hours),
                progress=step,
            )
    console.print(
        f"{summary.observations} observation(s) read; {summary.incidents} incident(s) in the window "
        f"({summary.new} new, {summary.extended} extended, {summary.merges} merged); "
        f"{summary.findings} finding(s) under {record.agreement_id} v{record.version} "
        f"({summary.new_finding_states} new or changed)"
    )


def incidents(
    since: SinceOption = None,
    until: UntilOption = None,
    kind: KindOption = None,
    source: SourceOption = None,
    zone: ZoneOption = None,
    side: SideOption = None,
    oblast: OblastOption = None,
    level: LevelOption = None,
    limit: LimitOption = 100,
    workspace: WorkspaceOption = None,
) -> None:
    """List current incidents (not merged away) with level, grade and members."""
    with _opened(workspace) as (ws, repo, _):
        rows = repo.incidents(
            _query(ws, since, until, kind, source, zone, side, oblast, level, limit)
        )
    table = Table(
        "incident",
        "start (UTC)",
        "lon",
        "lat",
        "oblast",
        "side",
        "level",
        "grade",
        "sources",
        "members",
    )
    for i in rows:
        s = i.state
        table.add_row(
            i.incident_id,
            s.start.strftime("%Y-%m-%d %H:%M"),
            "" if s.lon is None else f"{s.lon:.4f}",
            "" if s.lat is None else f"{s.lat:.4f}",
            s.oblast,
            s.side,
            s.verification.level.value,
            s.verification.grade,
            ",".join(s.sources),
            str(s.members),
        )
    console.print(table)
    console.print(f"{len(rows)} incident(s)")


def findings(
    since: SinceOption = None,
    until: UntilOption = None,
    kind: KindOption = None,
    source: SourceOption = None,
    zone: ZoneOption = None,
    side: SideOption = None,
    oblast: OblastOption = None,
    level: LevelOption = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule.")] = None,
    finding_id: Annotated[
        str | None, typer.Option("--id", help="Show this finding in full (JSON), with its trail.")
    ] = None,
    limit: LimitOption = 100,
    workspace: WorkspaceOption = None,
) -> None:
    """List findings under the active agreement, or show one with its evidence and reasons."""
    from ceasefire.verification.exports import findings_geojson

    with _opened(workspace) as (ws, repo, _):
        if finding_id is not None:
            feature = findings_geojson([repo.finding(finding_id)])["features"][0]
            typer.echo(json.dumps(feature, ensure_ascii=False, indent=2))
            return
        rows = repo.findings(
            _query(ws, since, until, kind, source, zone, side, oblast, level, limit, rule)
        )
    from ceasefire.verification.records import effective_state

    table = Table(
        "finding",
        "time (UTC)",
        "rule",
        "severity",
        "zone",
        "oblast",
        "level",
        "grade",
        "responsible",
        "conf.",
    )
    for f in rows:
        state = effective_state(f.level, f.responsible, f.confidence, f.decisions)
        table.add_row(
            f.finding_id,
            f.observed_at.strftime("%Y-%m-%d %H:%M"),
            f.rule_id,
            f.severity,
            f.zone,
            f.oblast,
            state.level,
            f.grade,
            state.responsible or "?",
            f"{state.confidence:.2f}",
        )
    console.print(table)
    console.print(f"{len(rows)} finding(s)")


def decide(
    finding_id: Annotated[str, typer.Argument(help="The finding.")],
    reason: Annotated[str, typer.Option(help="Why (kept verbatim, in the ledger).")],
    analyst: Annotated[str, typer.Option(help="Who decides.")],
    confirm: Annotated[bool, typer.Option("--confirm", help="Confirm the finding.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject the finding.")] = False,
    attribute: Annotated[
        str | None, typer.Option("--attribute", help="Hold this party responsible.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Record an analyst's decision on a finding: a new record, never an edit."""
    from ceasefire.verification.records import Action, Decision

    chosen = [
        a
        for a, on in (
            (Action.CONFIRM, confirm),
            (Action.REJECT, reject),
            (Action.ATTRIBUTE, attribute is not None),
        )
        if on
    ]
    if len(chosen) != 1:
        raise CeasefireError("give exactly one of --confirm, --reject, --attribute PARTY")
    with _opened(workspace) as (ws, repo, _):
        if attribute is not None:
            _, agreement = ws.active_agreement()
            if attribute not in agreement.party_codes:
                raise CeasefireError(
                    f"--attribute: {attribute!r} is not a party ({', '.join(agreement.party_codes)})"
                )
        saved = repo.add_decision(
            Decision(finding_id, chosen[0], reason, analyst, datetime.now(UTC), attribute or "")
        )
    console.print(f"decision {saved.id} recorded: {saved.action.value} {finding_id}")


def reply(
    finding_id: Annotated[str, typer.Argument(help="The finding.")],
    party: Annotated[str, typer.Option(help="The replying party (code).")],
    text: Annotated[str, typer.Option(help="The reply, verbatim.")],
    author: Annotated[str, typer.Option(help="Who sends it (the party's liaison).")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Record a party's reply to a finding (its right of reply)."""
    from ceasefire.verification.records import Reply

    with _opened(workspace) as (ws, repo, _):
        _, agreement = ws.active_agreement()
        if party not in agreement.party_codes:
            raise CeasefireError(
                f"--party: {party!r} is not a party ({', '.join(agreement.party_codes)})"
            )
        saved = repo.add_reply(Reply(finding_id, party, text, author or party, datetime.now(UTC)))
    console.print(f"reply {saved.id} recorded from {party} on {finding_id}")


class GapKindOption(StrEnum):
    access_denial = "access_denial"
    sensor_outage = "sensor_outage"


@coverage_app.command("add")
def coverage_add(
    kind: Annotated[GapKindOption, typer.Option(help="access_denial or sensor_outage.")],
    start: Annotated[str, typer.Option(help="When it began (UTC).")],
    end: Annotated[str | None, typer.Option(help="When it ended (empty: ongoing).")] = None,
    area: Annotated[str, typer.Option(help="Oblast code, optionally '/place'.")] = "",
    lon: Annotated[float | None, typer.Option(help="Longitude of the place.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude of the place.")] = None,
    radius_m: Annotated[float | None, typer.Option(help="Radius around the point (m).")] = None,
    denied_by: Annotated[str, typer.Option(help="Who denied access.")] = "",
    reason: Annotated[str, typer.Option(help="The stated reason, verbatim.")] = "",
    sensor: Annotated[str, typer.Option(help="The sensor (for an outage).")] = "",
    reported_by: Annotated[str, typer.Option(help="Who reports it.")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Record an access denial or a sensor outage."""
    from ceasefire.verification.coverage import CoverageGap, GapKind

    gap = CoverageGap(
        kind=GapKind(kind.value),
        start=_when(start, "--start") or datetime.now(UTC),
        end=_when(end, "--end"),
        area=area,
        lon=lon,
        lat=lat,
        radius_m=radius_m,
        denied_by=denied_by,
        reason=reason,
        sensor=sensor,
        reported_by=reported_by,
    )
    with _opened(workspace) as (_, repo, _s):
        saved = repo.add_gap(gap)
    console.print(f"coverage gap {saved.id} recorded: {saved.kind.value} {saved.where()}")


@coverage_app.command("list")
def coverage_list(
    since: SinceOption = None, until: UntilOption = None, workspace: WorkspaceOption = None
) -> None:
    """Coverage gaps overlapping a window: recorded ones and monitors' denial reports."""
    from ceasefire.verification.pipeline import window_gaps

    start = _when(since, "--since") or datetime(1970, 1, 1, tzinfo=UTC)
    end = _when(until, "--until") or datetime(9999, 1, 1, tzinfo=UTC)
    with _opened(workspace) as (ws, repo, _):
        active = ws.store.active_agreement()
        gaps = window_gaps(ws.store, repo, None if active is None else active.key, start, end)
    table = Table("kind", "start (UTC)", "end", "where", "denied by / sensor", "reason", "from")
    for g in gaps:
        table.add_row(
            g.kind.value,
            g.start.strftime("%Y-%m-%d %H:%M"),
            "ongoing" if g.end is None else g.end.strftime("%Y-%m-%d %H:%M"),
            g.where(),
            g.denied_by or g.sensor,
            g.reason,
            g.source_uid or f"record {g.id}",
        )
    console.print(table)


class ExportFormat(StrEnum):
    geojson = "geojson"
    acled_csv = "acled-csv"


class ExportWhat(StrEnum):
    incidents = "incidents"
    findings = "findings"


def export(
    what: Annotated[ExportWhat, typer.Argument(help="incidents or findings.")],
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="geojson or acled-csv.")
    ] = ExportFormat.geojson,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kind: KindOption = None,
    source: SourceOption = None,
    zone: ZoneOption = None,
    side: SideOption = None,
    oblast: OblastOption = None,
    level: LevelOption = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule (findings).")] = None,
    limit: LimitOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Export incidents or findings with the same filters as the queries."""
    from ceasefire.verification.exports import (
        dump_geojson,
        findings_geojson,
        incidents_geojson,
        write_acled_csv,
    )

    with _opened(workspace) as (ws, repo, _):
        query = _query(ws, since, until, kind, source, zone, side, oblast, level, limit, rule)
        found_incidents = repo.incidents(query) if what is ExportWhat.incidents else []
        found_findings = repo.findings(query) if what is ExportWhat.findings else []
        parties: dict[str, str] = {}
        names: dict[str, str] = {}
        if ws.store.active_agreement() is not None:
            _, agreement = ws.active_agreement()
            parties = {p.code: p.name for p in agreement.parties}
            names = {a.code: a.name for a in agreement.geography.admin_areas}
    stream: TextIO = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if output_format is ExportFormat.acled_csv:
            if what is ExportWhat.incidents:
                write_acled_csv(found_incidents, stream, parties, names)
            else:
                write_acled_csv(found_findings, stream, parties, names)
        elif what is ExportWhat.incidents:
            dump_geojson(incidents_geojson(found_incidents), stream)
        else:
            dump_geojson(findings_geojson(found_findings), stream)
    finally:
        if output:
            stream.close()


def register(app: typer.Typer) -> None:
    """Add the verification commands to the main ``ceasefire`` app."""
    app.command("verify")(verify)
    app.command("incidents")(incidents)
    app.command("findings")(findings)
    app.command("decide")(decide)
    app.command("reply")(reply)
    app.add_typer(coverage_app, name="coverage")
    app.command("export")(export)
