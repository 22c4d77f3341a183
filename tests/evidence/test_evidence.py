"""Evidence files: content-addressed storage, custody chain in the ledger, checks, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.cli import main
from ceasefire.errors import ConflictError, InputError
from ceasefire.evidence import (
    EvidenceFiles,
    add_evidence,
    show_evidence,
    transfer_evidence,
    verify_evidence,
)
from ceasefire.ledger.checkpoint import NoteSigner
from ceasefire.ledger_ops import inclusion_bundle, issue_checkpoint
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.verifier import check_inclusion_bundle

CAPTURED = datetime(2023, 1, 6, 14, 5, tzinfo=UTC)


def photo(tmp_path: Path, content: bytes = b"\xff\xd8\xff JPEG bytes of a crater") -> Path:
    path = tmp_path / "crater.jpg"
    path.write_bytes(content)
    return path


def test_intake_transfers_and_checks_are_in_the_ledger(tmp_path: Path) -> None:
    files = EvidenceFiles(tmp_path / "evidence")
    source = photo(tmp_path)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    with SQLiteStore(tmp_path / "s.db") as store:
        assert store.schema_versions()["ledger"] == 2
        item = add_evidence(
            store, files, source, captured_by="monitor-17", device="Pixel 7 #A1",
            captured_at=CAPTURED, sha256=sha.upper(), added_by="intake-desk",
        )  # fmt: skip
        stored = tmp_path / "evidence" / sha[:2] / sha[2:4] / sha
        assert stored.read_bytes() == source.read_bytes()
        assert stored.stat().st_mode & 0o222 == 0  # read-only
        assert (item.sha256, item.media_type, item.sha256_at_capture) == (sha, "image/jpeg", sha)
        assert item.holder == "intake-desk" and item.captured_at == CAPTURED
        transfer_evidence(store, sha, to="analyst-3", by="intake-desk", purpose="analysis")
        item = transfer_evidence(
            store, sha, to="joint-commission", by="analyst-3", purpose="hearing 2023-02-01"
        )
        chain = item.custody
        assert [(e.from_holder, e.to_holder) for e in chain] == [
            ("intake-desk", "analyst-3"),
            ("analyst-3", "joint-commission"),
        ]
        assert item.holder == "joint-commission"
        records = [json.loads(store.ledger.entry(i).data) for i in range(store.ledger.size())]
        assert [r["type"] for r in records] == ["evidence", "custody", "custody"]
        assert records[0]["sha256"] == sha and records[0]["captured_at_us"] == 1673013900000000
        assert [r["previous_leaf"] for r in records[1:]] == [0, 1]
        assert verify_evidence(store, files, sha, by="auditor").ok
        assert show_evidence(store, sha).custody[-1].event == "verify"
        assert store.ledger.audit().records == 4
        # a published checkpoint proves the evidence record, hash included
        signer = NoteSigner.generate("monitoring.example/evidence")
        issue_checkpoint(store, signer)
        bundle = inclusion_bundle(store, item.leaf_index)
        assert check_inclusion_bundle(bundle, [signer.verifier]).startswith("leaf 0 ")
        assert sha in str(bundle["leaf_data"])
        # the same bytes are not taken in twice
        with pytest.raises(ConflictError, match="taken in before"):
            add_evidence(store, files, source, captured_by="x", device="y", captured_at=CAPTURED)
        # changed bytes and a changed record are both found
        os.chmod(stored, 0o644)
        stored.write_bytes(b"retouched")
        store.connection.execute("UPDATE evidence SET captured_by = 'someone else'")
        report = verify_evidence(store, files, sha)
        assert not report.ok and report.stored_sha256 != sha
        assert report.ledger_problems == (
            "evidence record: leaf 0 does not match the stored record",
        )


def test_a_file_that_differs_from_its_stated_hash_is_refused(tmp_path: Path) -> None:
    files = EvidenceFiles(tmp_path / "evidence")
    source = photo(tmp_path)
    with SQLiteStore(tmp_path / "s.db") as store:
        with pytest.raises(ConflictError, match="not the one captured"):
            add_evidence(
                store, files, source, captured_by="m", device="d", captured_at=CAPTURED,
                sha256="0" * 64,
            )  # fmt: skip
        assert store.ledger.size() == 0
        assert not [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
        with pytest.raises(InputError, match="SHA-256"):
            add_evidence(
                store, files, source, captured_by="m", device="d", captured_at=CAPTURED,
                sha256="abc",
            )  # fmt: skip
        with pytest.raises(InputError, match="naive"):
            add_evidence(
                store, files, source, captured_by="m", device="d",
                captured_at=datetime(2023, 1, 6),
            )  # fmt: skip


def test_evidence_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["ceasefire", *args])
        monkeypatch.setenv("COLUMNS", "400")
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    ws = str(tmp_path / "ws")
    assert run("init", ws)[0] == 0
    source = photo(tmp_path)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    code, out, err = run(
        "evidence", "add", str(source), "--captured-by", "monitor-17", "--device", "Pixel 7",
        "--captured-at", "2023-01-06T16:05:00+02:00", "--sha256", sha, "-w", ws,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["captured_at"] == "2023-01-06T14:05:00Z"
    code, out, _ = run(
        "evidence", "transfer", sha, "--to", "lab", "--by", "monitor-17", "--purpose", "forensics",
        "-w", ws,
    )  # fmt: skip
    assert code == 0 and json.loads(out)["custody"][0]["to_holder"] == "lab"
    code, out, _ = run("evidence", "show", sha, "-w", ws)
    assert code == 0 and json.loads(out)["custody"][0]["leaf_index"] == 1
    assert run("evidence", "verify", sha, "-w", ws)[:2] == (
        0,
        f"ok: {sha}: stored bytes and ledger records intact\n",
    )
    stored = tmp_path / "ws" / "evidence" / sha[:2] / sha[2:4] / sha
    os.chmod(stored, 0o644)
    stored.write_bytes(b"x")
    code, _, err = run("evidence", "verify", sha, "-w", ws)
    assert code == 1 and "FAILED" in err
    code, _, err = run(
        "evidence", "add", str(source), "--captured-by", "m", "--device", "d",
        "--captured-at", "2023-01-06T14:05:00", "-w", ws,
    )  # fmt: skip
    assert code == 1 and "error:" in err
    assert run("ledger", "verify", "-w", ws)[0] == 0
