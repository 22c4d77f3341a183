"""A guarantor reads the incident behind every finding it sees, whatever the incident's level.

A guarantor sees corroborated and confirmed findings. A finding of one open-source event is
only *reported*, and so is its incident; when the chief confirms the finding by decision, the
guarantor sees the finding, and its ``incident_id`` must lead to the incident (shaped for a
guarantor: opaque evidence references), though the incident's own level stays ``reported``.
The event is a made-up UCDP row, ingested into a copy of the test world and judged there.
"""

from __future__ import annotations

import csv
from pathlib import Path

import httpx

from ceasefire.assess import assess_pending
from ceasefire.demo import sample_path
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.replay import as_in_force_from
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.verification.model import VerificationQuery
from ceasefire.verification.pipeline import verify_window
from ceasefire.workspace import Workspace
from ceasefire.zones.engine import ZoneEngine

from .conftest import WINDOW, ApiWorld, serving

V1 = "/api/v1"
MADE_UP_ID = "990000001"


def _made_up_ucdp_event(path: Path) -> Path:
    """One UCDP row in the real file's columns, MADE UP: an explosion at Simferopol (Crimea,
    Russia's side of the line) on 7 January 2023. Crimea has no air-raid alerts in the files
    (its alert is permanent), so nothing corroborates the event at area level."""
    with sample_path("ucdp_ged_ukraine_window.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        template = next(reader)
        columns = reader.fieldnames
    assert columns is not None
    row = dict(template)
    row.update(
        id=MADE_UP_ID,
        relid="MADE-UP-1",
        year="2023",
        source_article="MADE UP for the ceasefire API tests; not a real event",
        source_headline="MADE UP",
        where_coordinates="Simferopol town (made up)",
        adm_1="Crimea",
        adm_2="Simferopol raion",
        latitude="44.9521",
        longitude="34.1024",
        geom_wkt="POINT (34.1024 44.9521)",
        date_start="01/07/2023 00:00",
        date_end="01/07/2023 00:00",
    )
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerow(row)
    return path


def _judge_made_up_event(world: ApiWorld, csv_path: Path) -> tuple[str, str]:
    with Workspace.open(world.root) as ws:
        ingest_file(ws.store, get_source("ucdp"), csv_path)
        record, agreement = ws.active_agreement()
        agreement = as_in_force_from(agreement, WINDOW[0])
        assess_pending(ws.store, ZoneEngine.build(agreement), record.key)
        repo = SqliteVerification(ws.store)
        verify_window(ws.store, repo, agreement, record.key, *WINDOW)
        for f in repo.findings(VerificationQuery()):
            if any(uid == f"ucdp:{MADE_UP_ID}" for uid, _ in f.evidence):
                return f.finding_id, f.incident_id
    raise AssertionError("the made-up UCDP event gave no finding")


def test_a_guarantor_reads_the_incident_of_a_finding_confirmed_by_decision(
    api_world: ApiWorld, tmp_path: Path
) -> None:
    world = api_world.copy(tmp_path / "workspace")
    finding_id, incident_id = _judge_made_up_event(world, _made_up_ucdp_event(tmp_path / "u.csv"))
    with serving(world) as served, httpx.Client(base_url=served.url, timeout=60) as c:
        analyst, guarantor = world.headers("analyst"), world.headers("guarantor")
        mission_view = c.get(f"{V1}/incidents/{incident_id}", headers=analyst)
        assert mission_view.status_code == 200 and mission_view.json()["level"] == "reported"
        assert c.get(f"{V1}/findings/{finding_id}", headers=guarantor).status_code == 404
        assert c.get(f"{V1}/incidents/{incident_id}", headers=guarantor).status_code == 404
        r = c.post(
            f"{V1}/findings/{finding_id}/decisions",
            json={"action": "confirm", "reason": "MADE UP: seen by a patrol the next day"},
            headers=world.headers("chief"),
        )
        assert r.status_code == 201, r.text
        finding = c.get(f"{V1}/findings/{finding_id}", headers=guarantor)
        assert finding.status_code == 200 and finding.json()["level"] == "confirmed"
        assert finding.json()["incident_id"] == incident_id
        incident = c.get(f"{V1}/incidents/{incident_id}", headers=guarantor)
        assert incident.status_code == 200, incident.text
        assert incident.json()["level"] == "reported"  # the incident's own level is unchanged
        assert incident.json()["evidence"]
        assert all(e["uid"] is None for e in incident.json()["evidence"])
        listed = c.get(f"{V1}/incidents", params={"limit": 1000}, headers=guarantor).json()
        assert incident_id in {i["incident_id"] for i in listed["items"]}
        # the liaisons' rule is unchanged: on RU's side, so RU's liaison reads it
        ru = c.get(f"{V1}/incidents/{incident_id}", headers=world.headers("liaison_ru"))
        assert ru.status_code == 200 and ru.json()["side"] == "RU"
