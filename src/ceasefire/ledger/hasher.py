"""Leaves built, hashed and their tree nodes planned in a worker process, beside SQLite.

Without the ledger, ingest is bound by one core: whatever the ledger does under the
ingesting process's GIL is paid in full. Per row that was ~0.9 µs to build the leaf's
canonical JSON (~570 bytes; Python and Arrow work, mostly under the GIL), ~1 µs of SHA-256
(``hashlib`` holds the GIL on buffers under 2 KiB) and ~0.5 µs of tree nodes.
``LeafHasher`` sends a batch's *columns* (``columns_wire``: a join and an encode per string
column) through a pipe to one worker process, which runs the same fast path
(``observation_leaf_lines``), hashes the leaves and, given the tree's size and frontier,
computes the batch's new tree nodes (``merkle.plan_nodes``). Pipe writes and reads release
the GIL, so the parent keeps inserting rows meanwhile. The answer is a *plan*: the caller
stores it only if every row was new and the log has not moved meanwhile
(``MerkleLog.append_planned``), and otherwise recomputes the nodes from its leaf hashes.

The worker is ``python -m ceasefire.ledger.hasher`` started with ``subprocess`` (not
``multiprocessing``: that would fork a threaded process, or re-import the caller's main
module). It exits when its standard input closes -- also when the parent is killed -- and
holds no state: its answers are pure functions of the request, the same as in process,
which ``LeafHasher`` falls back to if the columns cannot be sent or the worker cannot start
or dies.

Request (little-endian): ``u8 op, u64 payload length, u64 row count``, then the payload:
for ``COLUMNS`` a ``columns_wire`` payload; for ``PLAN`` ``u64 size, u64 k``, ``k`` times
``u64 level`` and a 32-byte hash (the frontier), then a ``columns_wire`` payload. Answer:
``u8 status, u64 length``, then the ``32 × row count`` digests (``COLUMNS``) or the runs
``u64 level, u64 first, u64 count`` + ``32 × count`` bytes, level 0 first (``PLAN``), with
status ``OK``; or a UTF-8 message (``REFUSED``: a value without a canonical form, raised in
the caller as ``CanonicalizationError``).
"""

from __future__ import annotations

import fcntl
import logging
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from ceasefire.ledger.columns_wire import decode_columns, encode_columns
from ceasefire.ledger.errors import CanonicalizationError
from ceasefire.ledger.merkle import HASH_SIZE, NodeRun, plan_nodes
from ceasefire.ledger.records import (
    ObservationColumns,
    hash_leaf_lines,
    observation_leaf_lines,
    split_hashes,
)

logger = logging.getLogger(__name__)

_REQUEST = struct.Struct("<BQQ")
_ANSWER = struct.Struct("<BQ")
_U64X2 = struct.Struct("<QQ")
_RUN = struct.Struct("<QQQ")
COLUMNS, PLAN = 2, 3
OK, REFUSED = 0, 1


@dataclass(frozen=True, slots=True)
class TreeBase:
    """The tree a batch is planned on: its size and frontier (``MerkleLog.frontier``)."""

    size: int
    frontier: tuple[tuple[int, bytes], ...]

    def encode(self) -> bytes:
        parts = [_U64X2.pack(self.size, len(self.frontier))]
        parts.extend(struct.pack("<Q", level) + value for level, value in self.frontier)
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> tuple[TreeBase, int]:
        """The base at the start of ``data`` and where it ends."""
        size, count = _U64X2.unpack_from(data, 0)
        pos, frontier = _U64X2.size, []
        for _ in range(count):
            (level,) = struct.unpack_from("<Q", data, pos)
            frontier.append((int(level), bytes(data[pos + 8 : pos + 8 + HASH_SIZE])))
            pos += 8 + HASH_SIZE
        return cls(int(size), tuple(frontier)), pos


def encode_runs(runs: Sequence[NodeRun]) -> bytes:
    out: list[bytes] = []
    for level, first, hashes in runs:
        data = hashes if isinstance(hashes, bytes) else b"".join(hashes)
        out.append(_RUN.pack(level, first, len(data) // HASH_SIZE))
        out.append(data)
    return b"".join(out)


def decode_runs(data: bytes) -> list[NodeRun]:
    runs: list[NodeRun] = []
    pos = 0
    while pos < len(data):
        if pos + _RUN.size > len(data):
            raise ValueError("a run header is cut short")
        level, first, count = _RUN.unpack_from(data, pos)
        pos += _RUN.size
        if pos + count * HASH_SIZE > len(data):
            raise ValueError("a run is cut short")
        runs.append((int(level), int(first), data[pos : pos + count * HASH_SIZE]))
        pos += count * HASH_SIZE
    return runs


def _plan_here(payload: bytes, rows: int) -> bytes:
    base, pos = TreeBase.decode(payload)
    leaves = split_hashes(hash_columns_here(decode_columns(payload[pos:], rows)))
    return encode_runs(plan_nodes(base.size, base.frontier, leaves))


def hash_columns_here(cols: ObservationColumns) -> bytes:
    """The leaf hashes of ``cols``, concatenated, computed in this process."""
    return b"".join(hash_leaf_lines(d, o) for d, o in observation_leaf_lines(cols))


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    """``size`` bytes from ``stream`` (raw reads may return less), or None at end of input."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            return None
        done += got
    return bytes(buffer)


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker's loop: requests in, digests out, until the input closes."""
    while True:
        header = _read_exactly(stdin, _REQUEST.size)
        if header is None:
            return
        op, length, rows = _REQUEST.unpack(header)
        data = _read_exactly(stdin, length)
        if data is None:
            return
        if op not in (COLUMNS, PLAN):
            return  # an unknown request: exit, and the caller works in process
        status = OK
        try:
            if op == COLUMNS:
                answer = hash_columns_here(decode_columns(data, rows))
            else:
                answer = _plan_here(data, rows)
        except CanonicalizationError as exc:
            status, answer = REFUSED, str(exc).encode("utf-8")
        stdout.write(_ANSWER.pack(status, len(answer)))
        stdout.write(answer)
        stdout.flush()


def _answer(stdout: IO[bytes], rows: int | None) -> bytes:
    header = _read_exactly(stdout, _ANSWER.size)
    if header is None:
        raise OSError("the worker closed its output")
    status, length = _ANSWER.unpack(header)
    body = _read_exactly(stdout, length)
    if body is None:
        raise OSError("the worker closed its output")
    if status == REFUSED:
        raise CanonicalizationError(body.decode("utf-8", "replace"))
    if status != OK or (rows is not None and length != 32 * rows):
        raise OSError(f"the worker answered status {status} with {length} bytes")
    return body


_PIPE_BYTES = 1 << 20


def _widen_pipe(stream: IO[bytes] | None) -> None:
    """Ask Linux for a 1 MiB pipe buffer (default 64 KiB): a batch of ~10 MB then crosses
    in ~10 hand-overs between the processes instead of ~160, each of which can wait for a
    scheduler slot on a busy machine. Elsewhere, or above the system's limit, keep the
    default."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if stream is None or set_size is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), set_size, _PIPE_BYTES)
    except OSError:
        pass


class LeafHasher:
    """One worker process hashing leaves; thread-safe (one batch at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._broken = False

    def _start(self) -> subprocess.Popen[bytes] | None:
        if self._process is not None or self._broken:
            return self._process
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "ceasefire.ledger.hasher"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
            )
        except OSError as exc:
            logger.warning("leaf hashing stays in process: cannot start a worker (%s)", exc)
            self._broken = True
            return None
        for stream in (self._process.stdin, self._process.stdout):
            _widen_pipe(stream)
        return self._process

    def _ask(self, op: int, parts: Sequence[bytes], rows: int) -> bytes | None:
        """The worker's answer to a request, or None if it cannot run (then never again:
        the caller works in process). A refusal raises ``CanonicalizationError``."""
        with self._lock:
            process = self._start()
            if process is None:
                return None
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(_REQUEST.pack(op, sum(len(p) for p in parts), rows))
                for part in parts:
                    process.stdin.write(part)
                return _answer(process.stdout, rows if op == COLUMNS else None)
            except OSError as exc:
                logger.warning("leaf worker failed (%s); working in process", exc)
                self._stop()
                self._broken = True
                return None

    def hash_columns(self, cols: ObservationColumns) -> bytes:
        """The leaf hashes of every row of ``cols``, concatenated, in order; a value without
        a canonical form raises ``CanonicalizationError``."""
        payload = encode_columns(cols)
        answer = None if payload is None else self._ask(COLUMNS, [payload], len(cols))
        return hash_columns_here(cols) if answer is None else answer

    def plan_columns(self, cols: ObservationColumns, base: TreeBase) -> list[NodeRun]:
        """The tree nodes of appending every row of ``cols`` to the tree ``base``, level 0
        (the leaf hashes) first."""
        payload = encode_columns(cols)
        answer = None
        if payload is not None:
            answer = self._ask(PLAN, [base.encode(), payload], len(cols))
        if answer is not None:
            try:
                runs = decode_runs(answer)
            except ValueError:
                runs = []
            if runs and runs[0][:2] == (0, base.size) and len(runs[0][2]) == HASH_SIZE * len(cols):
                return runs
            logger.warning("the leaf worker answered a plan for another batch; working here")
            self.close()
            self._broken = True
        leaves = split_hashes(hash_columns_here(cols))
        return plan_nodes(base.size, base.frontier, leaves)

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def close(self) -> None:
        """Stop the worker (it also stops by itself when this process ends)."""
        with self._lock:
            self._stop()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
