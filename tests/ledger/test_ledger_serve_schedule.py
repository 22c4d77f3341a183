"""Checkpoints on a schedule inside ``ceasefire serve`` (CEASEFIRE_LEDGER_CHECKPOINT_EVERY):
a real server on loopback issues them while records are ingested, each extends the one
before, and SIGTERM stops it cleanly; without its key the server refuses to start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ceasefire import verifier
from ceasefire.demo import sample_path
from ceasefire.ingest import ingest_file
from ceasefire.ledger.checkpoint import keygen
from ceasefire.observations.sources.registry import get_source
from ceasefire.workspace import Workspace

ORIGIN = "test.example/served-log"
ALERTS = "air_raid_alerts_official_window.csv"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _checkpoints(root: Path) -> list[tuple[int, str]]:
    with Workspace.open(root) as ws:
        return [(c.size, c.note) for c in ws.store.ledger.checkpoints()]


def _wait(root: Path, count: int, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while len(_checkpoints(root)) < count:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"fewer than {count} checkpoints after 60 s"
        time.sleep(0.05)


def test_serve_issues_consistent_checkpoints_and_stops_on_sigterm(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.init(root).close()
    key = tmp_path / "keys" / "ledger.key"
    vkey = keygen(key, ORIGIN)
    port = _free_port()
    env = {
        **os.environ,
        "CEASEFIRE_WORKSPACE": str(root),
        "CEASEFIRE_LEDGER_KEY": str(key),
        "CEASEFIRE_LEDGER_CHECKPOINT_EVERY": "0.3s",
        "CEASEFIRE_API_HOST": "127.0.0.1",
        "CEASEFIRE_API_PORT": str(port),
    }
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "ceasefire", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:  # up and answering
            assert server.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/ledger/checkpoint"):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        _wait(root, 1, server, log_path)
        with Workspace.open(root) as ws:  # a writer of its own: the log grows meanwhile
            ingest_file(ws.store, get_source("alerts"), sample_path(ALERTS))
            before = len(_checkpoints(root))
            _wait(root, before + 1, server, log_path)
            ws.store.append_record("note", {"text": "MADE UP: test record"})
        _wait(root, len(_checkpoints(root)) + 2, server, log_path)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
    output = log_path.read_text()
    # a graceful shutdown on SIGTERM ends with status 0, as process managers expect
    assert server.returncode == 0, output
    assert "Traceback" not in output and "ERROR" not in output, output
    done = output.index("Application shutdown complete")
    assert output.rindex("ceasefire.ledger_ops checkpoint") < done  # the thread was stopped
    stored = _checkpoints(root)
    assert len(stored) >= 4
    sizes = [size for size, _ in stored]
    assert sizes == sorted(sizes) and len(set(sizes)) >= 3  # it grew, and never shrank
    trusted = [verifier.NoteVerifier.from_vkey(vkey)]
    with Workspace.open(root) as ws:
        tree = ws.store.ledger.log()
        for (old_size, old), (new_size, new) in zip(stored, stored[1:], strict=False):
            proof = tree.consistency_proof(old_size, new_size)
            verifier.check_consistency_bundle(verifier.consistency_bundle(old, new, proof), trusted)


def test_serve_refuses_to_start_without_the_key(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.init(root).close()
    missing = tmp_path / "keys" / "nowhere.key"
    env = {
        **os.environ,
        "CEASEFIRE_WORKSPACE": str(root),
        "CEASEFIRE_LEDGER_KEY": str(missing),
        "CEASEFIRE_LEDGER_CHECKPOINT_EVERY": "30",
        "CEASEFIRE_API_PORT": str(_free_port()),
        "COLUMNS": "500",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ceasefire", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "CEASEFIRE_LEDGER_CHECKPOINT_EVERY" in lines[0] and str(missing) in lines[0]
    assert _checkpoints(root) == []
