"""The witness's decision (C2SP tlog-witness ``add-checkpoint``), without HTTP.

``Witness.add_checkpoint`` takes the request body and returns the cosignature line, or
raises the ``WitnessRefusal`` subclass the specification names a status for:

=========================  ======  ==================================================
refusal                    status  when
=========================  ======  ==================================================
``MalformedSubmission``    400     unparsable request; old size above the new size
``UntrustedCheckpoint``    403     no signature by a configured key of the log verifies
``UnknownLog``             404     the witness does not follow that origin
``SizeConflict``           409     old size is not the size last cosigned; same size,
                                   another root (a fork: evidence kept)
``InconsistentCheckpoint`` 422     the consistency proof does not verify (evidence kept)
=========================  ======  ==================================================

The check of the old size and the update of the state happen under one lock, so two
concurrent requests can never roll the witness back (the race the specification warns of).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ceasefire import verifier
from ceasefire.ledger.cosignature import Cosigner
from ceasefire.ledger.errors import (
    InconsistentCheckpoint,
    MalformedSubmission,
    SizeConflict,
    UnknownLog,
    UntrustedCheckpoint,
)
from ceasefire.verifier import EMPTY_ROOT, Checkpoint, NoteVerifier
from ceasefire.witness.state import WitnessState

logger = logging.getLogger(__name__)

MAX_PROOF_LINES = 63
_OLD_RE = re.compile(r"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True, slots=True)
class Submission:
    """A parsed add-checkpoint request."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str


def parse_submission(body: bytes) -> Submission:
    """Parse ``old <size>``, the proof lines, a blank line and the signed checkpoint note."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedSubmission("request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise MalformedSubmission("request has no blank line before the checkpoint")
    lines = head.split("\n")
    match = _OLD_RE.fullmatch(lines[0])
    if match is None:
        raise MalformedSubmission("the first line must be 'old <size>' (decimal, no leading 0)")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedSubmission(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof: list[bytes] = []
    for i, line in enumerate(lines[1:]):
        try:
            value = verifier.b64decode_strict(line, f"proof line {i + 1}")
        except verifier.VerificationError as exc:
            raise MalformedSubmission(str(exc)) from None
        if len(value) != verifier.HASH_SIZE:
            raise MalformedSubmission(f"proof line {i + 1} is not a 32-byte hash")
        proof.append(value)
    return Submission(int(match.group(1)), tuple(proof), note)


def submission_body(old_size: int, proof: Iterable[bytes], note: str) -> bytes:
    """The add-checkpoint request body (what the log sends)."""
    lines = [f"old {old_size}", *(verifier.b64encode(h) for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode("utf-8")


class Witness:
    """Cosigns checkpoints of the logs it follows, one consistent history per log."""

    def __init__(
        self, cosigner: Cosigner, log_keys: Iterable[NoteVerifier], state: WitnessState
    ) -> None:
        self.cosigner = cosigner
        self.state = state
        self._log_keys: dict[str, list[NoteVerifier]] = {}
        for key in log_keys:
            self._log_keys.setdefault(key.name, []).append(key)
        self._lock = threading.Lock()

    @property
    def origins(self) -> list[str]:
        """The logs this witness follows (the names of its configured log keys)."""
        return sorted(self._log_keys)

    def _open(self, note: str) -> Checkpoint:
        try:
            text, _ = verifier.parse_note(note)
            origin = verifier.parse_checkpoint(text).origin
        except verifier.VerificationError as exc:
            raise MalformedSubmission(f"not a signed checkpoint: {exc}") from None
        keys = self._log_keys.get(origin)
        if keys is None:
            raise UnknownLog(f"this witness does not follow the log {origin!r}")
        try:
            return verifier.open_checkpoint(note, keys, origin)
        except verifier.VerificationError as exc:
            raise UntrustedCheckpoint(f"checkpoint of {origin!r} refused: {exc}") from None

    def add_checkpoint(self, body: bytes) -> str:
        """Check a submission and cosign its checkpoint; return the cosignature line."""
        submission = parse_submission(body)
        offered = self._open(submission.note)
        if submission.old_size > offered.size:
            raise MalformedSubmission(
                f"old size {submission.old_size} is larger than the checkpoint's {offered.size}"
            )
        origin = offered.origin
        with self._lock:
            held = self.state.latest(origin)
            held_size = 0 if held is None else held.checkpoint.size
            if held is not None and offered.size == held_size:
                if offered.root_hash != held.checkpoint.root_hash:
                    reason = (
                        f"fork: the log signed two roots for tree size {held_size}: "
                        f"{verifier.b64encode(held.checkpoint.root_hash)} (cosigned before) and "
                        f"{verifier.b64encode(offered.root_hash)}"
                    )
                    self.state.keep_fork(origin, held, submission.note, body, reason)
                    raise SizeConflict(reason, held_size)
            if submission.old_size != held_size:
                raise SizeConflict(
                    f"old size {submission.old_size} is not {held_size}, the size of the latest "
                    f"checkpoint of {origin!r} this witness cosigned",
                    held_size,
                )
            old_root = EMPTY_ROOT if held is None else held.checkpoint.root_hash
            try:
                verifier.verify_consistency(
                    held_size, offered.size, submission.proof, old_root, offered.root_hash
                )
            except verifier.VerificationError as exc:
                reason = (
                    f"the checkpoint of size {offered.size} is not shown consistent with the "
                    f"one of size {held_size} cosigned before: {exc}"
                )
                if held is not None:
                    self.state.keep_fork(origin, held, submission.note, body, reason)
                raise InconsistentCheckpoint(reason) from None
            line = self.cosigner.cosign(verifier.parse_note(submission.note)[0])
            self.state.save(origin, submission.note + line)
        logger.info("cosigned %s at size %d", origin, offered.size)
        return line
