"""Witness keys and cosignatures: C2SP tlog-cosignature, ``cosignature/v1`` with Ed25519.

A witness states "as of time T, the largest consistent tree I have seen of this log has
this root" by signing::

    cosignature/v1
    time <T, POSIX seconds>
    <the checkpoint body: origin, size, root hash, extension lines>

and adding a signature line ``— <witness name> base64(key ID || u64 T || signature)`` to
the checkpoint's note. Its key ID is SHA-256(name || 0x0A || 0x04 || public key)[:4] and
its vkey ``<name>+<hex key ID>+<base64(0x04 || public key)>``; type 0x04 keeps a witness
key from ever passing for a log key (type 0x01) and the other way round.

The key file holds ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 || seed)>``: the layout
of Go's note keys, with the cosignature type byte.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ceasefire import verifier
from ceasefire.ledger.checkpoint import Ed25519Key, read_key_file, write_key_file
from ceasefire.ledger.errors import CheckpointError
from ceasefire.verifier import EM_DASH, CosignatureVerifier

logger = logging.getLogger(__name__)


@dataclass(frozen=True, repr=False)
class Cosigner(Ed25519Key):
    """A witness's cosigning key (tlog-cosignature/v1, type 0x04)."""

    KEY_TYPE: ClassVar[int] = verifier.SIGNATURE_TYPE_COSIGNATURE_V1
    WHAT: ClassVar[str] = "witness key"

    @property
    def key_id(self) -> bytes:
        return verifier.cosigner_key_id(self.name, self.public_key)

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.key_id, self.public_key)

    @property
    def vkey(self) -> str:
        """The witness key to give the mission and the parties (type 0x04)."""
        return self.verifier.vkey

    def cosign(self, checkpoint_text: str, timestamp: int | None = None) -> str:
        """The cosignature line of this witness over a checkpoint body, at ``timestamp``."""
        when = int(time.time()) if timestamp is None else timestamp
        if not 0 < when < 2**63:
            raise CheckpointError("a cosignature timestamp must be in (0, 2**63)")
        signature = self.private_key.sign(verifier.cosigned_message(checkpoint_text, when))
        raw = self.key_id + when.to_bytes(8, "big") + signature
        return f"{EM_DASH} {self.name} {verifier.b64encode(raw)}\n"


def parse_witness_vkey(vkey: str) -> CosignatureVerifier:
    """Parse a witness vkey; ``CheckpointError`` if it is malformed."""
    try:
        return CosignatureVerifier.from_vkey(vkey)
    except verifier.VerificationError as exc:
        raise CheckpointError(str(exc)) from None


def witness_keygen(path: str | Path, name: str) -> str:
    """Create a witness key file (mode 0600, outside any git work tree); return its vkey."""
    key = Cosigner.generate(name)
    target = write_key_file(path, key.skey())
    logger.info("created witness key %s (%s) at %s", name, key.key_id.hex(), target)
    return key.vkey


def load_cosigner(path: str | Path) -> Cosigner:
    """Read a witness key file (refused if group or others may read or write it)."""
    return Cosigner.from_skey(read_key_file(path))
