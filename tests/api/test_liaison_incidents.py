"""A liaison reads the incident behind every finding it sees, wherever that incident lies.

A finding concerns a party when the party is held responsible (computed or decided) or the
finding lies on its side; the incident behind it may lie on the other side of the line (the
made-up shelling lands on Ukraine's side and concerns Russia as the presumed shooter). The
liaison reads that incident, shaped as for liaisons (opaque evidence references, no source
identity); an incident that neither lies on its side nor is behind a finding it sees stays
``404`` and out of its lists.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from .conftest import Served

PREFIX = "/api/v1"
PARTY = {"liaison_ua": "UA", "liaison_ru": "RU"}
SOURCE_UID = re.compile(r"\b(?:field|firms|alerts|ucdp|acled|attacks):[A-Za-z0-9]")


def _items(client: httpx.Client, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get(PREFIX + path, params={"limit": 1000}, headers=headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert isinstance(items, list)
    return items


def _concerns(finding: dict[str, Any], party: str) -> bool:
    return party in (finding["responsible"], finding["computed_responsible"], finding["side"])


def test_a_liaison_reads_the_incident_of_every_finding_it_sees(api_server: Served) -> None:
    world = api_server.world
    with httpx.Client(base_url=api_server.url, timeout=120) as client:
        analyst = world.headers("analyst")
        every_finding = {f["finding_id"]: f for f in _items(client, "/findings", analyst)}
        every_incident = {i["incident_id"]: i for i in _items(client, "/incidents", analyst)}
        crossed = 0
        for who, party in PARTY.items():
            headers = world.headers(who)
            findings = _items(client, "/findings", headers)
            # the findings it sees are exactly those concerning its party, as before
            mine = {k for k, f in every_finding.items() if _concerns(f, party)}
            assert {f["finding_id"] for f in findings} == mine and mine
            behind = {f["incident_id"] for f in findings}
            on_side = {k for k, i in every_incident.items() if i["side"] == party}
            listed = _items(client, "/incidents", headers)
            assert {i["incident_id"] for i in listed} == on_side | behind
            for incident_id in behind:
                r = client.get(f"{PREFIX}/incidents/{incident_id}", headers=headers)
                assert r.status_code == 200, (who, incident_id, r.text)
                incident = r.json()
                crossed += incident["side"] != party
                # shaped as for liaisons: opaque references, no source identity, no replies
                assert incident["evidence"]
                for e in incident["evidence"]:
                    assert e["uid"] is None and re.fullmatch(r"[0-9a-f]{20}", e["ref"])
                assert "replies" not in incident
                assert not SOURCE_UID.findall(r.text), (who, incident_id)
            # every other incident is not found, as if it did not exist
            for incident_id in every_incident.keys() - on_side - behind:
                r = client.get(f"{PREFIX}/incidents/{incident_id}", headers=headers)
                assert r.status_code == 404, (who, incident_id)
        assert crossed, "no finding a liaison sees has its incident across the line"


def test_the_other_liaison_still_sees_neither_finding_nor_incident(api_server: Served) -> None:
    """RU's tank, on RU's side, concerns RU alone: UA's liaison finds neither it nor its
    incident; the shelling on UA's side, presumably RU's fire, gives RU its finding and its
    incident."""
    world = api_server.world
    ru_tank, ru_tank_incident = (
        world.findings["MADE-UP-RU-TANK"],
        world.incidents["MADE-UP-RU-TANK"],
    )
    shelling, shelling_incident = (
        world.findings["MADE-UP-SHELLING"],
        world.incidents["MADE-UP-SHELLING"],
    )
    with httpx.Client(base_url=api_server.url, timeout=60) as client:
        ua, ru = world.headers("liaison_ua"), world.headers("liaison_ru")
        assert client.get(f"{PREFIX}/findings/{ru_tank}", headers=ua).status_code == 404
        assert client.get(f"{PREFIX}/incidents/{ru_tank_incident}", headers=ua).status_code == 404
        assert ru_tank_incident not in {i["incident_id"] for i in _items(client, "/incidents", ua)}
        finding = client.get(f"{PREFIX}/findings/{shelling}", headers=ru)
        assert finding.status_code == 200 and finding.json()["side"] == "UA"
        assert finding.json()["incident_id"] == shelling_incident
        incident = client.get(f"{PREFIX}/incidents/{shelling_incident}", headers=ru)
        assert incident.status_code == 200 and incident.json()["side"] == "UA"
        # a side filter still filters on the incident's side, not on who may read it
        on_ua = client.get(
            PREFIX + "/incidents", params={"side": "UA", "limit": 1000}, headers=ru
        ).json()["items"]
        assert shelling_incident in {i["incident_id"] for i in on_ua}
        assert all(i["side"] == "UA" for i in on_ua)
