"""Standalone verifier for the ceasefire ledger: trust the maths and a published key, not us.

This module imports nothing from the rest of ceasefire: only the Python standard library and
``cryptography`` (for Ed25519). A party can read it whole, copy it alone, and run it.

It checks two things against signed checkpoints (C2SP tlog-checkpoint in the C2SP
signed-note format, signed with Ed25519):

* **inclusion** -- a record (its canonical JSON bytes, or its leaf hash) is leaf number
  ``leaf_index`` of the log at the checkpoint's tree size (RFC 9162 section 2.1.3.2);
* **consistency** -- a later checkpoint's tree extends an earlier one's, so the record only
  ever grew (RFC 9162 section 2.1.4.2).

Hashing follows RFC 6962 / RFC 9162: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 ||
left || right). The keys to trust are given by the person running the check (``--vkey``),
never taken from the proof bundle.

Command line (exit 0: verified; 1: refused, with one line saying why)::

    ceasefire-verify inclusion bundle.json --vkey 'ceasefire.example/log+1a2b3c4d+AX...'
    ceasefire-verify consistency bundle.json --vkeys mission.vkeys
    ceasefire-verify inclusion bundle.json --vkeys mission.vkeys --witness-vkeys witnesses --quorum 2

With ``--quorum K`` a checkpoint counts only if at least K distinct trusted witnesses
cosigned it (C2SP tlog-cosignature, cosignature/v1), so a log cannot show one history to
you and another to everyone else without K witnesses seeing both.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: The root of the empty tree: SHA-256 of nothing (RFC 9162 section 2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: Signature type byte of Ed25519 in C2SP signed-note.
SIGNATURE_TYPE_ED25519 = 0x01
#: Most signature lines a note may carry (the spec asks verifiers to accept at least 16).
MAX_SIGNATURES = 100
EM_DASH = "\u2014"

_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}")


class VerificationError(Exception):
    """A proof, checkpoint, note or key was refused. The message is one line, safe to show."""


# --- hashing -------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise VerificationError(f"{what} is not a {HASH_SIZE}-byte hash")


def _check_size(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise VerificationError(f"{what} is not an integer in [0, 2**64)")


# --- proofs (RFC 9162 section 2.1) -----------------------------------------------------


def root_from_inclusion_proof(
    leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that an inclusion proof of ``leaf`` (a leaf hash) leads to (RFC 9162 2.1.3.2)."""
    _check_hash(leaf, "leaf hash")
    _check_size(leaf_index, "leaf index")
    _check_size(tree_size, "tree size")
    if leaf_index >= tree_size:
        raise VerificationError(f"leaf index {leaf_index} is not below tree size {tree_size}")
    for i, item in enumerate(proof):
        _check_hash(item, f"proof hash {i}")
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for item in proof:
        if sn == 0:
            raise VerificationError("inclusion proof has more hashes than the path is long")
        if fn & 1 or fn == sn:
            r = node_hash(item, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof has fewer hashes than the path is long")
    return r


def verify_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``leaf_index`` in the tree of ``tree_size``
    with root ``root``; raise ``VerificationError`` if not."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(leaf, leaf_index, tree_size, proof) != root:
        raise VerificationError(
            f"inclusion proof for leaf {leaf_index} does not lead to the root of size {tree_size}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` (root ``root2``) extends the tree of ``size1``
    (root ``root1``) (RFC 9162 2.1.4.2); raise ``VerificationError`` if not."""
    _check_size(size1, "old tree size")
    _check_size(size2, "new tree size")
    _check_hash(root1, "old root hash")
    _check_hash(root2, "new root hash")
    for i, item in enumerate(proof):
        _check_hash(item, f"proof hash {i}")
    if size1 > size2:
        raise VerificationError(f"old tree size {size1} is larger than new tree size {size2}")
    if size1 == size2 or size1 == 0:
        if proof:
            raise VerificationError(f"a proof between sizes {size1} and {size2} must be empty")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise VerificationError("the root of an empty tree must be SHA-256 of nothing")
        if size1 == size2 and root1 != root2:
            raise VerificationError(f"two different roots for the same tree size {size1}")
        return
    if not proof:
        raise VerificationError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof has more hashes than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(item, fr)
            sr = node_hash(item, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof has fewer hashes than needed")
    if fr != root1:
        raise VerificationError(f"consistency proof does not lead to the old root (size {size1})")
    if sr != root2:
        raise VerificationError(f"consistency proof does not lead to the new root (size {size2})")


# --- keys and signed notes (C2SP signed-note) -------------------------------------------


def b64decode_strict(text: str, what: str) -> bytes:
    """Decode standard base64 (RFC 4648 section 4), refusing any other spelling of the bytes."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise VerificationError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerificationError(f"{what} is not in canonical base64")
    return raw


def b64encode(raw: bytes) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(raw).decode("ascii")


def check_key_name(name: str) -> None:
    """A key name is non-empty and holds no Unicode space and no ``+`` (C2SP signed-note)."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise VerificationError(f"invalid key name {name!r}: empty, or contains a space or '+'")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in name):
        raise VerificationError(f"invalid key name {name!r}: contains a control character")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name || 0x0A || 0x01 || Ed25519 public key)[:4]."""
    return hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([SIGNATURE_TYPE_ED25519]) + public_key
    ).digest()[:4]


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 key: its name, 4-byte key ID and 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise VerificationError("a verifier key has the form <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        check_key_name(name)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise VerificationError(f"verifier key {name}: key ID is not 8 lowercase hex digits")
        raw = b64decode_strict(encoded, f"verifier key {name}")
        if len(raw) != 1 + 32 or raw[0] != SIGNATURE_TYPE_ED25519:
            raise VerificationError(f"verifier key {name}: not an Ed25519 key (type 0x01)")
        public_key = raw[1:]
        expected = key_id(name, public_key)
        if expected.hex() != hex_id:
            raise VerificationError(f"verifier key {name}: key ID does not match the key")
        try:
            Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:
            raise VerificationError(f"verifier key {name}: not a valid Ed25519 key") from None
        return cls(name, expected, public_key)

    @property
    def vkey(self) -> str:
        """This key in verifier-key form."""
        raw = bytes([SIGNATURE_TYPE_ED25519]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{b64encode(raw)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True if ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note, as read (not yet verified)."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text is vouched for by at least one trusted key."""

    text: str
    verified_by: tuple[NoteVerifier, ...]
    unknown: tuple[NoteSignature, ...] = field(default=())


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text (with its final newline) and its signature lines."""
    for ch in note:
        if ord(ch) < 0x20 and ch != "\n":
            raise VerificationError(f"note contains control character U+{ord(ch):04X}")
    if not note.endswith("\n"):
        raise VerificationError("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerificationError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise VerificationError("note has no signatures")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise VerificationError("a signature line does not start with an em dash and a space")
        fields = line[2:].split(" ")
        if len(fields) != 2:
            raise VerificationError("a signature line is not '— <name> <signature>'")
        name, encoded = fields
        check_key_name(name)
        raw = b64decode_strict(encoded, f"signature by {name}")
        if len(raw) < 5:
            raise VerificationError(f"signature by {name} is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Verify a note against trusted keys, following the C2SP signed-note rules.

    Signatures by unknown keys (name and key ID not both matching a trusted key) are
    ignored; a signature by a trusted key that fails to verify, or a trusted key signing
    twice, refuses the whole note; a note no trusted key verifies is refused.
    """
    text, signatures = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    message = text.encode("utf-8")
    verified: list[NoteVerifier] = []
    unknown: list[NoteSignature] = []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unknown.append(sig)
            continue
        if verifier in verified:
            raise VerificationError(f"key {sig.name} ({sig.key_id.hex()}) signed twice")
        if not verifier.verify(message, sig.signature):
            raise VerificationError(
                f"signature by trusted key {sig.name} ({sig.key_id.hex()}) does not verify"
            )
        verified.append(verifier)
    if not verified:
        names = ", ".join(sorted({f"{s.name} ({s.key_id.hex()})" for s in signatures}))
        raise VerificationError(f"no signature by a trusted key (signed by: {names})")
    return OpenedNote(text, tuple(verified), tuple(unknown))


# --- witness cosignatures (C2SP tlog-cosignature, cosignature/v1) -----------------------

#: Signature type byte of an Ed25519 cosignature/v1 key (C2SP tlog-cosignature).
SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04
COSIGNATURE_HEADER = "cosignature/v1\n"


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of a cosigner: SHA-256(name || 0x0A || 0x04 || public key)[:4]."""
    return hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([SIGNATURE_TYPE_COSIGNATURE_V1]) + public_key
    ).digest()[:4]


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header, ``time <timestamp>``, the checkpoint body."""
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class CosignatureVerifier:
    """A trusted witness: its name, 4-byte key ID and Ed25519 cosigner public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """Parse a witness vkey ``<name>+<hex key ID>+<base64(0x04 || public key)>``."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise VerificationError("a witness key has the form <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        check_key_name(name)
        raw = b64decode_strict(encoded, f"witness key {name}")
        if len(raw) != 1 + 32 or raw[0] != SIGNATURE_TYPE_COSIGNATURE_V1:
            raise VerificationError(
                f"witness key {name}: not an Ed25519 cosignature/v1 key (type 0x04)"
            )
        public_key = raw[1:]
        expected = cosigner_key_id(name, public_key)
        if expected.hex() != hex_id:
            raise VerificationError(f"witness key {name}: key ID does not match the key")
        try:
            Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:
            raise VerificationError(f"witness key {name}: not a valid Ed25519 key") from None
        return cls(name, expected, public_key)

    @property
    def vkey(self) -> str:
        """This key in verifier-key form."""
        raw = bytes([SIGNATURE_TYPE_COSIGNATURE_V1]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{b64encode(raw)}"

    def verify(self, checkpoint_text: str, signature: bytes) -> int | None:
        """The timestamp of a valid cosignature (8-byte timestamp || 64-byte signature) over
        ``checkpoint_text``, or None if it does not verify."""
        if len(signature) != 8 + 64:
            return None
        timestamp = int.from_bytes(signature[:8], "big")
        if not 0 < timestamp < 2**63:
            return None
        message = cosigned_message(checkpoint_text, timestamp)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature[8:], message)
        except (InvalidSignature, ValueError):
            return None
        return timestamp


def witness_cosignatures(note: str, witnesses: Iterable[CosignatureVerifier]) -> dict[str, int]:
    """The trusted witnesses that cosigned ``note``: witness name -> cosignature timestamp.

    As for any signed note, lines by unknown keys are ignored, while a cosignature by a
    trusted witness key that does not verify, or a witness cosigning twice, refuses the note.
    """
    text, signatures = parse_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[str, int] = {}
    for sig in signatures:
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            continue
        if witness.name in found:
            raise VerificationError(f"witness {sig.name} ({sig.key_id.hex()}) cosigned twice")
        timestamp = witness.verify(text, sig.signature)
        if timestamp is None:
            raise VerificationError(
                f"cosignature by trusted witness {sig.name} ({sig.key_id.hex()}) does not verify"
            )
        found[witness.name] = timestamp
    return found


def check_quorum(note: str, witnesses: Sequence[CosignatureVerifier], quorum: int) -> list[str]:
    """Refuse ``note`` unless at least ``quorum`` distinct trusted witnesses cosigned it;
    return their names."""
    if quorum <= 0:
        return []
    names = sorted(witness_cosignatures(note, witnesses))
    if len(names) < quorum:
        raise VerificationError(
            f"checkpoint has {len(names)} valid witness cosignature(s); {quorum} required"
            + (f" (cosigned by: {', '.join(names)})" if names else "")
        )
    return names


# --- checkpoints (C2SP tlog-checkpoint) --------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's state: origin, tree size, root hash, and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise VerificationError("checkpoint origin is empty or spans lines")
        _check_size(self.size, "checkpoint tree size")
        _check_hash(self.root_hash, "checkpoint root hash")
        for line in self.extensions:
            if not line or "\n" in line:
                raise VerificationError("checkpoint extension line is empty or spans lines")

    def to_text(self) -> str:
        """The checkpoint body: the text a signed note signs."""
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the text of its note)."""
    if not text.endswith("\n"):
        raise VerificationError("checkpoint does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError("checkpoint needs an origin, a tree size and a root hash")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE_RE.fullmatch(size_text) or int(size_text) >= 2**64:
        raise VerificationError(f"checkpoint tree size {size_text!r} is not a decimal number")
    root = b64decode_strict(root_text, "checkpoint root hash")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(
    note: str, verifiers: Iterable[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and return it.

    It must carry a valid signature by a trusted key whose name is the checkpoint's origin
    (the log's own key), and, if ``origin`` is given, be that log's checkpoint.
    """
    opened = open_note(note, verifiers)
    checkpoint = parse_checkpoint(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    if not any(v.name == checkpoint.origin for v in opened.verified_by):
        raise VerificationError(
            f"checkpoint is not signed by a trusted key of its log {checkpoint.origin!r}"
        )
    return checkpoint


# --- proof bundles -----------------------------------------------------------------------


def inclusion_bundle(
    checkpoint_note: str,
    leaf_index: int,
    proof: Sequence[bytes],
    *,
    leaf_data: bytes | None = None,
    leaf: bytes | None = None,
) -> dict[str, object]:
    """A JSON-ready inclusion proof bundle for the leaf's data (preferred) or leaf hash."""
    bundle: dict[str, object] = {
        "type": "inclusion",
        "checkpoint": checkpoint_note,
        "leaf_index": leaf_index,
        "proof": [b64encode(h) for h in proof],
    }
    if leaf_data is not None:
        bundle["leaf_data"] = leaf_data.decode("utf-8")
    if leaf is not None:
        bundle["leaf_hash"] = b64encode(leaf)
    return bundle


def consistency_bundle(
    old_checkpoint_note: str, new_checkpoint_note: str, proof: Sequence[bytes]
) -> dict[str, object]:
    """A JSON-ready consistency proof bundle between two signed checkpoints."""
    return {
        "type": "consistency",
        "old_checkpoint": old_checkpoint_note,
        "new_checkpoint": new_checkpoint_note,
        "proof": [b64encode(h) for h in proof],
    }


def _field(bundle: Mapping[str, object], name: str, kind: type) -> object:
    value = bundle.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise VerificationError(f"bundle field {name!r} is missing or not a {kind.__name__}")
    return value


def _proof_hashes(bundle: Mapping[str, object]) -> list[bytes]:
    items = _field(bundle, "proof", list)
    assert isinstance(items, list)
    hashes = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise VerificationError(f"proof hash {i} is not a base64 string")
        hashes.append(b64decode_strict(item, f"proof hash {i}"))
    return hashes


def check_inclusion_bundle(
    bundle: Mapping[str, object],
    verifiers: Sequence[NoteVerifier],
    *,
    leaf_data: bytes | None = None,
    origin: str | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> str:
    """Verify an inclusion bundle; return a one-line account of what was proved.

    ``leaf_data`` (the record's canonical JSON bytes, e.g. read from a file) overrides the
    bundle's own ``leaf_data``; a ``leaf_hash`` in the bundle must then agree with it. With
    ``quorum``, the checkpoint must also carry that many cosignatures of ``witnesses``.
    """
    if bundle.get("type") != "inclusion":
        raise VerificationError("bundle is not an inclusion proof (type != 'inclusion')")
    note = _field(bundle, "checkpoint", str)
    assert isinstance(note, str)
    checkpoint = open_checkpoint(note, verifiers, origin)
    cosigners = check_quorum(note, witnesses, quorum)
    index = _field(bundle, "leaf_index", int)
    assert isinstance(index, int)
    if "tree_size" in bundle and bundle["tree_size"] != checkpoint.size:
        raise VerificationError("bundle tree_size differs from the checkpoint's tree size")
    if leaf_data is None and "leaf_data" in bundle:
        data_text = _field(bundle, "leaf_data", str)
        assert isinstance(data_text, str)
        leaf_data = data_text.encode("utf-8")
    stated: bytes | None = None
    if "leaf_hash" in bundle:
        hash_text = _field(bundle, "leaf_hash", str)
        assert isinstance(hash_text, str)
        stated = b64decode_strict(hash_text, "leaf hash")
    if leaf_data is not None:
        leaf = leaf_hash(leaf_data)
        if stated is not None and stated != leaf:
            raise VerificationError("the bundle's leaf_hash is not the hash of the record")
    elif stated is not None:
        leaf = stated
    else:
        raise VerificationError("nothing to check: give the record (leaf_data) or its leaf_hash")
    verify_inclusion(leaf, index, checkpoint.size, _proof_hashes(bundle), checkpoint.root_hash)
    return (
        f"leaf {index} (leaf hash {leaf.hex()}) is in {checkpoint.origin} "
        f"at tree size {checkpoint.size} (root {b64encode(checkpoint.root_hash)})"
        + _cosigned_by(cosigners)
    )


def _cosigned_by(names: Sequence[str]) -> str:
    return f"; cosigned by {len(names)} witness(es): {', '.join(names)}" if names else ""


def check_consistency_bundle(
    bundle: Mapping[str, object],
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> str:
    """Verify a consistency bundle; return a one-line account of what was proved. With
    ``quorum``, both checkpoints must carry that many cosignatures of ``witnesses``."""
    if bundle.get("type") != "consistency":
        raise VerificationError("bundle is not a consistency proof (type != 'consistency')")
    old_note = _field(bundle, "old_checkpoint", str)
    new_note = _field(bundle, "new_checkpoint", str)
    assert isinstance(old_note, str) and isinstance(new_note, str)
    old = open_checkpoint(old_note, verifiers, origin)
    new = open_checkpoint(new_note, verifiers, origin)
    check_quorum(old_note, witnesses, quorum)
    cosigners = check_quorum(new_note, witnesses, quorum)
    if old.origin != new.origin:
        raise VerificationError(f"checkpoints of two logs: {old.origin!r} and {new.origin!r}")
    verify_consistency(old.size, new.size, _proof_hashes(bundle), old.root_hash, new.root_hash)
    return (
        f"{new.origin} at tree size {new.size} extends tree size {old.size}: "
        "nothing recorded before was changed or removed" + _cosigned_by(cosigners)
    )


# --- command line ------------------------------------------------------------------------


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise VerificationError(f"cannot read {path}: {exc.strerror}") from None


def _read_text(path: str) -> str:
    try:
        return _read(path).decode("utf-8")
    except UnicodeDecodeError:
        raise VerificationError(f"{path} is not UTF-8 text") from None


def _key_lines(vkeys: Sequence[str], vkey_files: Sequence[str]) -> list[str]:
    texts = list(vkeys)
    for path in vkey_files:
        for line in _read_text(path).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                texts.append(line)
    return texts


def _load_verifiers(vkeys: Sequence[str], vkey_files: Sequence[str]) -> list[NoteVerifier]:
    texts = _key_lines(vkeys, vkey_files)
    if not texts:
        raise VerificationError("no trusted key given: use --vkey or --vkeys")
    return [NoteVerifier.from_vkey(text) for text in texts]


def _load_witnesses(
    vkeys: Sequence[str], vkey_files: Sequence[str], quorum: int | None
) -> tuple[list[CosignatureVerifier], int]:
    witnesses = [CosignatureVerifier.from_vkey(t) for t in _key_lines(vkeys, vkey_files)]
    if quorum is None:
        quorum = 1 if witnesses else 0
    if quorum < 0 or quorum > len(witnesses):
        raise VerificationError(
            f"quorum {quorum} cannot be met by {len(witnesses)} trusted witness key(s)"
        )
    return witnesses, quorum


def _load_bundle(path: str) -> dict[str, object]:
    try:
        bundle = json.loads(_read(path))
    except ValueError as exc:
        raise VerificationError(f"{path} is not a JSON proof bundle: {exc}") from None
    if not isinstance(bundle, dict):
        raise VerificationError(f"{path} is not a JSON object")
    return bundle


def build_parser() -> argparse.ArgumentParser:
    """The ``ceasefire-verify`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="ceasefire-verify",
        description="Check a ceasefire ledger proof against signed checkpoints and trusted keys.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("bundle", help="JSON proof bundle file, or - for standard input")
        p.add_argument(
            "--vkey", action="append", default=[], help="a trusted verifier key (repeatable)"
        )
        p.add_argument(
            "--vkeys",
            action="append",
            default=[],
            metavar="FILE",
            help="file of trusted verifier keys, one per line (repeatable)",
        )
        p.add_argument("--origin", help="the log the checkpoints must be for")
        p.add_argument(
            "--witness-vkey",
            action="append",
            default=[],
            help="a trusted witness (cosigner) key, type 0x04 (repeatable)",
        )
        p.add_argument(
            "--witness-vkeys",
            action="append",
            default=[],
            metavar="FILE",
            help="file of trusted witness keys, one per line (repeatable)",
        )
        p.add_argument(
            "--quorum",
            type=int,
            metavar="K",
            help="cosignatures by distinct trusted witnesses each checkpoint needs "
            "(default 1 when witness keys are given)",
        )

    inclusion = sub.add_parser("inclusion", help="a record is in the log at a checkpoint")
    common(inclusion)
    inclusion.add_argument(
        "--record",
        metavar="FILE",
        help="the record's canonical JSON bytes (overrides the bundle's leaf_data)",
    )
    inclusion.add_argument(
        "--checkpoint", metavar="FILE", help="signed checkpoint (overrides the bundle's)"
    )
    consistency = sub.add_parser("consistency", help="a later checkpoint extends an earlier one")
    common(consistency)
    consistency.add_argument("--old", metavar="FILE", help="older signed checkpoint")
    consistency.add_argument("--new", metavar="FILE", help="newer signed checkpoint")
    return parser


def run(argv: Sequence[str] | None = None) -> str:
    """Run the command line; return the success line or raise ``VerificationError``."""
    args = build_parser().parse_args(argv)
    verifiers = _load_verifiers(args.vkey, args.vkeys)
    witnesses, quorum = _load_witnesses(args.witness_vkey, args.witness_vkeys, args.quorum)
    bundle = _load_bundle(args.bundle)
    if args.command == "inclusion":
        if args.checkpoint:
            bundle["checkpoint"] = _read_text(args.checkpoint)
        record = _read(args.record) if args.record else None
        return check_inclusion_bundle(
            bundle,
            verifiers,
            leaf_data=record,
            origin=args.origin,
            witnesses=witnesses,
            quorum=quorum,
        )
    if args.old:
        bundle["old_checkpoint"] = _read_text(args.old)
    if args.new:
        bundle["new_checkpoint"] = _read_text(args.new)
    return check_consistency_bundle(
        bundle, verifiers, origin=args.origin, witnesses=witnesses, quorum=quorum
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: print ``ok: ...`` and return 0, or ``refused: ...`` and return 1."""
    try:
        message = run(argv)
    except VerificationError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
