"""The standalone verifier: it imports nothing of ceasefire, and its command line."""

from __future__ import annotations

import ast
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ceasefire.verifier as verifier_module
from ceasefire.ledger.canonical import JSONValue, canonicalize
from ceasefire.ledger.checkpoint import NoteSigner, make_checkpoint, sign_checkpoint
from ceasefire.ledger.merkle import MemoryHashStore, MerkleLog
from ceasefire.verifier import consistency_bundle, inclusion_bundle, main

ORIGIN = "ceasefire.example/ledger"
VERIFIER_PATH = Path(verifier_module.__file__)


def test_imports_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(VERIFIER_PATH.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in verifier.py"
            assert node.module is not None
            imported.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            pytest.fail("dynamic import in verifier.py")
    tops = {name.split(".")[0] for name in imported}
    assert "ceasefire" not in tops
    assert tops - set(sys.stdlib_module_names) == {"cryptography"}


class Ledger:
    """A small log with signed checkpoints, as the mission would publish them."""

    def __init__(self) -> None:
        self.signer = NoteSigner.generate(ORIGIN)
        self.log = MerkleLog(MemoryHashStore())
        self.records: list[dict[str, JSONValue]] = [
            {"id": i, "kind": "observation", "text": f"шелл {i}"} for i in range(40)
        ]
        self.log.append_many(canonicalize(r) for r in self.records[:25])
        self.note25 = self.checkpoint()
        self.log.append_many(canonicalize(r) for r in self.records[25:])
        self.note40 = self.checkpoint()

    def checkpoint(self) -> str:
        cp = make_checkpoint(ORIGIN, self.log.size, self.log.root())
        return sign_checkpoint(cp, [self.signer])

    def inclusion(self, index: int, *, data: bool = True, leaf: bool = False) -> dict[str, object]:
        record = canonicalize(self.records[index])
        return inclusion_bundle(
            self.note40,
            index,
            self.log.inclusion_proof(index),
            leaf_data=record if data else None,
            leaf=self.log.leaf_hash(index) if leaf else None,
        )


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return Ledger()


def write(path: Path, value: object) -> str:
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return str(path)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_inclusion_ok(ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vkey = ledger.signer.vkey
    for index in (0, 24, 39):
        bundle = write(tmp_path / f"b{index}.json", ledger.inclusion(index))
        code, out, err = run(["inclusion", bundle, "--vkey", vkey, "--origin", ORIGIN], capsys)
        assert (code, err) == (0, "")
        assert out.startswith(f"ok: leaf {index} ") and out.count("\n") == 1
    # Only the leaf hash, and the record given as a file.
    bundle = write(tmp_path / "hash.json", ledger.inclusion(7, data=False, leaf=True))
    assert run(["inclusion", bundle, "--vkey", vkey], capsys)[0] == 0
    record = tmp_path / "record.json"
    record.write_bytes(canonicalize(ledger.records[7]))
    code, out, _ = run(["inclusion", bundle, "--vkey", vkey, "--record", str(record)], capsys)
    assert code == 0


def test_inclusion_refused(
    ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vkey = ledger.signer.vkey
    good = ledger.inclusion(5)
    altered_record = dict(good, leaf_data=canonicalize({**ledger.records[5], "id": 6}).decode())
    other_index = dict(good, leaf_index=6)
    short_proof = dict(good, proof=list(good["proof"])[:-1])  # type: ignore[call-overload]
    old_checkpoint = dict(good, checkpoint=ledger.note25)
    cases: list[tuple[object, list[str], str]] = [
        (altered_record, [], "does not lead to the root"),
        (other_index, [], "does not lead to the root"),
        (short_proof, [], "fewer hashes"),
        (old_checkpoint, [], "more hashes than the path is long"),
        (dict(good, tree_size=41), [], "tree_size"),
        (dict(good, leaf_hash="AAAA"), [], "leaf_hash is not the hash"),
        (dict(good, type="consistency"), [], "not an inclusion proof"),
        ({k: v for k, v in good.items() if k != "leaf_data"}, [], "nothing to check"),
        (dict(good, leaf_index="5"), [], "leaf_index"),
        (good, ["--origin", "other.example/log"], "not 'other.example/log'"),
        ("not json", [], "not a JSON proof bundle"),
        ([1, 2], [], "not a JSON object"),
    ]
    for i, (bundle, extra, reason) in enumerate(cases):
        path = write(tmp_path / f"bad{i}.json", bundle)
        code, out, err = run(["inclusion", path, "--vkey", vkey, *extra], capsys)
        assert (code, out) == (1, ""), reason
        assert err.startswith("refused: ") and err.count("\n") == 1
        assert reason in err, err
    # A record file that is not the record.
    record = tmp_path / "other.json"
    record.write_bytes(canonicalize(ledger.records[6]))
    path = write(tmp_path / "good.json", good)
    assert run(["inclusion", path, "--vkey", vkey, "--record", str(record)], capsys)[0] == 1
    # A key we do not trust, no key, a missing file.
    stranger = NoteSigner.generate(ORIGIN).vkey
    code, _, err = run(["inclusion", path, "--vkey", stranger], capsys)
    assert code == 1 and "no signature by a trusted key" in err
    assert run(["inclusion", path], capsys)[0] == 1
    assert run(["inclusion", str(tmp_path / "missing.json"), "--vkey", vkey], capsys)[0] == 1
    code, _, err = run(["inclusion", path, "--vkey", vkey[:-2]], capsys)
    assert code == 1 and "verifier key" in err


def test_consistency(ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "mission.vkeys"
    keys.write_text(f"# the mission's log key\n\n{ledger.signer.vkey}\n")
    proof = ledger.log.consistency_proof(25, 40)
    bundle = write(tmp_path / "c.json", consistency_bundle(ledger.note25, ledger.note40, proof))
    code, out, _ = run(["consistency", bundle, "--vkeys", str(keys)], capsys)
    assert code == 0 and "tree size 40 extends tree size 25" in out
    # Checkpoints given as files override the bundle's.
    old = write(tmp_path / "old.note", ledger.note25)
    new = write(tmp_path / "new.note", ledger.note40)
    swapped = write(tmp_path / "s.json", consistency_bundle(ledger.note40, ledger.note25, proof))
    assert run(["consistency", swapped, "--vkeys", str(keys)], capsys)[0] == 1
    args = ["consistency", swapped, "--vkeys", str(keys), "--old", old, "--new", new]
    assert run(args, capsys)[0] == 0
    # A forked log: same size 25 history replaced, signed by the same key.
    forked = MerkleLog(MemoryHashStore())
    forked.append_many(canonicalize({"id": i, "forged": True}) for i in range(40))
    fork_note = sign_checkpoint(make_checkpoint(ORIGIN, 40, forked.root()), [ledger.signer])
    fork = write(tmp_path / "f.json", consistency_bundle(ledger.note25, fork_note, proof))
    code, _, err = run(["consistency", fork, "--vkeys", str(keys)], capsys)
    assert code == 1 and "new root" in err
    # Two logs.
    other = NoteSigner.generate("other.example/log")
    other_note = sign_checkpoint(
        make_checkpoint("other.example/log", 40, ledger.log.root()), [other]
    )
    two = write(tmp_path / "two.json", consistency_bundle(ledger.note25, other_note, proof))
    code, _, err = run(["consistency", two, "--vkeys", str(keys), "--vkey", other.vkey], capsys)
    assert code == 1 and "two logs" in err


def test_bundle_from_stdin(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.dumps(ledger.inclusion(3)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run(["inclusion", "-", "--vkey", ledger.signer.vkey], capsys)[0] == 0


def test_runs_as_a_lone_file(ledger: Ledger, tmp_path: Path) -> None:
    # What a party does: copy verifier.py alone and run it with only cryptography around.
    lone = tmp_path / "verify.py"
    shutil.copy(VERIFIER_PATH, lone)
    bundle = write(tmp_path / "b.json", ledger.inclusion(11))
    command = [sys.executable, "-I", str(lone), "inclusion", bundle, "--vkey"]
    ok = subprocess.run(
        [*command, ledger.signer.vkey], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: leaf 11 ")
    stranger = NoteSigner.generate(ORIGIN).vkey
    refused = subprocess.run(
        [*command, stranger], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert refused.returncode == 1 and refused.stderr.startswith("refused: ")


def test_the_documented_example_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "ledger.md").read_text(encoding="utf-8")
    bundle_text = doc.split("<!-- example-bundle -->\n```json\n", 1)[1].split("```", 1)[0]
    bundle = json.loads(bundle_text)
    vkey = next(
        word.strip("`,.")
        for word in doc.split()
        if word.strip("`,.").startswith("monitoring.example/ceasefire-ledger+")
    )
    verifiers = [verifier_module.NoteVerifier.from_vkey(vkey)]
    message = verifier_module.check_inclusion_bundle(bundle, verifiers)
    assert message.startswith("leaf 2 ")
    record: dict[str, JSONValue] = {
        "kind": "observation",
        "id": "obs-2",
        "source": "field",
        "lat": 47.52,
        "lon": 37.1,
    }
    assert canonicalize(record).decode() == bundle["leaf_data"]
