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
