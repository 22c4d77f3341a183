"""Errors of the ledger: canonical JSON, proofs, checkpoints, keys and stored nodes.

They sit under ``CeasefireError`` so the CLI and the API handle them like every other
error of the package; each has a stable ``code``.
"""

from __future__ import annotations

from ceasefire.errors import CeasefireError


class LedgerError(CeasefireError):
    """Root of the ledger's errors."""

    code = "ledger_error"


class CanonicalizationError(LedgerError):
    """A value has no RFC 8785 canonical form (NaN, an unsafe integer, a non-string key...)."""

    code = "not_canonicalizable"


class ProofError(LedgerError):
    """An inclusion or consistency proof was refused."""

    code = "proof_refused"


class CheckpointError(LedgerError):
    """A signed checkpoint is malformed, or no trusted key's signature on it verifies."""

    code = "checkpoint_refused"


class KeyFileError(LedgerError):
    """A signing key file cannot be created or used (exists, loose permissions, malformed)."""

    code = "key_invalid"


class LedgerRangeError(LedgerError):
    """A leaf index or tree size lies outside the log as it stands."""

    code = "ledger_range"


class LedgerCorruptError(LedgerError):
    """The stored tree is missing a node it must have, or holds one it must not."""

    code = "ledger_corrupt"


class WitnessRefusal(LedgerError):
    """A witness refused to cosign a checkpoint (C2SP tlog-witness); ``reason`` says why."""

    code = "witness_refused"


class MalformedSubmission(WitnessRefusal):
    """The add-checkpoint request is not well formed, or its old size exceeds the new size."""

    code = "witness_bad_request"


class UnknownLog(WitnessRefusal):
    """The witness does not follow the checkpoint's origin."""

    code = "witness_unknown_log"


class UntrustedCheckpoint(WitnessRefusal):
    """No signature by a configured key of the log verifies on the checkpoint."""

    code = "witness_untrusted_checkpoint"


class SizeConflict(WitnessRefusal):
    """The old size is not the size the witness last cosigned, or the same size has another
    root (a fork); ``size`` is the witness's latest cosigned size."""

    code = "witness_conflict"

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


class InconsistentCheckpoint(WitnessRefusal):
    """The consistency proof from the witness's last cosigned checkpoint does not verify."""

    code = "witness_bad_proof"


class QuorumNotMet(LedgerError):
    """Fewer witnesses than the quorum cosigned a checkpoint; it was not published."""

    code = "quorum_not_met"
