"""Ledger operations on a store: issuing checkpoints, proof bundles, the end-to-end audit.

The CLI (and later the API) call these; they hold the rules, the interfaces only print.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ceasefire import verifier
from ceasefire.errors import CeasefireError, InputError, NotFoundError, StoreError
from ceasefire.ledger.checkpoint import NoteSigner, make_checkpoint, sign_checkpoint
from ceasefire.ledger.cosignature import parse_witness_vkey
from ceasefire.ledger.errors import LedgerCorruptError, QuorumNotMet
from ceasefire.store.ledger_sqlite import LedgerAudit, StoredCheckpoint
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import to_epoch_us

logger = logging.getLogger(__name__)


def _now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


def issue_checkpoint(
    store: SQLiteStore, signer: NoteSigner, *, extends: StoredCheckpoint | None = None
) -> StoredCheckpoint:
    """Sign a checkpoint of the log as it stands (origin = the key's name) and store it.

    With ``extends``, first check that the log still extends that checkpoint (a consistency
    proof from the stored nodes, checked by the standalone verifier's code); if it does
    not, nothing is signed or stored (``LedgerCorruptError``)."""
    with store.transaction("issuing a checkpoint"):  # a consistent size and root
        log = store.ledger.log()
        size, root = log.size, log.root()
        if extends is not None:
            _check_extends(log.consistency_proof(extends.size, size), extends, size, root)
        note = sign_checkpoint(make_checkpoint(signer.name, size, root), [signer])
        checkpoint_id = store.ledger.save_checkpoint(size, root, note, _now_us())
    logger.info("checkpoint %d: size %d", checkpoint_id, size)
    return next(c for c in store.ledger.checkpoints() if c.id == checkpoint_id)


class IntervalError(InputError):
    """A checkpoint interval that is not a positive number of s, m or h."""


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh])\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_interval(text: str) -> float:
    """Seconds of an interval such as ``15m``, ``1h`` or ``0.5s``."""
    match = _INTERVAL.match(text)
    seconds = float(match[1]) * _UNIT_S[match[2]] if match else 0.0
    if seconds <= 0:
        raise IntervalError(f"interval {text!r}: expected a positive number and s, m or h")
    return seconds


def _check_extends(
    proof: Sequence[bytes], earlier: StoredCheckpoint, size: int, root: bytes
) -> None:
    """Fail closed unless the tree (size, root) provably extends ``earlier``."""
    try:
        verifier.verify_consistency(earlier.size, size, proof, earlier.root, root)
    except verifier.VerificationError as exc:
        raise LedgerCorruptError(
            f"the log of size {size} does not extend the checkpoint of size {earlier.size}: "
            f"{exc}; nothing was signed"
        ) from None


def checkpoint_every(
    store: SQLiteStore,
    signer: NoteSigner,
    every_s: float,
    stop: threading.Event,
    *,
    count: int | None = None,
    issued: Callable[[StoredCheckpoint], None] = lambda _: None,
) -> int:
    """Issue a checkpoint now and every ``every_s`` seconds until ``stop`` is set (or
    ``count`` were issued); return how many were issued.

    One is issued each time, also when the log did not grow: a fresh signed checkpoint says
    the log stood still until then. Before it is signed, the log is checked to extend the
    previous checkpoint with a consistency proof; a store that fails it stops the schedule
    with nothing signed (``LedgerCorruptError``). A store error (e.g. the file busy) skips
    one tick.
    """
    done = 0
    existing = store.ledger.checkpoints()
    last: StoredCheckpoint | None = existing[-1] if existing else None
    while not stop.is_set() and (count is None or done < count):
        try:
            current = issue_checkpoint(store, signer, extends=last)
        except StoreError as exc:
            logger.warning("no checkpoint this time: %s", exc)
        else:
            issued(current)
            last, done = current, done + 1
        if count is not None and done >= count:
            break
        stop.wait(every_s)
    return done


def latest_checkpoint(store: SQLiteStore, published_only: bool = False) -> StoredCheckpoint:
    checkpoints = store.ledger.checkpoints(published_only)
    if not checkpoints:
        raise NotFoundError("no checkpoint issued yet; run: ceasefire ledger checkpoint")
    return checkpoints[-1]


def checkpoint_of(store: SQLiteStore, size: int | None) -> StoredCheckpoint:
    """The stored checkpoint of tree size ``size`` (the latest of that size), or the latest."""
    return latest_checkpoint(store) if size is None else store.ledger.checkpoint_of_size(size)


def inclusion_bundle(
    store: SQLiteStore,
    leaf_index: int,
    checkpoint: StoredCheckpoint | None = None,
    *,
    with_data: bool = True,
) -> dict[str, object]:
    """The inclusion bundle of a leaf against a checkpoint (default: the latest).

    It always carries the leaf hash; ``with_data`` adds the record's canonical JSON (leave
    it out for a caller who may not read the record: the hashes reveal nothing of it).
    """
    checkpoint = checkpoint or latest_checkpoint(store)
    if not 0 <= leaf_index < checkpoint.size:
        raise NotFoundError(
            f"leaf {leaf_index} is not in the checkpoint of size {checkpoint.size}; "
            "issue a new checkpoint first"
        )
    log = store.ledger.log()
    proof = log.inclusion_proof(leaf_index, checkpoint.size)
    data = store.ledger.entry(leaf_index).data if with_data else None
    return verifier.inclusion_bundle(
        checkpoint.note, leaf_index, proof, leaf_data=data, leaf=log.leaf_hash(leaf_index)
    )


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
