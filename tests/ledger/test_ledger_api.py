"""The ledger's API routes on a real server on loopback: checkpoints and proofs that the
standalone verifier (run as its own process) accepts, strict parameters, and no leaf data
for callers who may not read the record.

The workspace is a replay of 5-9 January 2023 over the real samples shipped in the package,
plus two field reports MADE UP for these tests (ids ``MADE-UP-*``): a tank on Ukraine's
side inside the 15 km zone (a finding concerning UA only) and a monitor's own report
stored as the API's submission path stores it.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import ceasefire.verifier as standalone
from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.api import create_app
from ceasefire.api.testing import running_server
from ceasefire.demo import SAMPLES, sample_path
from ceasefire.ledger.checkpoint import keygen, load_signer
from ceasefire.ledger_ops import issue_checkpoint
from ceasefire.observations.model import ObservationBatch
from ceasefire.observations.sources.field_report import parse_report, report_observation
from ceasefire.observations.sources.registry import get_source
from ceasefire.replay import replay
from ceasefire.settings import Settings
from ceasefire.store.access_sqlite import SqliteAccess
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.verification.model import VerificationQuery
from ceasefire.workspace import Workspace

API = "/api/v1/ledger"
NOTE = "MADE UP for the ceasefire ledger API tests; not a real event"
ORIGIN = "test.example/ceasefire-ledger"


def _report(report_id: str, when: str, kind: str, lon: float, lat: float, **extra: str) -> str:
    return json.dumps(
        {
            "report_id": report_id,
            "monitor_id": "MADE-UP-MONITOR",
            "team": "MADE-UP-TEAM",
            "observed_at": when,
            "kind": kind,
            "lon": lon,
            "lat": lat,
            "uncertainty_m": 200.0,
            "notes": NOTE,
            **extra,
        }
    )


# Toretsk, 6.8 km on Ukraine's side: a tank inside the 15 km zone -> a finding concerning UA
UA_TANK = _report(
    "MADE-UP-UA-TANK", "2023-01-06T14:00:00Z", "heavy_weapon_sighting", 37.85, 48.40,
    weapon_class="tank",
)  # fmt: skip
MONITOR_OWN = _report("MADE-UP-MONITOR-OWN", "2023-01-07T12:00:00Z", "shelling", 38.10, 48.87)


@dataclass
class World:
    root: Path
    url: str
    tokens: dict[str, str]
    vkeys: Path
    key: Path
    finding: str
    own_uid: str
    other_uid: str

    def get(self, path: str, who: str = "public", **params: str | int) -> httpx.Response:
        headers = {} if who == "public" else {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.get(f"{self.url}{API}{path}", params=params, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("ledger-api")
    reports = base / "made_up_field_reports.jsonl"
    reports.write_text(UA_TANK + "\n", encoding="utf-8")
    inputs = [(get_source(s), sample_path(n)) for s, n in SAMPLES]
    inputs.append((get_source("field"), reports))
    root = base / "workspace"
    start, end = datetime(2023, 1, 5, tzinfo=UTC), datetime(2023, 1, 9, tzinfo=UTC)
    replay(example_agreement_dir(), start, end, inputs, root, formats=["md"])
    key = base / "keys" / "ledger.key"
    vkeys = base / "mission.vkeys"
    vkeys.write_text(keygen(key, ORIGIN) + "\n")
    tokens: dict[str, str] = {}
    with Workspace.open(root) as ws:
        access = SqliteAccess(ws.store.path)
        users = {}
        for who, role, party in (
            ("analyst", "analyst", None),
            ("monitor", "monitor", None),
            ("liaison_ua", "liaison", "UA"),
            ("liaison_ru", "liaison", "RU"),
        ):
            users[who], tokens[who] = access.add_user(f"{who} (test)", role, party)
        access.close()
        own = report_observation(
            parse_report(MONITOR_OWN), MONITOR_OWN, None, submitted_by=users["monitor"].user_id
        )
        run = ws.store.start_ingest_run("field", "made-up-api-submission", "0" * 64)
        ws.store.add_observations(ObservationBatch.from_observations("field", [own]), run)
        finding = next(
            f.finding_id
            for f in SqliteVerification(ws.store).findings(VerificationQuery())
            if any(uid == "field:MADE-UP-UA-TANK" for uid, _ in f.evidence)
        )
        other_uid = str(
            ws.store.connection.execute(
                "SELECT uid FROM observations WHERE uid LIKE 'firms:%' LIMIT 1"
            ).fetchone()[0]
        )
        issue_checkpoint(ws.store, load_signer(key))
    settings = Settings(workspace=root, api_rate_per_s=0)
    with running_server(create_app(settings)) as url:
        yield World(root, url, tokens, vkeys, key, finding, "field:MADE-UP-MONITOR-OWN", other_uid)


def verify(
    world: World, bundle: dict[str, object], *extra: str
) -> subprocess.CompletedProcess[str]:
    """Run the standalone verifier file as its own process, as a party would."""
    path = world.root.parent / "bundle.json"
    path.write_text(json.dumps(bundle))
    return subprocess.run(
        [sys.executable, standalone.__file__, str(bundle["type"]), str(path), "--vkeys",
         str(world.vkeys), *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_proof_fetched_over_http_verifies_and_a_changed_one_is_refused(world: World) -> None:
    answer = world.get("/checkpoint")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    note = answer.text
    assert note.splitlines()[0] == ORIGIN
    size = int(note.splitlines()[1])
    bundle = world.get("/proof/inclusion", leaf=size - 1).json()
    assert bundle["checkpoint"] == note and bundle["leaf_index"] == size - 1
    assert "leaf_data" not in bundle  # hashes only, for anyone
    done = verify(world, bundle)
    assert done.returncode == 0 and done.stdout.startswith("ok:"), done.stderr
    flipped = dict(bundle)
    first = base64.b64decode(bundle["proof"][0])
    flipped["proof"] = [standalone.b64encode(bytes([first[0] ^ 1]) + first[1:])] + bundle["proof"][
        1:
    ]
    done = verify(world, flipped)
    assert done.returncode == 1 and done.stderr.startswith("refused:")
    shifted = {**bundle, "leaf_index": size - 2}
    assert verify(world, shifted).returncode == 1


def test_consistency_between_two_checkpoints_verifies(world: World) -> None:
    old = int(world.get("/checkpoint").text.splitlines()[1])
    with Workspace.open(world.root) as ws:  # a writer of its own, beside the server
        ws.store.append_record("note", {"text": "MADE UP: a record appended for this test"})
        issue_checkpoint(ws.store, load_signer(world.key))
    new_note = world.get("/checkpoint").text
    new = int(new_note.splitlines()[1])
    assert new == old + 1
    bundle = world.get("/proof/consistency", old=old).json()  # new: the latest
    assert bundle == world.get("/proof/consistency", old=old, new=new).json()
    assert bundle["new_checkpoint"] == new_note
    done = verify(world, bundle)
    assert done.returncode == 0 and done.stdout.startswith("ok:"), done.stderr
    # an inclusion proof against the older checkpoint, chosen by its size
    earlier = world.get("/proof/inclusion", leaf=0, size=old).json()
    assert int(earlier["checkpoint"].splitlines()[1]) == old
    assert verify(world, earlier).returncode == 0


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/proof/inclusion", {"leaf": "-1"}, "query.leaf"),
        ("/proof/inclusion", {"leaf": "abc"}, "query.leaf"),
        ("/proof/inclusion", {}, "query.leaf"),
        ("/proof/inclusion", {"leaf": "1", "lef": "2"}, "query.lef"),
        ("/proof/inclusion", {"leaf": "1", "size": "0"}, "query.size"),
        ("/proof/consistency", {"old": "x"}, "query.old"),
        ("/proof/consistency", {"old": "9", "new": "3"}, "query"),
        ("/checkpoint", {"published": "maybe"}, "query.published"),
    ],
)
def test_bad_parameters_give_the_json_422_shape(
    world: World, path: str, params: dict[str, str], field: str
) -> None:
    answer = httpx.get(f"{world.url}{API}{path}", params=params, timeout=60)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["status"] == 422 and error["code"] == "validation_error"
    assert any(f["field"].startswith(field) for f in error["fields"]), error


def test_unknown_leaves_and_sizes_are_not_found(world: World) -> None:
    size = int(world.get("/checkpoint").text.splitlines()[1])
    for params in ({"leaf": size + 1000}, {"leaf": 0, "size": 7}):
        answer = world.get("/proof/inclusion", "public", **params)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert world.get("/checkpoint", published="true").status_code == 404  # none published


def test_the_public_cannot_read_a_restricted_leafs_data(world: World) -> None:
    uid = world.own_uid
    # the public: the hash-only proof by index, never the record
    assert world.get("/proof/inclusion/observation", uid=uid).status_code == 401
    assert world.get("/proof/inclusion/finding", id=world.finding).status_code == 401
    # the mission reads the record, and the proof of it checks out with its data
    full = world.get("/proof/inclusion/observation", "analyst", uid=uid).json()
    record = json.loads(full["leaf_data"])
    assert record["uid"] == uid and record["type"] == "observation"
    assert verify(world, full).returncode == 0
    public = world.get("/proof/inclusion", leaf=full["leaf_index"]).json()
    assert "leaf_data" not in public and public["leaf_hash"] == full["leaf_hash"]
    assert uid not in json.dumps(public)
    # a monitor: its own report with data, anyone else's is not found
    mine = world.get("/proof/inclusion/observation", "monitor", uid=uid).json()
    assert mine == full
    other = world.get("/proof/inclusion/observation", "monitor", uid=world.other_uid)
    assert other.status_code == 404
    assert world.get("/proof/inclusion/observation", "liaison_ua", uid=uid).status_code == 403


def test_a_finding_proof_follows_the_policy(world: World) -> None:
    full = world.get("/proof/inclusion/finding", "analyst", id=world.finding).json()
    assert json.loads(full["leaf_data"])["finding"] == world.finding
    assert verify(world, full).returncode == 0
    # the liaison of the party concerned: the proof, but not the record (it names sources)
    liaison = world.get("/proof/inclusion/finding", "liaison_ua", id=world.finding).json()
    assert "leaf_data" not in liaison and liaison["leaf_hash"] == full["leaf_hash"]
    assert verify(world, liaison).returncode == 0
    record = world.root.parent / "finding.json"
    record.write_text(full["leaf_data"])
    assert verify(world, liaison, "--record", str(record)).returncode == 0
    # a finding that does not concern the caller's party does not exist for it
    answer = world.get("/proof/inclusion/finding", "liaison_ru", id=world.finding)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_the_cli_prints_the_same_proofs_by_finding_and_by_observation(world: World) -> None:
    def cli(*args: str) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "ceasefire", "ledger", "proof", "inclusion", *args,
             "-w", str(world.root)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        parsed: dict[str, object] = json.loads(done.stdout)
        return parsed

    by_finding = cli("--finding", world.finding)
    assert by_finding == world.get("/proof/inclusion/finding", "analyst", id=world.finding).json()
    by_uid = cli("--observation", world.own_uid)
    assert by_uid == world.get("/proof/inclusion/observation", "analyst", uid=world.own_uid).json()
    assert verify(world, by_finding).returncode == 0 and verify(world, by_uid).returncode == 0
    done = subprocess.run(
        [sys.executable, "-m", "ceasefire", "ledger", "proof", "inclusion", "--finding", "x",
         "--leaf", "1", "-w", str(world.root)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "exactly one of" in done.stderr
