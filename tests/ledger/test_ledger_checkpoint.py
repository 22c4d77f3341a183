"""Signed checkpoints: the signed-note format, the rules for unknown keys, key files."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from ceasefire.ledger.checkpoint import (
    NoteSigner,
    add_signatures,
    keygen,
    load_signer,
    make_checkpoint,
    open_checkpoint,
    parse_vkey,
    sign_checkpoint,
    sign_note,
)
from ceasefire.ledger.errors import CheckpointError, KeyFileError
from ceasefire.verifier import (
    Checkpoint,
    NoteVerifier,
    VerificationError,
    b64decode_strict,
    b64encode,
    open_note,
    parse_checkpoint,
)

# The reference key and note of Go's golang.org/x/mod/sumdb/note (note_test.go), the
# implementation C2SP signed-note was written from. Ed25519 is deterministic, so signing
# the same text with the same key must give the same note, byte for byte.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ORIGIN = "ceasefire.example/ledger"
ROOT = hashlib.sha256(b"a root").digest()


def test_go_reference_vector() -> None:
    signer = NoteSigner.from_skey(GO_SKEY)
    assert signer.vkey == GO_VKEY
    assert signer.skey() == GO_SKEY
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE
    opened = open_note(GO_NOTE, [parse_vkey(GO_VKEY)])
    assert opened.text == GO_TEXT
    with pytest.raises(VerificationError):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), [parse_vkey(GO_VKEY)])


def test_vkey_manglings_refused() -> None:
    # As Go's TestNewVerifier: every proper substring and every one-byte change is refused.
    parse_vkey(GO_VKEY)
    n = len(GO_VKEY)
    for i in range(n + 1):
        for j in range(i + 1, n + 1):
            if (i, j) != (0, n):
                with pytest.raises(CheckpointError):
                    parse_vkey(GO_VKEY[i:j])
    for i in range(n):
        mangled = GO_VKEY[:i] + chr(ord(GO_VKEY[i]) + 1) + GO_VKEY[i + 1 :]
        with pytest.raises(CheckpointError):
            parse_vkey(mangled)


def test_key_id_is_the_c2sp_one() -> None:
    signer = NoteSigner.generate(ORIGIN)
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + signer.public_key).digest()[:4]
    assert signer.key_id == expected
    name, hex_id, key = signer.vkey.split("+", 2)
    assert (name, hex_id) == (ORIGIN, expected.hex())
    assert b64decode_strict(key, "key") == b"\x01" + signer.public_key
    assert repr(signer) == f"NoteSigner(name={ORIGIN!r}, key_id={hex_id!r})"


@pytest.fixture
def log_key() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


def test_round_trip(log_key: NoteSigner) -> None:
    checkpoint = make_checkpoint(ORIGIN, 1234, ROOT, ["report 2025-04-19", "x y z"])
    note = sign_checkpoint(checkpoint, [log_key])
    assert note.startswith(f"{ORIGIN}\n1234\n{b64encode(ROOT)}\nreport 2025-04-19\nx y z\n\n— ")
    assert open_checkpoint(note, [log_key.verifier]) == checkpoint
    assert open_checkpoint(note, [log_key.verifier], origin=ORIGIN) == checkpoint
    assert parse_checkpoint(checkpoint.to_text()) == checkpoint
    empty = make_checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest())
    assert open_checkpoint(sign_checkpoint(empty, [log_key]), [log_key.verifier]) == empty


def _tamper(note: str, old: str, new: str) -> str:
    assert old in note
    return note.replace(old, new, 1)


def test_tampered_checkpoints_refused(log_key: NoteSigner) -> None:
    note = sign_checkpoint(make_checkpoint(ORIGIN, 1234, ROOT), [log_key])
    signature = note.rsplit(" ", 1)[1].strip()
    raw = bytearray(b64decode_strict(signature, "sig"))
    raw[10] ^= 1
    other_root = b64encode(hashlib.sha256(b"other").digest())
    tampered = [
        _tamper(note, "\n1234\n", "\n1235\n"),
        _tamper(note, "\n1234\n", "\n12340\n"),
        _tamper(note, b64encode(ROOT), other_root),
        _tamper(note, ORIGIN + "\n", "ceasefire.example/ledgeR\n"),
        _tamper(note, signature, b64encode(bytes(raw))),
        _tamper(note, "\n\n", "\nextension\n\n"),
        _tamper(note, "\n\n", "\n\n\n"),
    ]
    for bad in tampered:
        with pytest.raises(CheckpointError):
            open_checkpoint(bad, [log_key.verifier])


def test_unknown_keys_are_ignored_known_failures_refuse(log_key: NoteSigner) -> None:
    stranger = NoteSigner.generate("stranger.example")
    impostor = NoteSigner.generate(ORIGIN)  # same name, other key: another key ID
    text = make_checkpoint(ORIGIN, 7, ROOT).to_text()

    # A note signed only by keys we do not trust is refused.
    with pytest.raises(CheckpointError, match="no signature by a trusted key"):
        open_checkpoint(sign_note(text, [impostor, stranger]), [log_key.verifier])
    # Other signatures next to the trusted one are ignored.
    note = sign_note(text, [stranger, log_key, impostor])
    assert open_checkpoint(note, [log_key.verifier]).size == 7
    opened = open_note(note, [log_key.verifier])
    assert {s.name for s in opened.unknown} == {"stranger.example", ORIGIN}
    # An unknown key reusing our key's ID under another name is unknown too.
    forged = NoteVerifier("stranger.example", log_key.key_id, stranger.public_key)
    assert open_note(sign_note(text, [log_key, stranger]), [log_key.verifier, forged]).text
    # A trusted key whose signature fails refuses the note, even beside a good one.
    second = NoteSigner.generate(ORIGIN)
    good_and_bad = sign_note(text, [log_key]) + second.signature_line(text + "x\n")
    assert open_checkpoint(good_and_bad, [log_key.verifier]).size == 7  # second unknown
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(good_and_bad, [log_key.verifier, second.verifier])
    # A trusted key signing twice is refused.
    with pytest.raises(CheckpointError, match="twice"):
        open_checkpoint(sign_note(text, [log_key, log_key]), [log_key.verifier])


def test_only_the_logs_own_key_makes_a_checkpoint(log_key: NoteSigner) -> None:
    witness = NoteSigner.generate("witness.example")
    text = make_checkpoint(ORIGIN, 7, ROOT).to_text()
    note = sign_note(text, [witness])
    open_note(note, [witness.verifier])  # a valid note...
    with pytest.raises(CheckpointError, match="not signed by a trusted key of its log"):
        open_checkpoint(note, [witness.verifier, log_key.verifier])  # ...not a checkpoint
    with pytest.raises(CheckpointError):
        sign_checkpoint(make_checkpoint(ORIGIN, 7, ROOT), [witness])
    both = sign_note(text, [log_key, witness])
    with pytest.raises(CheckpointError, match="not 'other.example/log'"):
        open_checkpoint(both, [log_key.verifier], origin="other.example/log")


def test_key_rotation_overlap(log_key: NoteSigner) -> None:
    new_key = NoteSigner.generate(ORIGIN)
    assert new_key.key_id != log_key.key_id
    checkpoint = make_checkpoint(ORIGIN, 99, ROOT)
    both = sign_checkpoint(checkpoint, [log_key, new_key])
    assert open_checkpoint(both, [log_key.verifier]) == checkpoint
    assert open_checkpoint(both, [new_key.verifier]) == checkpoint
    assert open_checkpoint(both, [log_key.verifier, new_key.verifier]) == checkpoint
    # An old note gains the new key's signature; adding twice changes nothing.
    old_only = sign_checkpoint(checkpoint, [log_key])
    upgraded = add_signatures(old_only, [new_key])
    assert upgraded.startswith(old_only)
    assert add_signatures(upgraded, [new_key, log_key]) == upgraded
    assert open_checkpoint(upgraded, [new_key.verifier]) == checkpoint


def _valid_note(signer: NoteSigner) -> str:
    return sign_checkpoint(make_checkpoint(ORIGIN, 5, ROOT), [signer])


@pytest.mark.parametrize(
    "mangle",
    [
        lambda n: n[:-1],  # no final newline
        lambda n: n.replace("\n\n", "\n"),  # no blank line
        lambda n: n.split("\n\n")[0] + "\n\n",  # no signatures
        lambda n: n.replace("— ", "- "),
        lambda n: n.replace("— ", "—  "),
        lambda n: n.replace("— ", "— a+b "),
        lambda n: n.replace("\n5\n", "\n05\n"),
        lambda n: n.replace("\n5\n", "\n-5\n"),
        lambda n: n.replace("\n5\n", "\n+5\n"),
        lambda n: n.replace("\n5\n", f"\n{2**64}\n"),
        lambda n: n.replace("\n5\n", "\n5 \n"),
        lambda n: n.replace(b64encode(ROOT), b64encode(ROOT[:31])),
        lambda n: n.replace(b64encode(ROOT), b64encode(ROOT).rstrip("=")),
        lambda n: n.replace(f"\n5\n{b64encode(ROOT)}\n", "\n5\n"),
        lambda n: n.replace("\n5\n", "\n5\r\n"),
        lambda n: n.replace("\n5\n", "\n5\t\n"),
        lambda n: n + n.split("\n\n")[1] * 100,  # over 100 signatures
    ],
)
def test_malformed_notes_refused(mangle: object, log_key: NoteSigner) -> None:
    assert callable(mangle)
    bad = mangle(_valid_note(log_key))
    assert isinstance(bad, str)
    with pytest.raises(CheckpointError):
        open_checkpoint(bad, [log_key.verifier])


def test_non_canonical_base64_refused(log_key: NoteSigner) -> None:
    note = _valid_note(log_key)
    signature = note.rsplit(" ", 1)[1].strip()
    # 68 bytes encode to 92 characters with "=="; the last data character carries 4 unused
    # bits: setting one gives the same bytes in another spelling.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = signature[-3]
    respelled = signature[:-3] + alphabet[alphabet.index(last) | 1] + "=="
    if respelled == signature:
        respelled = signature[:-3] + alphabet[alphabet.index(last) | 2] + "=="
    with pytest.raises(CheckpointError, match="canonical base64"):
        open_checkpoint(note.replace(signature, respelled), [log_key.verifier])


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        (ORIGIN, -1, ROOT, ()),
        (ORIGIN, 2**64, ROOT, ()),
        (ORIGIN, 1, ROOT[:5], ()),
        (ORIGIN, 1, ROOT, ("",)),
        (ORIGIN, 1, ROOT, ("a\nb",)),
    ],
)
def test_bad_checkpoint_fields(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(CheckpointError):
        make_checkpoint(origin, size, root, extensions)


def test_sign_note_refuses_bad_text(log_key: NoteSigner) -> None:
    for text in ["no newline", "two\n\n", "\n", "tab\there\n"]:
        with pytest.raises(CheckpointError):
            sign_note(text, [log_key])
    with pytest.raises(CheckpointError):
        sign_note("fine\n", [])
    with pytest.raises(KeyFileError):
        NoteSigner.generate("has space")


# --- key files -------------------------------------------------------------------------------


def test_keygen_and_load(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ledger.key"
    vkey = keygen(path, ORIGIN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signer = load_signer(path)
    assert signer.vkey == vkey
    note = sign_checkpoint(make_checkpoint(ORIGIN, 3, ROOT), [signer])
    assert open_checkpoint(note, [parse_vkey(vkey)]).size == 3
    with pytest.raises(KeyFileError, match="already exists"):
        keygen(path, ORIGIN)
    assert load_signer(path).vkey == vkey  # untouched


def test_keygen_refuses_a_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with pytest.raises(KeyFileError, match="git work tree"):
        keygen(tmp_path / "secrets" / "ledger.key", ORIGIN)
    assert not (tmp_path / "secrets" / "ledger.key").exists()


def test_load_signer_refuses_loose_or_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    keygen(path, ORIGIN)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_signer(path)
    with pytest.raises(KeyFileError):
        load_signer(tmp_path / "missing.key")
    bad = tmp_path / "bad.key"
    for text in ["hello", GO_SKEY.replace("c74f20a3", "c74f20a4"), GO_SKEY[:-4]]:
        bad.write_text(text)
        os.chmod(bad, 0o600)
        with pytest.raises(KeyFileError):
            load_signer(bad)


def test_checkpoint_class_is_the_verifiers() -> None:
    assert Checkpoint is type(make_checkpoint(ORIGIN, 1, ROOT))
