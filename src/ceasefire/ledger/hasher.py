"""Leaf hashing in a worker process, so SHA-256 runs beside SQLite instead of under the GIL.

``hashlib`` holds the GIL while it hashes buffers under 2 KiB, and a leaf is ~500 bytes:
hashed in a thread, a million leaves cost ~0.6 s of the ingesting process's only GIL.
``LeafHasher`` sends a batch's leaf bytes (one buffer, straight from Arrow) and their
offsets through a pipe to one worker process and reads back the 32-byte digests as one
bytes object. Pipe writes and reads release the GIL, so the parent keeps inserting rows
meanwhile.

The worker is ``python -m ceasefire.ledger.hasher`` started with ``subprocess`` (not
``multiprocessing``: that would fork a threaded process, or re-import the caller's main
module). It exits when its standard input closes -- also when the parent is killed -- and
holds no state: a leaf hash is a pure function of the bytes, so the result is the same as
in process, which ``LeafHasher`` falls back to if the worker cannot start or dies.

Frame (little-endian): ``u64 data length, u64 row count``, the data, ``row count + 1``
``i64`` offsets; the answer is ``32 × row count`` bytes.
"""

from __future__ import annotations

import logging
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO

import numpy as np

from ceasefire.ledger.records import LeafLines, hash_leaf_lines

logger = logging.getLogger(__name__)

_HEADER = struct.Struct("<QQ")


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
    """The worker's loop: frames in, digests out, until the input closes."""
    while True:
        header = _read_exactly(stdin, _HEADER.size)
        if header is None:
            return
        length, rows = _HEADER.unpack(header)
        data = _read_exactly(stdin, length)
        raw_offsets = _read_exactly(stdin, 8 * (rows + 1))
        if data is None or raw_offsets is None:
            return
        stdout.write(hash_leaf_lines(data, np.frombuffer(raw_offsets, dtype="<i8")))
        stdout.flush()


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
        return self._process

    def hash_parts(self, parts: Sequence[LeafLines]) -> bytes:
        """The leaf hashes of every part, concatenated, in order."""
        with self._lock:
            process = self._start()
            if process is not None:
                assert process.stdin is not None and process.stdout is not None
                try:
                    out: list[bytes] = []
                    for data, offsets in parts:
                        rows = len(offsets) - 1
                        view = memoryview(data)
                        process.stdin.write(_HEADER.pack(view.nbytes, rows))
                        process.stdin.write(view)
                        process.stdin.write(np.ascontiguousarray(offsets, dtype="<i8").tobytes())
                        answer = _read_exactly(process.stdout, 32 * rows)
                        if answer is None:
                            raise OSError("the worker closed its output")
                        out.append(answer)
                    return b"".join(out)
                except OSError as exc:
                    logger.warning("leaf hashing worker failed (%s); hashing in process", exc)
                    self._stop()
                    self._broken = True
            return b"".join(hash_leaf_lines(d, o) for d, o in parts)

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
