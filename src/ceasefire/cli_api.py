"""``ceasefire users ...`` (API tokens) and ``ceasefire serve`` (the HTTP API)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from ceasefire.console import settings_for

if TYPE_CHECKING:
    from ceasefire.store.access_sqlite import SqliteAccess

console = Console()
err_console = Console(stderr=True)

users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory [env CEASEFIRE_WORKSPACE]."),
]


@contextmanager
def _access(workspace: Path | None) -> Iterator[SqliteAccess]:
    from ceasefire.store.access_sqlite import SqliteAccess
    from ceasefire.workspace import Workspace

    settings = settings_for(workspace)
    with Workspace.open(settings.workspace, settings) as ws:  # migrates the access tables
        access = SqliteAccess(ws.store.path)
        try:
            yield access
        finally:
            access.close()


@users_app.command("add")
def users_add(
    role: Annotated[str, typer.Option(help="monitor, analyst, chief, liaison or guarantor.")],
    name: Annotated[str, typer.Option(help="Who the token is for (shown in the audit log).")],
    party: Annotated[
        str | None,
        typer.Option(help="For a liaison: the belligerent's code; for a guarantor: the state's."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Create a user and print its API token once (only its SHA-256 is kept)."""
    with _access(workspace) as access:
        user, token = access.add_user(name, role, party)
    err_console.print(
        f"user {user.user_id} ({user.role.value}{'/' + user.party if user.party else ''}, "
        f"{user.name}) created; its token is shown once, now:"
    )
    typer.echo(token)


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Every API user with role, party, creation and revocation times (never tokens)."""
    with _access(workspace) as access:
        users = access.users()
    if as_json:
        for u in users:
            typer.echo(
                json.dumps(
                    {
                        "user_id": u.user_id,
                        "name": u.name,
                        "role": u.role.value,
                        "party": u.party,
                        "created_at": u.created_at.isoformat(),
                        "revoked_at": None if u.revoked_at is None else u.revoked_at.isoformat(),
                    }
                )
            )
        return
    table = Table("id", "name", "role", "party", "created (UTC)", "revoked (UTC)")
    for u in users:
        table.add_row(
            u.user_id,
            u.name,
            u.role.value,
            u.party or "",
            f"{u.created_at:%Y-%m-%d %H:%M}",
            "" if u.revoked_at is None else f"{u.revoked_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@users_app.command("revoke")
def users_revoke(
    user_id: Annotated[str, typer.Argument(help="The user's id (see: ceasefire users list).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Revoke a user's token; a running API refuses it within CEASEFIRE_API_TOKEN_CACHE_S."""
    with _access(workspace) as access:
        user = access.revoke(user_id)
    assert user.revoked_at is not None
    console.print(
        f"user {user.user_id} ({user.name}) revoked at {user.revoked_at:%Y-%m-%d %H:%M:%S} UTC"
    )


def serve(
    host: Annotated[str | None, typer.Option(help="Address [env CEASEFIRE_API_HOST].")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port, 0 for any free one [env CEASEFIRE_API_PORT].", min=0)
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve the HTTP API (and the dashboard) on the workspace until interrupted."""
    import logging
    import signal

    import uvicorn

    from ceasefire.api import create_app

    settings = settings_for(workspace)
    updates: dict[str, object] = {}
    if host is not None:
        updates["api_host"] = host
    if port is not None:
        updates["api_port"] = port
    settings = settings.model_copy(update=updates)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(settings)
    err_console.print(
        f"ceasefire API on http://{settings.api_host}:{settings.api_port}/ "
        f"(workspace {settings.workspace}); OpenAPI at /openapi.json"
    )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler
    # it found: make that handler a clean exit, so process managers see status 0
    signal.signal(signal.SIGTERM, _exit_after_shutdown)
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )


def _exit_after_shutdown(signum: int, frame: object) -> None:
    raise SystemExit(0)


def register(app: typer.Typer) -> None:
    """Add ``users`` and ``serve`` to the main ``ceasefire`` app."""
    app.add_typer(users_app, name="users")
    app.command("serve")(serve)
