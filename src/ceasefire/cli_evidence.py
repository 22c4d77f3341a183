"""``ceasefire evidence ...``: take files in by SHA-256, record custody, check them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ceasefire.errors import CeasefireError, InputError
from ceasefire.settings import Settings

evidence_app = typer.Typer(
    help="Evidence files by SHA-256 with their chain of custody, in the ledger.",
    no_args_is_help=True,
)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory [env CEASEFIRE_WORKSPACE]."),
]


def _settings(workspace: Path | None) -> Settings:
    settings = Settings()
    if workspace is not None:
        settings = settings.model_copy(update={"workspace": workspace})
    return settings


def _print(item: object) -> None:
    from dataclasses import asdict
    from datetime import datetime

    def default(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat().replace("+00:00", "Z")
        raise TypeError(type(value).__name__)

    typer.echo(json.dumps(asdict(item), default=default, ensure_ascii=False, indent=2))  # type: ignore[call-overload]


@evidence_app.command("add")
def add_command(
    file: Annotated[Path, typer.Argument(help="The evidence file.")],
    captured_by: Annotated[str, typer.Option(help="Who captured it.")],
    device: Annotated[str, typer.Option(help="The capturing device (make, model, serial).")],
    captured_at: Annotated[str, typer.Option(help="Capture time, ISO 8601 with offset (UTC).")],
    sha256: Annotated[
        str | None,
        typer.Option(help="SHA-256 stated at capture; the file is refused if it differs."),
    ] = None,
    added_by: Annotated[
        str | None, typer.Option(help="Who takes it in (default: who captured it).")
    ] = None,
    media_type: Annotated[str | None, typer.Option(help="Media type (default: guessed).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Store a file by SHA-256 and record its capture metadata in the ledger."""
    from ceasefire.evidence import EvidenceFiles, add_evidence
    from ceasefire.timeutil import parse_utc
    from ceasefire.workspace import Workspace

    try:
        when = parse_utc(captured_at)
    except ValueError as exc:
        raise InputError(f"--captured-at {captured_at!r}: {exc}") from None
    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        item = add_evidence(
            ws.store,
            EvidenceFiles(ws.root / "evidence"),
            file,
            captured_by=captured_by,
            device=device,
            captured_at=when,
            sha256=sha256,
            added_by=added_by,
            media_type=media_type,
        )
    _print(item)


@evidence_app.command("show")
def show_command(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Print an item's metadata and custody chain (JSON), with their ledger leaf indexes."""
    from ceasefire.evidence import show_evidence
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        _print(show_evidence(ws.store, sha256))


@evidence_app.command("transfer")
def transfer_command(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    to: Annotated[str, typer.Option(help="Who receives it.")],
    by: Annotated[str, typer.Option(help="Who hands it over (records the event).")],
    purpose: Annotated[str, typer.Option(help="Why.")],
    note: Annotated[str, typer.Option(help="Anything else to record.")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Append a custody transfer (from the current holder to --to) to the ledger."""
    from ceasefire.evidence import transfer_evidence
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        _print(transfer_evidence(ws.store, sha256, to=to, by=by, purpose=purpose, note=note))


@evidence_app.command("verify")
def verify_command(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    by: Annotated[
        str | None, typer.Option(help="Record the check as a custody event by this person.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Re-hash the stored bytes and check the records against their ledger leaves."""
    from ceasefire.evidence import EvidenceFiles, verify_evidence
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        report = verify_evidence(ws.store, EvidenceFiles(ws.root / "evidence"), sha256, by=by)
    if not report.ok:
        problems = list(report.ledger_problems)
        if report.stored_sha256 != report.sha256:
            problems.insert(0, f"the stored bytes now hash to {report.stored_sha256}")
        raise CeasefireError(f"evidence {report.sha256} FAILED: " + "; ".join(problems))
    typer.echo(f"ok: {report.sha256}: stored bytes and ledger records intact")
