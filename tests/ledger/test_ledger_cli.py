"""``ceasefire ledger``: keygen, checkpoint, proofs that ceasefire-verify accepts, verify."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ceasefire.cli import main
from ceasefire.demo import sample_path
from ceasefire.verifier import main as verify_main


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["ceasefire", *args])
    monkeypatch.setenv("COLUMNS", "400")
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_keygen_checkpoint_proofs_and_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, key = str(tmp_path / "ws"), tmp_path / "keys" / "ledger.key"
    monkeypatch.setenv("CEASEFIRE_LEDGER_KEY", str(key))
    assert run(monkeypatch, capsys, "init", ws)[0] == 0
    code, vkey, err = run(monkeypatch, capsys, "ledger", "keygen", "--name", "test.example/log")
    assert code == 0 and vkey.startswith("test.example/log+"), err
    assert key.stat().st_mode & 0o777 == 0o600
    assert run(monkeypatch, capsys, "ledger", "keygen")[0] == 1  # never overwritten
    alerts = str(sample_path("air_raid_alerts_official_window.csv"))
    assert run(monkeypatch, capsys, "ingest", "alerts", alerts, "-w", ws, "--no-assess")[0] == 0
    code, note, _ = run(monkeypatch, capsys, "ledger", "checkpoint", "-w", ws)
    assert code == 0 and note.splitlines()[:2] == ["test.example/log", "2090"]
    code, out, _ = run(
        monkeypatch, capsys, "ledger", "proof", "inclusion", "--leaf", "17", "-w", ws
    )
    assert code == 0
    bundle_path = tmp_path / "inclusion.json"
    bundle_path.write_text(out)
    uid = json.loads(json.loads(out)["leaf_data"])["uid"]
    code, by_uid, _ = run(
        monkeypatch, capsys, "ledger", "proof", "inclusion", "--uid", uid, "-w", ws
    )
    assert code == 0 and json.loads(by_uid) == json.loads(out)
    vkeys = tmp_path / "mission.vkeys"
    vkeys.write_text(vkey)
    assert verify_main(["inclusion", str(bundle_path), "--vkeys", str(vkeys)]) == 0
    code, out, _ = run(monkeypatch, capsys, "ledger", "verify", "-w", ws)
    assert code == 0 and "ok: 2090 leaves" in out and "checkpoint of size 2090 matches" in out
    code, _, err = run(
        monkeypatch,
        capsys,
        "ledger",
        "proof",
        "consistency",
        "--old",
        "5",
        "--new",
        "2090",
        "-w",
        ws,
    )
    assert code == 1 and "no stored checkpoint of tree size 5" in err
