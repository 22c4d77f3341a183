"""A real workspace and a real API server on loopback for the API tests.

The workspace is a replay of 5-9 January 2023 under the shipped example agreement, over the
real observations shipped in the package (NASA FIRMS, air-raid alerts, UCDP GED). Those
alone give no finding in this window, so five field reports MADE UP for these tests (ids
``MADE-UP-*``, notes saying so) add findings that concern each party: a tank seen on each
side inside the 15 km zone, a shelling landing on Ukraine's side and an exchange of small-arms
fire, and a patrol turned back (a coverage gap). One more made-up report is stored as submitted through the API by the monitor.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

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
from ceasefire.verification.records import Action, Decision, Reply
from ceasefire.workspace import Workspace

WINDOW = (datetime(2023, 1, 5, tzinfo=UTC), datetime(2023, 1, 9, tzinfo=UTC))
NOTE = "MADE UP for the ceasefire API tests; not a real event"


def _report(report_id: str, when: str, kind: str, lon: float, lat: float, **extra: Any) -> str:
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


MADE_UP = (
    # Toretsk, 6.8 km on Ukraine's side: a tank inside the 15 km zone -> concerns UA only
    _report("MADE-UP-UA-TANK", "2023-01-06T14:00:00Z", "heavy_weapon_sighting", 37.85, 48.40,
            weapon_class="tank"),
    # Kreminna, 4.9 km on Russia's side: a tank inside the 15 km zone -> concerns RU only
    _report("MADE-UP-RU-TANK", "2023-01-07T10:00:00Z", "heavy_weapon_sighting", 38.22, 49.05,
            weapon_class="tank"),
    # Chasiv Yar, on Ukraine's side: shelling landing there -> side UA, presumably RU's fire
    _report("MADE-UP-SHELLING", "2023-01-06T16:00:00Z", "shelling", 37.84, 48.59),
    # Siversk, on Ukraine's side: small-arms fire, rejected by an analyst below
    _report("MADE-UP-SMALL-ARMS", "2023-01-08T09:00:00Z", "small_arms_fire", 38.10, 48.87),
    # Bakhmut road, Ukraine's side: a monitors' patrol turned back (a coverage gap)
    _report("MADE-UP-DENIAL", "2023-01-07T08:00:00Z", "movement_restriction", 37.95, 48.60,
            observed_until="2023-01-07T11:00:00Z"),
)  # fmt: skip
MONITOR_OWN = _report("MADE-UP-MONITOR-OWN", "2023-01-07T12:00:00Z", "shelling", 38.10, 48.87)

ROLES: dict[str, tuple[str, str | None]] = {
    "monitor": ("monitor", None),
    "analyst": ("analyst", None),
    "chief": ("chief", None),
    "liaison_ua": ("liaison", "UA"),
    "liaison_ru": ("liaison", "RU"),
    "guarantor": ("guarantor", "US"),
    "revoked": ("analyst", None),  # revoked below: its token must be refused everywhere
}


@dataclass
class ApiWorld:
    """The workspace, its users' tokens and the ids the tests need."""

    root: Path
    tokens: dict[str, str]
    user_ids: dict[str, str]
    findings: dict[str, str]  # made-up report id -> finding id
    incidents: dict[str, str]  # made-up report id -> incident id
    pristine: Path  # a copy of the workspace made before any server opened it
    daily_report: str = "2023-01-06.html"
    extra: dict[str, Any] = field(default_factory=dict)

    def copy(self, target: Path) -> ApiWorld:
        """The same world in a copy of the pristine workspace (for tests that write)."""
        shutil.copytree(self.pristine, target)
        return replace(self, root=target)

    def headers(self, who: str) -> dict[str, str]:
        if who == "public":
            return {}
        if who == "bad_token":
            return {"Authorization": "Bearer cf_" + "x" * 43}
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def _finding_of(repo: SqliteVerification, report_id: str) -> tuple[str, str]:
    for f in repo.findings(VerificationQuery()):
        if any(uid == f"field:{report_id}" for uid, _ in f.evidence):
            return f.finding_id, f.incident_id
    raise AssertionError(f"the made-up report {report_id} gave no finding")


@pytest.fixture(scope="session")
def api_world(tmp_path_factory: pytest.TempPathFactory) -> ApiWorld:
    base = tmp_path_factory.mktemp("api")
    reports = base / "made_up_field_reports.jsonl"
    reports.write_text("\n".join(MADE_UP) + "\n", encoding="utf-8")
    inputs = [(get_source(s), sample_path(n)) for s, n in SAMPLES]
    inputs.append((get_source("field"), reports))
    root = base / "workspace"
    replay(example_agreement_dir(), *WINDOW, inputs, root, formats=["html", "md"])

    tokens: dict[str, str] = {}
    user_ids: dict[str, str] = {}
    # a signing key outside any git work tree, and a checkpoint of the replay's ledger
    key = base / "keys" / "ledger.key"
    keygen(key, "monitoring.example/ceasefire-api-tests")
    signer = load_signer(key)
    with Workspace.open(root) as ws:
        first_checkpoint = issue_checkpoint(ws.store, signer).size
        access = SqliteAccess(ws.store.path)
        for who, (role, party) in ROLES.items():
            user, token = access.add_user(f"{who} (test)", role, party)
            tokens[who], user_ids[who] = token, user.user_id
        access.revoke(user_ids["revoked"])
        access.close()
        # the monitor's own report, stored as the submission path stores it
        observation = report_observation(
            parse_report(MONITOR_OWN), MONITOR_OWN, None, submitted_by=user_ids["monitor"]
        )
        run = ws.store.start_ingest_run("field", "made-up-api-submission", "0" * 64)
        ws.store.add_observations(ObservationBatch.from_observations("field", [observation]), run)
        ws.store.finish_ingest_run(run, 1, 0, 0)

        repo = SqliteVerification(ws.store)
        findings: dict[str, str] = {}
        incidents: dict[str, str] = {}
        for report_id in ("MADE-UP-UA-TANK", "MADE-UP-RU-TANK", "MADE-UP-SHELLING",
                          "MADE-UP-SMALL-ARMS"):  # fmt: skip
            findings[report_id], incidents[report_id] = _finding_of(repo, report_id)
        now = datetime.now(UTC)
        shelling = findings["MADE-UP-SHELLING"]
        repo.add_reply(Reply(shelling, "UA", "MADE UP: UA reply text", "UA (test)", now))
        repo.add_reply(Reply(shelling, "RU", "MADE UP: RU reply text", "RU (test)", now))
        repo.add_decision(
            Decision(findings["MADE-UP-SMALL-ARMS"], Action.REJECT, "MADE UP: test", "test", now)
        )
    with Workspace.open(root) as ws:  # a second one, so consistency proofs have two ends
        issue_checkpoint(ws.store, signer)
    pristine = base / "pristine"
    shutil.copytree(root, pristine)
    world = ApiWorld(root, tokens, user_ids, findings, incidents, pristine)
    world.extra["first_checkpoint"] = first_checkpoint
    return world


def settings_for(world: ApiWorld, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "workspace": world.root,
        "api_rate_per_s": 0,  # off, except where a test turns it on
        "public_delay_hours": 72,
        "public_grid_m": 10_000,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Served:
    """A running server: its base URL and the app it serves."""

    url: str
    app: FastAPI
    world: ApiWorld


@contextmanager
def serving(world: ApiWorld, **overrides: Any) -> Iterator[Served]:
    """A real uvicorn server on a free loopback port over ``world``'s workspace."""
    app = create_app(settings_for(world, **overrides))
    with running_server(app) as url:
        yield Served(url, app, world)


@pytest.fixture(scope="session")
def api_server(api_world: ApiWorld) -> Iterator[Served]:
    """The read-mostly server the tests share (tests that write use a copy: ``serve_copy``)."""
    with serving(api_world) as served:
        yield served


@pytest.fixture(scope="session")
def api_url(api_server: Served) -> str:
    return api_server.url


@pytest.fixture
def serve_copy(
    api_world: ApiWorld, tmp_path: Path
) -> Iterator[Callable[..., AbstractContextManager[Served]]]:
    """Start servers (with setting overrides) over a fresh copy of the pristine workspace."""
    world = api_world.copy(tmp_path / "workspace")

    def start(**overrides: Any) -> AbstractContextManager[Served]:
        return serving(world, **overrides)

    yield start


@pytest.fixture
def client(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=60) as c:
        yield c
