"""Witnesses (C2SP tlog-witness / tlog-cosignature) as real processes on 127.0.0.1.

Each witness runs ``python -m ceasefire witness serve`` on an ephemeral port; the mission
publishes through ``ledger_ops.publish_checkpoint`` over HTTP, and the parties check the
cosignatures with the standalone verifier.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ceasefire.errors import CeasefireError
from ceasefire.ledger.checkpoint import NoteSigner, make_checkpoint, sign_checkpoint
from ceasefire.ledger.cosignature import Cosigner, witness_keygen
from ceasefire.ledger.errors import QuorumNotMet
from ceasefire.ledger_ops import (
    WitnessConfig,
    inclusion_bundle,
    publish_checkpoint,
    read_witnesses,
)
from ceasefire.observations.model import ObservationBatch
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.verifier import (
    VerificationError,
    b64encode,
    check_inclusion_bundle,
    witness_cosignatures,
)
from ceasefire.verifier import main as verify_main
from ceasefire.witness.client import post_add_checkpoint
from ceasefire.witness.core import submission_body

ORIGIN = "monitoring.example/test-ledger"
START_TIMEOUT = 20.0


@dataclass
class WitnessProcess:
    name: str
    key: Path
    state: Path
    vkey: str
    log_vkey: str
    process: subprocess.Popen[str] | None = None
    url: str = ""

    def start(self) -> None:
        env = {**os.environ, "COLUMNS": "200"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ceasefire", "witness", "serve", "--key", str(self.key),
             "--state", str(self.state), "--port", "0", "--log-vkey", self.log_vkey],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "witness NAME listening on URL"
        assert "listening on http://127.0.0.1:" in line, line
        self.url = line.split("listening on ")[1].strip()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    @property
    def config(self) -> WitnessConfig:
        return read_one(self.url, self.vkey)


def read_one(url: str, vkey: str) -> WitnessConfig:
    from ceasefire.ledger.cosignature import parse_witness_vkey

    return WitnessConfig(url, parse_witness_vkey(vkey))


def post(url: str, body: bytes) -> tuple[int, str]:
    answer = post_add_checkpoint(url, body, timeout=10)
    return answer.status, answer.body


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def witnesses(tmp_path: Path, signer: NoteSigner) -> Iterator[list[WitnessProcess]]:
    started: list[WitnessProcess] = []
    for i in range(3):
        name = f"witness.example/w{i}"
        key = tmp_path / "keys" / f"w{i}.key"
        vkey = witness_keygen(key, name)
        started.append(WitnessProcess(name, key, tmp_path / f"state{i}", vkey, signer.vkey))
    try:
        for witness in started:
            witness.start()
        yield started
    finally:
        for witness in started:
            witness.stop()


def grow(store: SQLiteStore, make_batch: Callable[..., ObservationBatch], ids: list[str]) -> None:
    run = store.start_ingest_run("test", "t.csv", "0" * 64)
    store.add_observations(make_batch(ids=ids), run)


def test_a_consistent_sequence_is_cosigned_and_verifies_with_a_quorum(
    tmp_path: Path,
    signer: NoteSigner,
    witnesses: list[WitnessProcess],
    make_batch: Callable[..., ObservationBatch],
) -> None:
    configs = [w.config for w in witnesses]
    with SQLiteStore(tmp_path / "s.db") as store:
        grow(store, make_batch, ["a", "b", "c"])
        first = publish_checkpoint(store, signer, configs, 3, post)
        assert first.published and first.checkpoint.size == 3
        grow(store, make_batch, [f"x{i}" for i in range(20)])
        store.append_record("finding", {"id": "F-1"})
        second = publish_checkpoint(store, signer, configs, 3, post)
        assert second.published and second.checkpoint.size == 24
        assert [c.size for c in store.ledger.checkpoints(published_only=True)] == [3, 24]
        keys = [c.key for c in configs]
        assert sorted(witness_cosignatures(second.checkpoint.note, keys)) == [
            w.name for w in witnesses
        ]
        bundle = inclusion_bundle(store, 23)
    assert "cosigned by 3 witness(es)" in check_inclusion_bundle(
        bundle, [signer.verifier], witnesses=keys, quorum=3
    )
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    vkeys = tmp_path / "witnesses.vkeys"
    vkeys.write_text("\n".join(w.vkey for w in witnesses) + "\n")
    args = ["inclusion", str(path), "--vkey", signer.vkey, "--witness-vkeys", str(vkeys)]
    assert verify_main([*args, "--quorum", "3"]) == 0
    # a checkpoint lacking the cosignatures does not meet a quorum
    bare = {**bundle, "checkpoint": bundle["checkpoint"].split("\n— witness")[0] + "\n"}  # type: ignore[attr-defined]
    path.write_text(json.dumps(bare))
    assert verify_main([*args, "--quorum", "1"]) == 1
    assert verify_main(["inclusion", str(path), "--vkey", signer.vkey]) == 0
    # a cosignature with a flipped bit refuses the note
    note = str(bundle["checkpoint"])
    line = note.splitlines()[-1]
    raw = bytearray(line.split(" ")[2].encode())
    raw[20] = ord("A") if raw[20] != ord("A") else ord("B")
    forged = note.replace(line, f"{line.rsplit(' ', 1)[0]} {raw.decode()}")
    with pytest.raises(VerificationError):
        witness_cosignatures(forged, keys)


def test_a_forked_log_is_refused_and_the_fork_is_kept_as_evidence(
    tmp_path: Path,
    signer: NoteSigner,
    witnesses: list[WitnessProcess],
    make_batch: Callable[..., ObservationBatch],
) -> None:
    witness = witnesses[0]
    config = [witness.config]
    with SQLiteStore(tmp_path / "honest.db") as honest:
        grow(honest, make_batch, ["a", "b", "c", "d"])
        assert publish_checkpoint(honest, signer, config, 1, post).published
    # the same key signs a different history of the same size, then a longer one
    with SQLiteStore(tmp_path / "forked.db") as forked:
        grow(forked, make_batch, ["a", "b", "c", "EVIL"])
        with pytest.raises(QuorumNotMet, match="fork"):
            publish_checkpoint(forked, signer, config, 1, post)
        grow(forked, make_batch, ["e", "f"])
        with pytest.raises(QuorumNotMet, match="HTTP 422"):
            publish_checkpoint(forked, signer, config, 1, post)
        assert forked.ledger.checkpoints(published_only=True) == []
    forks = sorted((witness.state / "forks").glob("*/*"))
    assert len(forks) == 2
    for evidence in forks:
        held = (evidence / "held.checkpoint").read_text()
        offered = (evidence / "offered.checkpoint").read_text()
        assert held.splitlines()[1] == "4" and held != offered
        assert offered.startswith(ORIGIN) and (evidence / "reason.txt").read_text()
    same_size = [f for f in forks if (f / "offered.checkpoint").read_text().split("\n")[1] == "4"]
    assert "two roots for tree size 4" in (same_size[0] / "reason.txt").read_text()


def test_quorum_not_met_is_not_published_and_says_who_refused(
    tmp_path: Path,
    signer: NoteSigner,
    witnesses: list[WitnessProcess],
    make_batch: Callable[..., ObservationBatch],
) -> None:
    stranger = NoteSigner.generate("monitoring.example/other-log")
    configs = [
        witnesses[0].config,
        witnesses[1].config,
        read_one("http://127.0.0.1:9", witnesses[2].vkey),
    ]
    witnesses[1].stop()
    with SQLiteStore(tmp_path / "s.db") as store:
        grow(store, make_batch, ["a"])
        with pytest.raises(QuorumNotMet) as refused:
            publish_checkpoint(store, signer, configs, 2, post)
        message = str(refused.value)
        assert "1 of 3 witnesses cosigned, quorum is 2" in message
        assert "witness.example/w1" in message and "witness.example/w2" in message
        assert "no answer" in message
        assert store.ledger.checkpoints(published_only=True) == []
        # the cosignature it did get is kept with the unpublished checkpoint
        kept = store.ledger.checkpoints()[-1].note
        assert list(witness_cosignatures(kept, [c.key for c in configs])) == [witnesses[0].name]
        # a log the witness does not follow: 404; its checkpoint signed by another key: 403
        checkpoint = make_checkpoint(stranger.name, 1, store.ledger.log().root())
        note = sign_checkpoint(checkpoint, [stranger])
        assert post(witnesses[0].url, submission_body(0, [], note))[0] == 404
        impostor = NoteSigner.generate(ORIGIN)
        note = sign_checkpoint(make_checkpoint(ORIGIN, 1, store.ledger.log().root()), [impostor])
        assert post(witnesses[0].url, submission_body(0, [], note))[0] == 403
        good = sign_checkpoint(make_checkpoint(ORIGIN, 1, store.ledger.log().root()), [signer])
        assert post(witnesses[0].url, submission_body(2, [], good))[0] == 400
        assert post(witnesses[0].url, b"old 01\n\n" + good.encode())[0] == 400
    with pytest.raises(CeasefireError, match="quorum of 4"):
        publish_checkpoint(SQLiteStore(tmp_path / "t.db"), signer, configs, 4, post)


def test_a_restarted_witness_keeps_its_state(
    tmp_path: Path,
    signer: NoteSigner,
    witnesses: list[WitnessProcess],
    make_batch: Callable[..., ObservationBatch],
) -> None:
    witness = witnesses[0]
    with SQLiteStore(tmp_path / "s.db") as store:
        grow(store, make_batch, ["a", "b", "c", "d", "e"])
        assert publish_checkpoint(store, signer, [witness.config], 1, post).published
        witness.stop()
        witness.start()  # a new process, a new port, the same state directory
        note = store.ledger.checkpoints()[-1].note
        status, body = post(witness.url, submission_body(0, [], note))
        assert (status, body) == (409, "5\n")  # it remembers the size it cosigned
        log = store.ledger.log()
        status, _ = post(witness.url, submission_body(5, log.consistency_proof(2, 5), note))
        assert status == 422  # a proof from the wrong size does not verify
        grow(store, make_batch, ["f", "g"])
        again = publish_checkpoint(store, signer, [witness.config], 1, post)
        assert again.published and again.checkpoint.size == 7
    cosigner_key = witness.config.key
    assert list(witness_cosignatures(again.checkpoint.note, [cosigner_key])) == [witness.name]
    held = (witness.state / "logs").glob("*.checkpoint")
    assert [p.read_text().splitlines()[1] for p in held] == ["7"]


def test_witness_keys_files_and_cosignature_format(tmp_path: Path) -> None:
    cosigner = Cosigner.generate("witness.example/w9")
    body = f"{ORIGIN}\n3\n{b64encode(bytes(32))}\n"
    line = cosigner.cosign(body, timestamp=1679315147)
    assert line.startswith("— witness.example/w9 ")
    assert witness_cosignatures(body + "\n" + line, [cosigner.verifier]) == {
        "witness.example/w9": 1679315147
    }
    assert Cosigner.from_skey(cosigner.skey()).vkey == cosigner.vkey
    assert cosigner.vkey.split("+")[2].startswith("B")  # base64 of 0x04 ||
    listing = tmp_path / "witnesses"
    listing.write_text(f"# mission witnesses\nhttp://127.0.0.1:1 {cosigner.vkey}\n")
    assert read_witnesses(listing)[0].name == "witness.example/w9"
    listing.write_text(f"http://127.0.0.1:1 {NoteSigner.generate('x.example/l').vkey}\n")
    with pytest.raises(CeasefireError, match="0x04"):
        read_witnesses(listing)


def test_publish_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    witnesses: list[WitnessProcess],
) -> None:
    from ceasefire.cli import main
    from ceasefire.demo import sample_path

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

    ws, key = str(tmp_path / "ws"), tmp_path / "keys" / "mission.key"
    assert run("init", ws)[0] == 0
    code, vkey, _ = run("ledger", "keygen", "--key", str(key), "--name", ORIGIN)
    assert code == 0
    for witness in witnesses:  # restart them trusting the mission's new key
        witness.stop()
        witness.log_vkey = vkey.strip()
        witness.start()
    alerts = str(sample_path("air_raid_alerts_official_window.csv"))
    assert run("ingest", "alerts", alerts, "-w", ws, "--no-assess")[0] == 0
    listing = tmp_path / "witnesses"
    listing.write_text("".join(f"{w.url} {w.vkey}\n" for w in witnesses[:2]))
    monkeypatch.setenv("CEASEFIRE_LEDGER_WITNESSES", str(listing))
    code, note, err = run("ledger", "publish", "--key", str(key), "-w", ws, "--quorum", "2")
    assert code == 0, err
    assert note.count("— witness.example/w") == 2
    witnesses[1].stop()
    code, _, err = run("ledger", "publish", "--key", str(key), "-w", ws, "--quorum", "2")
    assert code == 1 and "not published" in err and "witness.example/w1" in err
