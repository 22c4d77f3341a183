"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, signed with Ed25519.

A checkpoint states a log's origin, tree size and root hash::

    ceasefire.example/ledger
    1234
    7fG1e4dpLQ3xnN3k3i8xxtq1H9eyTqkGx+rTxkJ1N0A=

    — ceasefire.example/ledger Nk2S3ZvT...base64(key ID || Ed25519 signature)...

The signature covers the text above the blank line, final newline included. The key ID is
SHA-256(name || 0x0A || 0x01 || public key)[:4]; a party trusts a key through its verifier
key ``<name>+<hex key ID>+<base64(0x01 || public key)>``, published with every report.

Private keys live outside the repository, in files readable by their owner only, in the
``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`` form of Go's note package.
Parsing and verification are those of the standalone :mod:`ceasefire.verifier`, so the
mission checks its checkpoints with the very code the parties run.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from ceasefire import verifier
from ceasefire.ledger.errors import CheckpointError, KeyFileError
from ceasefire.verifier import EM_DASH, Checkpoint, NoteVerifier

logger = logging.getLogger(__name__)

__all__ = [
    "Checkpoint",
    "NoteSigner",
    "NoteVerifier",
    "add_signatures",
    "keygen",
    "load_signer",
    "make_checkpoint",
    "open_checkpoint",
    "parse_vkey",
    "sign_checkpoint",
    "sign_note",
]

_SKEY_PREFIX = "PRIVATE+KEY+"


def parse_skey(skey: str, key_type: int, what: str) -> tuple[str, str, bytes]:
    """Split ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>`` into name, ID, seed."""
    if not skey.startswith(_SKEY_PREFIX):
        raise KeyFileError(f"not a {what} (expected PRIVATE+KEY+...)")
    parts = skey[len(_SKEY_PREFIX) :].strip().split("+", 2)
    if len(parts) != 3:
        raise KeyFileError(f"a {what} has the form PRIVATE+KEY+<name>+<id>+<key>")
    name, hex_id, encoded = parts
    try:
        raw = verifier.b64decode_strict(encoded, what)
    except verifier.VerificationError as exc:
        raise KeyFileError(str(exc)) from None
    if len(raw) != 33 or raw[0] != key_type:
        raise KeyFileError(f"{what} is not of type 0x{key_type:02x} with a 32-byte Ed25519 seed")
    return name, hex_id, raw[1:]


@dataclass(frozen=True, repr=False)
class Ed25519Key:
    """An Ed25519 private key with its C2SP name; subclasses say which key type it is.

    The text form is ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``; ``repr``
    never shows the key.
    """

    KEY_TYPE: ClassVar[int]
    WHAT: ClassVar[str]

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        try:
            verifier.check_key_name(self.name)
        except verifier.VerificationError as exc:
            raise KeyFileError(str(exc)) from None

    @classmethod
    def generate(cls, name: str) -> Self:
        """A fresh key named ``name`` (kept in memory; the keygen functions write key files)."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """Parse the text form, checking the key type and that the key ID matches the key."""
        name, hex_id, seed = parse_skey(skey, cls.KEY_TYPE, cls.WHAT)
        key = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if key.key_id.hex() != hex_id:
            raise KeyFileError(f"{cls.WHAT} {name}: key ID does not match the key")
        return key

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        """The 4-byte C2SP key ID (it depends on the key type)."""
        raise NotImplementedError

    def skey(self) -> str:
        """The private key in text form (for the key file only)."""
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw = bytes([self.KEY_TYPE]) + seed
        return f"{_SKEY_PREFIX}{self.name}+{self.key_id.hex()}+{verifier.b64encode(raw)}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, key_id={self.key_id.hex()!r})"


@dataclass(frozen=True, repr=False)
class NoteSigner(Ed25519Key):
    """A checkpoint signing key (signed-note Ed25519, type 0x01)."""

    KEY_TYPE: ClassVar[int] = verifier.SIGNATURE_TYPE_ED25519
    WHAT: ClassVar[str] = "signing key"

    @property
    def key_id(self) -> bytes:
        return verifier.key_id(self.name, self.public_key)

    @property
    def verifier(self) -> NoteVerifier:
        """The matching verifier."""
        return NoteVerifier(self.name, self.key_id, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key to publish: ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        return self.verifier.vkey

    def signature_line(self, text: str) -> str:
        """The note signature line of this key over ``text``."""
        signature = self.private_key.sign(text.encode("utf-8"))
        return f"{EM_DASH} {self.name} {verifier.b64encode(self.key_id + signature)}\n"


def parse_vkey(vkey: str) -> NoteVerifier:
    """Parse a verifier key; ``CheckpointError`` if it is malformed."""
    try:
        return NoteVerifier.from_vkey(vkey)
    except verifier.VerificationError as exc:
        raise CheckpointError(str(exc)) from None


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign ``text`` (ending in a newline, no blank last line) with each signer, in order."""
    if not signers:
        raise CheckpointError("a note needs at least one signature")
    if not text.endswith("\n") or text.endswith("\n\n") or text == "\n":
        raise CheckpointError("note text must end with exactly one newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise CheckpointError("note text contains a control character")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


def add_signatures(note: str, signers: Iterable[NoteSigner]) -> str:
    """Add signature lines to an already signed note (e.g. the new key during a rotation)."""
    try:
        text, existing = verifier.parse_note(note)
    except verifier.VerificationError as exc:
        raise CheckpointError(str(exc)) from None
    present = {(s.name, s.key_id) for s in existing}
    added = "".join(s.signature_line(text) for s in signers if (s.name, s.key_id) not in present)
    return note + added


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> str:
    """The signed note of ``checkpoint``. The log's own key (named as the origin) must sign."""
    if not any(s.name == checkpoint.origin for s in signers):
        raise CheckpointError(f"no signer is named as the log's origin {checkpoint.origin!r}")
    return sign_note(checkpoint.to_text(), signers)


def make_checkpoint(
    origin: str, size: int, root_hash: bytes, extensions: Sequence[str] = ()
) -> Checkpoint:
    """Build a checkpoint, with ``CheckpointError`` for a bad field."""
    try:
        return Checkpoint(origin, size, root_hash, tuple(extensions))
    except verifier.VerificationError as exc:
        raise CheckpointError(str(exc)) from None


def open_checkpoint(
    note: str, verifiers: Iterable[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint against trusted keys; ``CheckpointError`` if refused."""
    try:
        return verifier.open_checkpoint(note, verifiers, origin)
    except verifier.VerificationError as exc:
        raise CheckpointError(str(exc)) from None


# --- key files -----------------------------------------------------------------------------


def _git_worktree(path: Path) -> Path | None:
    for parent in path.parents:
        if (parent / ".git").exists():
            return parent
    return None


def write_key_file(path: str | Path, text: str) -> Path:
    """Create a secret key file holding ``text`` (mode 0600), fsynced; return its path.

    Refuses to overwrite a file, and to write inside a git work tree (a key must never be
    committed). The directory is created (mode 0700) if missing.
    """
    target = Path(path).expanduser().absolute()
    repo = _git_worktree(target)
    if repo is not None:
        raise KeyFileError(f"{target} is inside the git work tree {repo}; keep keys outside")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{target} already exists; not overwriting a key") from None
    except OSError as exc:
        raise KeyFileError(f"cannot create {target}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return target


def read_key_file(path: str | Path) -> str:
    """The text of a secret key file; refused if group or others may read or write it."""
    target = Path(path).expanduser()
    try:
        mode = target.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"{target} is accessible by group or others (mode {stat.S_IMODE(mode):o}); "
                "chmod 600 it"
            )
        text = target.read_text(encoding="ascii")
    except OSError as exc:
        raise KeyFileError(f"cannot read {target}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"{target} is not a signing key file") from None
    return text.strip()


def keygen(path: str | Path, name: str) -> str:
    """Create a new signing key file at ``path`` (mode 0600) and return its verifier key.

    Refuses to overwrite a file, and to write inside a git work tree (a key must never be
    committed). The directory is created (mode 0700) if missing.
    """
    signer = NoteSigner.generate(name)
    target = write_key_file(path, signer.skey())
    logger.info("created signing key %s (%s) at %s", name, signer.key_id.hex(), target)
    return signer.vkey


def load_signer(path: str | Path) -> NoteSigner:
    """Read a signing key file; refuse it if group or others may read or write it."""
    return NoteSigner.from_skey(read_key_file(path))
