"""Content-addressed storage of evidence files: ``ROOT/ab/cd/<sha256>``, never overwritten.

A file is copied to a temporary name in its final directory while it is hashed, fsynced,
checked against the hash stated at capture (refused if it differs), then moved to its
name with ``link`` (which fails rather than replace an existing file) and the directory
fsynced. Stored files are made read-only. The same bytes added twice are stored once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ceasefire.errors import ConflictError, InputError, NotFoundError, StoreError

logger = logging.getLogger(__name__)

_SHA_RE = re.compile(r"[0-9a-f]{64}")
_BLOCK = 1 << 20


def check_sha256(value: str) -> str:
    """``value`` as a lowercase hex SHA-256, or ``InputError``."""
    sha = value.strip().lower()
    if not _SHA_RE.fullmatch(sha):
        raise InputError(f"{value!r} is not a SHA-256 (64 hexadecimal digits)")
    return sha


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file in evidence storage."""

    sha256: str
    size: int
    path: Path
    new: bool


class EvidenceFiles:
    """The evidence directory of a workspace."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        sha = check_sha256(sha256)
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, source: Path, stated_sha256: str | None = None) -> StoredFile:
        """Store the bytes of ``source``; refuse them if they do not hash to the stated hash."""
        try:
            reader = open(source, "rb")
        except FileNotFoundError:
            raise InputError(f"no evidence file {source}") from None
        except OSError as exc:
            raise StoreError(f"cannot store evidence {source}: {exc.strerror}") from None
        with reader:
            return self.put_stream(reader, str(source), stated_sha256)

    def put_stream(
        self, reader: BinaryIO, source: str, stated_sha256: str | None = None
    ) -> StoredFile:
        """Store the bytes read from ``reader`` (an upload; ``source`` names it in messages)."""
        stated = None if stated_sha256 is None else check_sha256(stated_sha256)
        self.root.mkdir(parents=True, exist_ok=True)
        temp_dir = self.root / "incoming"
        temp_dir.mkdir(exist_ok=True)
        temp = temp_dir / f"{os.getpid()}-{os.urandom(8).hex()}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(temp, "xb") as writer:
                while block := reader.read(_BLOCK):
                    digest.update(block)
                    writer.write(block)
                    size += len(block)
                writer.flush()
                os.fsync(writer.fileno())
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise StoreError(f"cannot store evidence {source}: {exc.strerror}") from None
        sha = digest.hexdigest()
        try:
            if stated is not None and sha != stated:
                raise ConflictError(
                    f"{source} hashes to {sha}, not {stated} as stated at capture; "
                    "the file is not the one captured and was not stored"
                )
            target = self.path_of(sha)
            if target.exists():
                self._check(target, sha)
                return StoredFile(sha, size, target, False)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temp, 0o444)
            try:
                os.link(temp, target)  # never replaces an existing file
            except FileExistsError:
                self._check(target, sha)
                return StoredFile(sha, size, target, False)
            _fsync_dir(target.parent)
            logger.info("stored evidence %s (%d bytes)", sha, size)
            return StoredFile(sha, size, target, True)
        finally:
            temp.unlink(missing_ok=True)

    def _check(self, target: Path, sha: str) -> None:
        if self.hash_of(target) != sha:
            raise StoreError(f"stored evidence {target} no longer hashes to its name")

    @staticmethod
    def hash_of(path: Path) -> str:
        digest = hashlib.sha256()
        with open(path, "rb") as reader:
            while block := reader.read(_BLOCK):
                digest.update(block)
        return digest.hexdigest()

    def rehash(self, sha256: str) -> str:
        """The SHA-256 of the bytes stored under ``sha256`` now."""
        path = self.path_of(sha256)
        try:
            return self.hash_of(path)
        except FileNotFoundError:
            raise NotFoundError(f"evidence file {path} is missing") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
