"""Ledger operations on a store: issuing checkpoints, proof bundles, the end-to-end audit.

The CLI (and later the API) call these; they hold the rules, the interfaces only print.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ceasefire import verifier
from ceasefire.errors import NotFoundError
from ceasefire.ledger.checkpoint import NoteSigner, make_checkpoint, sign_checkpoint
from ceasefire.ledger.errors import LedgerCorruptError
from ceasefire.store.ledger_sqlite import LedgerAudit, StoredCheckpoint
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import to_epoch_us

logger = logging.getLogger(__name__)


def _now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


def issue_checkpoint(store: SQLiteStore, signer: NoteSigner) -> StoredCheckpoint:
    """Sign a checkpoint of the log as it stands (origin = the key's name) and store it."""
    with store._transaction("issuing a checkpoint"):  # a consistent size and root
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
