"""What a witness remembers, on disk: the latest cosigned checkpoint per log, and forks.

Layout of the state directory::

    STATE/
      lock                                   held (flock) by the one process serving it
      logs/<sha256(origin) hex>.checkpoint   the latest cosigned checkpoint, log signature(s)
                                             and this witness's cosignature
      forks/<sha256(origin) hex>/<UTC time>-<size>/
        held.checkpoint                      what the witness had cosigned
        offered.checkpoint                   the log-signed checkpoint that contradicts it
        request.txt                          the whole add-checkpoint request, proof included
        reason.txt                           why it was refused

Every file is written to a temporary name, fsynced, renamed over its final name, and the
directory fsynced: after a crash a log's state is the old checkpoint or the new one, never
a torn mix. Fork evidence is never overwritten or deleted by the witness.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from ceasefire import verifier
from ceasefire.errors import CeasefireError
from ceasefire.verifier import Checkpoint

logger = logging.getLogger(__name__)


class WitnessStateError(CeasefireError):
    """The witness's state directory cannot be used (locked, unreadable, corrupt)."""

    code = "witness_state"


def origin_key(origin: str) -> str:
    """The file name stem of a log: the hex SHA-256 of its origin line."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file, fsync, rename and directory fsync."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class HeldCheckpoint:
    """The latest checkpoint a witness cosigned for a log: its note and parsed body."""

    note: str
    checkpoint: Checkpoint


class WitnessState:
    """A witness's state directory. One process at a time: opening takes an exclusive lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        for sub in ("logs", "forks"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock: IO[bytes] | None = open(self.directory / "lock", "ab")  # noqa: SIM115
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise WitnessStateError(
                f"{self.directory} is in use by another witness process"
            ) from None

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def __enter__(self) -> WitnessState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _log_path(self, origin: str) -> Path:
        return self.directory / "logs" / f"{origin_key(origin)}.checkpoint"

    def latest(self, origin: str) -> HeldCheckpoint | None:
        """The latest checkpoint cosigned for ``origin``, or None if there is none."""
        path = self._log_path(origin)
        try:
            note = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise WitnessStateError(f"cannot read {path}: {exc}") from None
        try:
            text, _ = verifier.parse_note(note)
            checkpoint = verifier.parse_checkpoint(text)
        except verifier.VerificationError as exc:
            raise WitnessStateError(f"{path} is not a checkpoint: {exc}") from None
        if checkpoint.origin != origin:
            raise WitnessStateError(f"{path} holds a checkpoint of {checkpoint.origin!r}")
        return HeldCheckpoint(note, checkpoint)

    def save(self, origin: str, note: str) -> None:
        """Make ``note`` the latest cosigned checkpoint of ``origin``, durably."""
        write_atomically(self._log_path(origin), note.encode("utf-8"))

    def keep_fork(
        self, origin: str, held: HeldCheckpoint, offered_note: str, request: bytes, reason: str
    ) -> Path:
        """Keep both checkpoints of a fork, the request and the reason; return the directory.

        The same offered checkpoint against the same held one is kept once.
        """
        for kept in self.forks(origin):
            try:
                if (kept / "offered.checkpoint").read_text(encoding="utf-8") == offered_note and (
                    kept / "held.checkpoint"
                ).read_text(encoding="utf-8") == held.note:
                    return kept
            except (OSError, UnicodeDecodeError):
                continue
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        size = verifier.parse_checkpoint(verifier.parse_note(offered_note)[0]).size
        target = self.directory / "forks" / origin_key(origin) / f"{stamp}-{size}"
        suffix = 0
        while target.exists():
            suffix += 1
            target = target.with_name(f"{stamp}-{size}-{suffix}")
        target.mkdir(parents=True, mode=0o700)
        write_atomically(target / "held.checkpoint", held.note.encode("utf-8"))
        write_atomically(target / "offered.checkpoint", offered_note.encode("utf-8"))
        write_atomically(target / "request.txt", request)
        write_atomically(target / "reason.txt", (reason + "\n").encode("utf-8"))
        fsync_directory(target.parent)
        logger.warning("fork evidence for %s kept in %s: %s", origin, target, reason)
        return target

    def forks(self, origin: str | None = None) -> list[Path]:
        """The fork evidence directories kept (of one log, or of all)."""
        base = self.directory / "forks"
        pattern = f"{origin_key(origin)}/*" if origin is not None else "*/*"
        return sorted(p for p in base.glob(pattern) if p.is_dir())
