"""Ledger operations on a store: issuing checkpoints, proof bundles, the end-to-end audit.

The CLI (and later the API) call these; they hold the rules, the interfaces only print.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ceasefire import verifier
from ceasefire.errors import CeasefireError, NotFoundError
from ceasefire.ledger.checkpoint import NoteSigner, make_checkpoint, sign_checkpoint
from ceasefire.ledger.cosignature import parse_witness_vkey
from ceasefire.ledger.errors import LedgerCorruptError, QuorumNotMet
from ceasefire.store.ledger_sqlite import LedgerAudit, StoredCheckpoint
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import to_epoch_us

logger = logging.getLogger(__name__)


def _now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


def issue_checkpoint(store: SQLiteStore, signer: NoteSigner) -> StoredCheckpoint:
    """Sign a checkpoint of the log as it stands (origin = the key's name) and store it."""
    with store.transaction("issuing a checkpoint"):  # a consistent size and root
        log = store.ledger.log()
        size, root = log.size, log.root()
        note = sign_checkpoint(make_checkpoint(signer.name, size, root), [signer])
        checkpoint_id = store.ledger.save_checkpoint(size, root, note, _now_us())
    logger.info("checkpoint %d: size %d", checkpoint_id, size)
    return next(c for c in store.ledger.checkpoints() if c.id == checkpoint_id)


def latest_checkpoint(store: SQLiteStore, published_only: bool = False) -> StoredCheckpoint:
    checkpoints = store.ledger.checkpoints(published_only)
    if not checkpoints:
        raise NotFoundError("no checkpoint issued yet; run: ceasefire ledger checkpoint")
    return checkpoints[-1]


def inclusion_bundle(
    store: SQLiteStore, leaf_index: int, checkpoint: StoredCheckpoint | None = None
) -> dict[str, object]:
    """The inclusion bundle of a leaf against a checkpoint (default: the latest)."""
    checkpoint = checkpoint or latest_checkpoint(store)
    if not 0 <= leaf_index < checkpoint.size:
        raise NotFoundError(
            f"leaf {leaf_index} is not in the latest checkpoint (size {checkpoint.size}); "
            "issue a new checkpoint first"
        )
    entry = store.ledger.entry(leaf_index)
    proof = store.ledger.log().inclusion_proof(leaf_index, checkpoint.size)
    return verifier.inclusion_bundle(checkpoint.note, leaf_index, proof, leaf_data=entry.data)


def consistency_bundle(store: SQLiteStore, old_size: int, new_size: int) -> dict[str, object]:
    """The consistency bundle between the stored checkpoints of two tree sizes."""
    old = store.ledger.checkpoint_of_size(old_size)
    new = store.ledger.checkpoint_of_size(new_size)
    proof = store.ledger.log().consistency_proof(old_size, new_size)
    return verifier.consistency_bundle(old.note, new.note, proof)


def audit(store: SQLiteStore) -> tuple[LedgerAudit, StoredCheckpoint | None]:
    """Recompute the whole log from the stored records; check it against the latest checkpoint."""
    result = store.ledger.audit()
    checkpoints = store.ledger.checkpoints()
    latest = checkpoints[-1] if checkpoints else None
    if latest is not None:
        if latest.size > result.leaves:
            raise LedgerCorruptError(
                f"the latest checkpoint has {latest.size} leaves; the log has only {result.leaves}"
            )
        if store.ledger.log().root(latest.size) != latest.root:
            raise LedgerCorruptError(
                f"the log no longer has the root the checkpoint of size {latest.size} signed"
            )
        body = verifier.parse_note(latest.note)[0]
        signed = verifier.parse_checkpoint(body)
        if signed.size != latest.size or signed.root_hash != latest.root:
            raise LedgerCorruptError("the stored checkpoint note differs from its size and root")
    return result, latest


# --- publication with witness cosignatures (C2SP tlog-witness) ----------------------------


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    """A witness the mission asks to cosign: where it listens and its cosigner key."""

    url: str
    key: verifier.CosignatureVerifier

    @property
    def name(self) -> str:
        return self.key.name


@dataclass(frozen=True, slots=True)
class WitnessOutcome:
    """One witness's answer to a publication: its cosignature line, or why it refused."""

    witness: WitnessConfig
    cosignature: str | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Publication:
    """A checkpoint sent to the witnesses, and what each answered."""

    checkpoint: StoredCheckpoint
    outcomes: tuple[WitnessOutcome, ...]
    published: bool


Post = Callable[[str, bytes], tuple[int, str]]
"""Send an add-checkpoint body to a witness URL; (HTTP status or 0, response text)."""


def read_witnesses(path: Path) -> list[WitnessConfig]:
    """Read a witnesses file: one ``<url> <witness vkey>`` per line, ``#`` for comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CeasefireError(f"cannot read the witnesses file {path}: {exc.strerror}") from None
    witnesses: list[WitnessConfig] = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise CeasefireError(f"{path}:{number}: expected '<http(s) URL> <witness vkey>'")
        witnesses.append(WitnessConfig(parts[0], parse_witness_vkey(parts[1])))
    names = [w.name for w in witnesses]
    if len(set(names)) != len(names):
        raise CeasefireError(f"{path}: a witness is listed twice")
    return witnesses


def _ask_witness(
    store: SQLiteStore, checkpoint: StoredCheckpoint, witness: WitnessConfig, post: Post
) -> WitnessOutcome:
    """Submit ``checkpoint`` to one witness; retry once from the size a 409 names."""
    from ceasefire.witness.core import submission_body

    published = [c.size for c in store.ledger.checkpoints(True) if c.size <= checkpoint.size]
    old = published[-1] if published else 0
    log = store.ledger.log()
    for attempt in (1, 2):
        body = submission_body(old, log.consistency_proof(old, checkpoint.size), checkpoint.note)
        status, text = post(witness.url, body)
        if status == 200:
            break
        reason = text.strip().splitlines()[0] if text.strip() else ""
        if status == 409 and attempt == 1 and reason.isdigit():
            their = int(reason)
            if their > checkpoint.size:
                return WitnessOutcome(
                    witness, None, f"it has cosigned a larger tree ({their}) than this checkpoint"
                )
            if their != old:
                old = their
                continue
        label = "no answer" if status == 0 else f"HTTP {status}"
        if status == 409 and reason.isdigit():
            reason = f"conflict at its size {reason} (a fork: same size, another root)"
        return WitnessOutcome(witness, None, f"{label}: {reason}" if reason else label)
    for line in text.splitlines():
        if not line.startswith(f"{verifier.EM_DASH} {witness.name} "):
            continue  # another key's line: ignored, as the specification says
        try:
            found = verifier.witness_cosignatures(f"{checkpoint.note}{line}\n", [witness.key])
        except verifier.VerificationError as exc:
            return WitnessOutcome(witness, None, f"its answer does not verify: {exc}")
        if witness.name in found:
            return WitnessOutcome(witness, f"{line}\n")
    return WitnessOutcome(witness, None, "its answer holds no cosignature by its key")


def publish_checkpoint(
    store: SQLiteStore,
    signer: NoteSigner,
    witnesses: Sequence[WitnessConfig],
    quorum: int,
    post: Post,
) -> Publication:
    """Sign a checkpoint, have the witnesses cosign it, publish it if ``quorum`` did.

    The checkpoint is stored in any case, with the cosignatures it got; it is marked
    published (and so handed out as the published one) only with at least ``quorum``
    cosignatures. Otherwise ``QuorumNotMet`` says which witnesses refused and why.
    """
    if quorum < 1 or quorum > len(witnesses):
        raise CeasefireError(
            f"a quorum of {quorum} cannot be met by {len(witnesses)} configured witness(es)"
        )
    checkpoint = issue_checkpoint(store, signer)
    outcomes = tuple(_ask_witness(store, checkpoint, w, post) for w in witnesses)
    cosignatures = [o.cosignature for o in outcomes if o.cosignature is not None]
    note = checkpoint.note + "".join(cosignatures)
    published = len(cosignatures) >= quorum
    with store.transaction("publishing a checkpoint"):
        store.ledger.mark_published(checkpoint.id, note, _now_us() if published else None)
    stored = next(c for c in store.ledger.checkpoints() if c.id == checkpoint.id)
    result = Publication(stored, outcomes, published)
    if not published:
        refused = "; ".join(
            f"{o.witness.name} ({o.witness.url}): {o.reason}"
            for o in outcomes
            if o.cosignature is None
        )
        raise QuorumNotMet(
            f"checkpoint of size {checkpoint.size} not published: {len(cosignatures)} of "
            f"{len(witnesses)} witnesses cosigned, quorum is {quorum}. Refused: {refused}"
        )
    logger.info("published checkpoint %d (size %d)", checkpoint.id, checkpoint.size)
    return result
