"""The evidence ledger: an append-only RFC 6962 Merkle log with signed checkpoints.

Every accepted record is appended as a leaf, SHA-256(0x00 || canonical JSON of the record),
so anyone holding a signed checkpoint can check that a record is in the log and that the
log only ever grew, with the standalone :mod:`ceasefire.verifier`.
"""

from ceasefire.ledger.canonical import JSONValue, canonicalize, canonicalize_text
from ceasefire.ledger.checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    keygen,
    load_signer,
    make_checkpoint,
    open_checkpoint,
    parse_vkey,
    sign_checkpoint,
)
from ceasefire.ledger.merkle import (
    EMPTY_ROOT,
    HashStore,
    MemoryHashStore,
    MerkleLog,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from ceasefire.ledger.sqlite_store import SqliteHashStore


def record_leaf_hash(record: JSONValue) -> bytes:
    """The leaf hash of a JSON-ready record: SHA-256(0x00 || RFC 8785 canonical JSON)."""
    return leaf_hash(canonicalize(record))


__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "HashStore",
    "JSONValue",
    "MemoryHashStore",
    "MerkleLog",
    "NoteSigner",
    "NoteVerifier",
    "SqliteHashStore",
    "canonicalize",
    "canonicalize_text",
    "keygen",
    "leaf_hash",
    "load_signer",
    "make_checkpoint",
    "node_hash",
    "open_checkpoint",
    "parse_vkey",
    "record_leaf_hash",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
