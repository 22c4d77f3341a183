"""``ceasefire ledger ...``: keys, checkpoints, proofs and the end-to-end audit."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ceasefire.errors import CeasefireError
from ceasefire.settings import Settings

if TYPE_CHECKING:
    from ceasefire.store.ledger_sqlite import StoredCheckpoint

ledger_app = typer.Typer(
    help="The evidence ledger: keys, checkpoints, proofs.", no_args_is_help=True
)
proof_app = typer.Typer(
    help="Print proof bundles that ceasefire-verify checks.", no_args_is_help=True
)
ledger_app.add_typer(proof_app, name="proof")
console = Console()

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory [env CEASEFIRE_WORKSPACE]."),
]
KeyOption = Annotated[
    Path | None,
    typer.Option("--key", help="Signing key file [env CEASEFIRE_LEDGER_KEY]; outside the repo."),
]


def _settings(workspace: Path | None) -> Settings:
    settings = Settings()
    if workspace is not None:
        settings = settings.model_copy(update={"workspace": workspace})
    return settings


def _key_path(key: Path | None, settings: Settings) -> Path:
    path = key or settings.ledger_key
    if path is None:
        raise CeasefireError("no signing key: pass --key PATH or set CEASEFIRE_LEDGER_KEY")
    return path


@ledger_app.command("keygen")
def keygen_command(
    key: KeyOption = None,
    name: Annotated[
        str | None, typer.Option(help="Key name = the log's origin [env CEASEFIRE_LEDGER_ORIGIN].")
    ] = None,
) -> None:
    """Create an Ed25519 signing key (mode 0600, never overwritten); print its vkey."""
    from ceasefire.ledger.checkpoint import keygen

    settings = Settings()
    vkey = keygen(_key_path(key, settings), name or settings.ledger_origin)
    console.print(vkey, highlight=False, soft_wrap=True)


@ledger_app.command("checkpoint")
def checkpoint_command(
    workspace: WorkspaceOption = None,
    key: KeyOption = None,
    every: Annotated[
        str | None,
        typer.Option(help="Keep issuing one every interval (e.g. 15m, 1h, 30s) until stopped."),
    ] = None,
    count: Annotated[
        int | None, typer.Option(help="With --every: stop after this many.", min=1)
    ] = None,
) -> None:
    """Sign a checkpoint of the log as it stands, store it and print the signed note.

    With --every, keep doing so on a schedule until stopped (SIGTERM or Ctrl-C), checking
    that each checkpoint extends the previous one."""
    from ceasefire.ledger.checkpoint import load_signer
    from ceasefire.ledger_ops import checkpoint_every, issue_checkpoint, parse_interval
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    signer = load_signer(_key_path(key, settings))
    if every is None:
        if count is not None:
            raise CeasefireError("--count needs --every")
        with Workspace.open(settings.workspace, settings) as ws:
            checkpoint = issue_checkpoint(ws.store, signer)
        typer.echo(checkpoint.note, nl=False)
        return
    interval = parse_interval(every)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def issued(checkpoint: StoredCheckpoint) -> None:
        typer.echo(checkpoint.note)  # a blank line after each note separates them
        sys.stdout.flush()

    with Workspace.open(settings.workspace, settings) as ws:
        try:
            checkpoint_every(ws.store, signer, interval, stop, count=count, issued=issued)
        except KeyboardInterrupt:
            pass  # stopped by hand: every checkpoint printed is stored


@proof_app.command("inclusion")
def proof_inclusion(
    workspace: WorkspaceOption = None,
    observation: Annotated[
        str | None, typer.Option(help="Observation uid (source:source_id).")
    ] = None,
    uid: Annotated[str | None, typer.Option(help="Same as --observation.")] = None,
    finding: Annotated[
        str | None, typer.Option(help="Finding id: the leaf of its current state.")
    ] = None,
    leaf: Annotated[int | None, typer.Option(help="Leaf index.", min=0)] = None,
    size: Annotated[
        int | None,
        typer.Option(
            help="Against the stored checkpoint of this tree size (default: latest).", min=1
        ),
    ] = None,
) -> None:
    """Print the inclusion bundle of a record against the latest (or a stored) checkpoint."""
    from ceasefire.ledger_ops import checkpoint_of, inclusion_bundle
    from ceasefire.store.verification_sqlite import SqliteVerification
    from ceasefire.workspace import Workspace

    observation = observation or uid
    if sum(x is not None for x in (observation, finding, leaf)) != 1:
        raise CeasefireError("give exactly one of --observation (--uid), --finding and --leaf")
    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        if observation is not None:
            index = ws.store.ledger.leaf_of_uid(observation)
        elif finding is not None:
            index = SqliteVerification(ws.store).finding_leaf(finding)
        else:
            assert leaf is not None
            index = leaf
        bundle = inclusion_bundle(ws.store, index, checkpoint_of(ws.store, size))
    typer.echo(json.dumps(bundle, ensure_ascii=False, indent=2))


@proof_app.command("consistency")
def proof_consistency(
    old: Annotated[int, typer.Option(help="Tree size of the older checkpoint.", min=0)],
    new: Annotated[int, typer.Option(help="Tree size of the newer checkpoint.", min=0)],
    workspace: WorkspaceOption = None,
) -> None:
    """Print the consistency bundle between two stored checkpoints (by tree size)."""
    from ceasefire.ledger_ops import consistency_bundle
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        bundle = consistency_bundle(ws.store, old, new)
    typer.echo(json.dumps(bundle, ensure_ascii=False, indent=2))


@ledger_app.command("verify")
def verify_command(workspace: WorkspaceOption = None) -> None:
    """Recompute every leaf from the stored records and the whole tree; check the checkpoint."""
    from ceasefire.ledger_ops import audit
    from ceasefire.verifier import b64encode
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    with Workspace.open(settings.workspace, settings) as ws:
        result, latest = audit(ws.store)
    console.print(
        f"ok: {result.leaves} leaves recomputed ({result.observations} observations, "
        f"{result.rejections} rejections, {result.records} other records); root "
        f"{b64encode(result.root)}; "
        + ("no checkpoint yet" if latest is None else f"checkpoint of size {latest.size} matches"),
        highlight=False,
        soft_wrap=True,
    )


@ledger_app.command("publish")
def publish_command(
    workspace: WorkspaceOption = None,
    key: KeyOption = None,
    witnesses: Annotated[
        Path | None,
        typer.Option(
            help="Witnesses file, '<URL> <vkey>' per line [env CEASEFIRE_LEDGER_WITNESSES]."
        ),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(help="Cosignatures needed [env CEASEFIRE_LEDGER_WITNESS_QUORUM].", min=1),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each witness.")] = 10.0,
) -> None:
    """Sign a checkpoint, have the witnesses cosign it; publish it only with a quorum."""
    from ceasefire.ledger.checkpoint import load_signer
    from ceasefire.ledger_ops import publish_checkpoint, read_witnesses
    from ceasefire.witness.client import post_add_checkpoint
    from ceasefire.workspace import Workspace

    settings = _settings(workspace)
    signer = load_signer(_key_path(key, settings))
    path = witnesses or settings.ledger_witnesses
    if path is None:
        raise CeasefireError(
            "no witnesses configured: pass --witnesses FILE or set CEASEFIRE_LEDGER_WITNESSES"
        )
    configured = read_witnesses(path)

    def post(url: str, body: bytes) -> tuple[int, str]:
        answer = post_add_checkpoint(url, body, timeout)
        return answer.status, answer.body

    with Workspace.open(settings.workspace, settings) as ws:
        result = publish_checkpoint(
            ws.store, signer, configured, quorum or settings.ledger_witness_quorum, post
        )
    typer.echo(result.checkpoint.note, nl=False)
