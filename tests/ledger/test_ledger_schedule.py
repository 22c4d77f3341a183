"""Checkpoints on a schedule: ``ceasefire ledger checkpoint --every`` as a real process,
beside a writer, until it is stopped; every checkpoint extends the one before."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ceasefire import verifier
from ceasefire.demo import sample_path
from ceasefire.errors import InputError
from ceasefire.ingest import ingest_file
from ceasefire.ledger.checkpoint import keygen, load_signer
from ceasefire.ledger.errors import LedgerCorruptError
from ceasefire.ledger.sqlite_store import tile_id
from ceasefire.ledger_ops import checkpoint_every, parse_interval
from ceasefire.observations.sources.registry import get_source
from ceasefire.workspace import Workspace

ORIGIN = "test.example/scheduled-log"


def _checkpoints(root: Path) -> list[tuple[int, bytes, str]]:
    with Workspace.open(root) as ws:
        return [(c.size, c.root, c.note) for c in ws.store.ledger.checkpoints()]


def _consistency_ok(
    root: Path, vkey: str, old: tuple[int, bytes, str], new: tuple[int, bytes, str]
) -> None:
    """Check, with the standalone verifier, that ``new`` extends ``old`` (both signed)."""
    with Workspace.open(root) as ws:
        proof = ws.store.ledger.log().consistency_proof(old[0], new[0])
    bundle = verifier.consistency_bundle(old[2], new[2], proof)
    verifier.check_consistency_bundle(bundle, [verifier.NoteVerifier.from_vkey(vkey)])


ALERTS = "air_raid_alerts_official_window.csv"


def _wait_for_checkpoints(root: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(_checkpoints(root)) < count:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"fewer than {count} checkpoints after 60 s"
        time.sleep(0.05)


def test_a_scheduled_process_issues_consistent_checkpoints_until_stopped(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.init(root).close()
    key = tmp_path / "keys" / "ledger.key"
    vkey = keygen(key, ORIGIN)
    env = {**os.environ, "CEASEFIRE_LEDGER_KEY": str(key), "CEASEFIRE_WORKSPACE": str(root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ceasefire", "ledger", "checkpoint", "--every", "0.3s"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # a writer of its own meanwhile: the log grows between checkpoints
        _wait_for_checkpoints(root, 1, process)
        with Workspace.open(root) as ws:
            ingest_file(ws.store, get_source("alerts"), sample_path(ALERTS))
            for i in range(4):
                _wait_for_checkpoints(root, i + 2, process)
                ws.store.append_record("note", {"text": f"MADE UP: test record {i}"})
        _wait_for_checkpoints(root, 6, process)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    stored = _checkpoints(root)
    assert len(stored) >= 6
    # every note was printed after it was stored, in order (each begins with the origin)
    chunks = re.split(rf"(?m)^(?={re.escape(ORIGIN)}\n\d+\n)", out)
    printed = [chunk.rstrip("\n") + "\n" for chunk in chunks if chunk.strip()]
    assert printed == [note for _, _, note in stored][: len(printed)]
    assert len(printed) >= len(stored) - 1  # at most one issued while the signal came
    sizes = [size for size, _, _ in stored]
    assert sizes == sorted(sizes) and len(set(sizes)) >= 4  # it grew, and never shrank
    for old, new in zip(stored, stored[1:], strict=False):
        _consistency_ok(root, vkey, old, new)


def test_a_schedule_stops_on_a_log_that_no_longer_extends_the_last_checkpoint(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    key = tmp_path / "keys" / "ledger.key"
    keygen(key, ORIGIN)
    signer = load_signer(key)
    with Workspace.init(root) as ws:
        for i in range(5):
            ws.store.append_record("note", {"text": f"MADE UP: record {i}"})
        assert checkpoint_every(ws.store, signer, 0.01, threading.Event(), count=2) == 2
        # history rewritten behind the log's back: the node over leaves 0-3 changed
        conn = ws.store.connection
        tile = tile_id(2, 0)
        (blob,) = conn.execute("SELECT hashes FROM ledger_tiles WHERE id = ?", (tile,)).fetchone()
        conn.execute(
            "UPDATE ledger_tiles SET hashes = ? WHERE id = ?",
            (bytes([blob[0] ^ 1]) + blob[1:], tile),
        )
        conn.commit()
        ws.store.append_record("note", {"text": "MADE UP: after the rewrite"})
        with pytest.raises(LedgerCorruptError, match="does not extend"):
            checkpoint_every(ws.store, signer, 0.01, threading.Event(), count=1)
        assert len(ws.store.ledger.checkpoints()) == 2  # nothing signed or stored


@pytest.mark.parametrize("text", ["", "15", "0s", "-1m", "1d", "m", "1.5.2s"])
def test_bad_intervals_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_interval(text)


def test_intervals() -> None:
    assert [parse_interval(t) for t in ("15m", "1h", "0.5s", " 30 s ")] == [900, 3600, 0.5, 30]
