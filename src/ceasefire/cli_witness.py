"""``ceasefire witness ...``: run a C2SP tlog-witness and create its key."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from ceasefire.errors import CeasefireError

witness_app = typer.Typer(
    help="A witness that cosigns ledger checkpoints after checking consistency.",
    no_args_is_help=True,
)

KeyPath = Annotated[Path, typer.Option("--key", help="The witness's key file (outside the repo).")]


@witness_app.command("keygen")
def keygen_command(
    key: KeyPath,
    name: Annotated[str, typer.Option(help="The witness's name, e.g. witness.example/w1.")],
) -> None:
    """Create a witness's Ed25519 cosigning key (mode 0600, never overwritten); print its vkey."""
    from ceasefire.ledger.cosignature import witness_keygen

    typer.echo(witness_keygen(key, name))


@witness_app.command("serve")
def serve_command(
    key: KeyPath,
    state: Annotated[Path, typer.Option(help="State directory (latest checkpoints, forks).")],
    log_vkey: Annotated[
        list[str] | None, typer.Option(help="A log's vkey to trust (repeatable).")
    ] = None,
    log_vkeys: Annotated[
        Path | None, typer.Option(help="File of log vkeys, one per line ('#' comments).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).", min=0)] = 2023,
) -> None:
    """Serve POST /add-checkpoint until interrupted (SIGINT or SIGTERM)."""
    from ceasefire.ledger.checkpoint import parse_vkey
    from ceasefire.ledger.cosignature import load_cosigner
    from ceasefire.witness.core import Witness
    from ceasefire.witness.server import make_server
    from ceasefire.witness.state import WitnessState

    texts = list(log_vkey or [])
    if log_vkeys is not None:
        try:
            lines = log_vkeys.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CeasefireError(f"cannot read {log_vkeys}: {exc.strerror}") from None
        texts.extend(t.strip() for t in lines if t.strip() and not t.strip().startswith("#"))
    if not texts:
        raise CeasefireError("no log to follow: pass --log-vkey or --log-vkeys")
    cosigner = load_cosigner(key)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with WitnessState(state) as witness_state:
        witness = Witness(cosigner, [parse_vkey(t) for t in texts], witness_state)
        server = make_server(witness, host, port)

        def stop(signum: int, frame: object) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        typer.echo(f"witness {cosigner.name} listening on {server.url}", err=False)
        typer.echo(f"vkey {cosigner.vkey}")
        for origin in witness.origins:
            typer.echo(f"follows {origin}")
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
