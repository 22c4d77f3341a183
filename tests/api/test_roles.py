"""Every caller against every endpoint: who is let in, who is refused, and what each one sees.

One row per endpoint (and a few more for items a caller may not see), each tried by every
caller: the six roles, the public (no token), a revoked token and a token never issued.
``test_every_route_has_a_row`` fails when a route is added without a row here.

The server runs on a copy of the shared workspace, because the rows include writes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ceasefire.api.introspect import api_routes

from .conftest import NOTE, ApiWorld, Served, serving

CALLERS = (
    "monitor",
    "analyst",
    "chief",
    "liaison_ua",
    "liaison_ru",
    "guarantor",
    "public",
    "revoked",
    "bad_token",
)
MISSION = frozenset({"analyst", "chief"})
LIAISONS = frozenset({"liaison_ua", "liaison_ru"})
READERS = MISSION | LIAISONS | {"guarantor"}
EVERYONE = READERS | {"monitor", "public"}
PARTY = {"liaison_ua": "UA", "liaison_ru": "RU"}
ROLE_OF = {
    "monitor": "monitor",
    "analyst": "analyst",
    "chief": "chief",
    "liaison_ua": "liaison",
    "liaison_ru": "liaison",
    "guarantor": "guarantor",
    "public": "public",
}
PREFIX = "/api/v1"


@dataclass
class Seen:
    """What the analyst sees, fetched once: the reference other callers are compared with."""

    findings: dict[str, dict[str, Any]]
    incidents: dict[str, dict[str, Any]]


Check = Callable[[str, httpx.Response, ApiWorld, Seen], None]
Build = Callable[[str, ApiWorld], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """One endpoint (method, path template) tried by every caller."""

    method: str
    path: str
    allowed: frozenset[str]
    ok: int = 200
    hidden: frozenset[str] = frozenset()  # let in, but this item is not theirs: 404
    fill: Callable[[ApiWorld], dict[str, str]] = lambda w: {}
    build: Build = lambda who, w: {}
    check: Check | None = None
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self, who: str) -> int:
        if who in ("revoked", "bad_token"):
            return 401
        if who in self.hidden:
            return 404
        if who in self.allowed:
            return self.ok
        return 401 if who == "public" else 403

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}{' ' + self.label if self.label else ''}"


# --- what each caller sees ---------------------------------------------------------------------


def _items(r: httpx.Response) -> list[dict[str, Any]]:
    items = r.json()["items"]
    assert isinstance(items, list)
    return items


def _check_me(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    me = r.json()
    assert me["role"] == ROLE_OF[who]
    assert me["party"] == {"guarantor": "US", **PARTY}.get(who)
    if who != "public":
        assert me["user_id"] == w.user_ids[who]


def _check_agreements(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert [a["active"] for a in r.json()] == [True]


def _check_layers(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    body = r.json()
    assert body["zones"]["features"] and body["line"]["features"] and body["oblasts"]["features"]


def _check_observations(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    uids = {o["uid"] for o in _items(r)}
    if who == "monitor":  # its own report only, not the other field reports
        assert uids == {"field:MADE-UP-MONITOR-OWN"}
        assert all(o["attributes"]["submitted_by"] == w.user_ids["monitor"] for o in _items(r))
    else:
        assert "field:MADE-UP-MONITOR-OWN" in uids
        assert {f"field:{rid}" for rid in w.findings} <= uids


def _evidence_identities(who: str, items: list[dict[str, Any]]) -> None:
    """The mission sees source identities; every other caller an opaque reference only."""
    evidence = [e for item in items for e in item["evidence"]]
    assert evidence, "nothing to check"
    for e in evidence:
        assert re.fullmatch(r"[0-9a-f]{20}", e["ref"])
        if who in MISSION:
            assert e["uid"].startswith(e["source"] + ":")
        else:
            assert e["uid"] is None


def _check_incidents(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    items = _items(r)
    ids = {i["incident_id"] for i in items}
    if who in MISSION:
        expected = set(seen.incidents)
    elif who in LIAISONS:  # on its side, and the incidents of the findings concerning it
        party = PARTY[who]
        expected = {k for k, i in seen.incidents.items() if i["side"] == party} | {
            f["incident_id"]
            for f in seen.findings.values()
            if party in (f["responsible"], f["computed_responsible"], f["side"])
        }
    else:  # guarantor
        expected = {
            k for k, i in seen.incidents.items() if i["level"] in ("corroborated", "confirmed")
        }
    assert ids == expected and ids
    _evidence_identities(who, items)


def _check_findings(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    items = _items(r)
    ids = {f["finding_id"] for f in items}
    ua_tank, ru_tank = w.findings["MADE-UP-UA-TANK"], w.findings["MADE-UP-RU-TANK"]
    shelling, rejected = w.findings["MADE-UP-SHELLING"], w.findings["MADE-UP-SMALL-ARMS"]
    if who in MISSION:
        assert ids == set(seen.findings)
        assert {ua_tank, ru_tank, shelling, rejected} <= ids
    elif who in LIAISONS:
        party = PARTY[who]
        expected = {
            k
            for k, f in seen.findings.items()
            if party in (f["side"], f["responsible"], f["computed_responsible"])
        }
        assert ids == expected
        # the UA tank concerns UA alone, the RU tank RU alone, the shelling (on UA's side,
        # presumably RU's fire) both
        assert (ua_tank in ids, ru_tank in ids, shelling in ids) == (
            party == "UA",
            party == "RU",
            True,
        )
        for f in items:
            assert {reply["party"] for reply in f["replies"]} <= {party}
    else:  # guarantor: corroborated and confirmed only
        assert ids == {
            k for k, f in seen.findings.items() if f["level"] in ("corroborated", "confirmed")
        }
        assert rejected not in ids and shelling in ids
    _evidence_identities(who, items)


def _check_shelling(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    f = r.json()
    replies = {reply["party"]: reply["text"] for reply in f["replies"]}
    if who in LIAISONS:  # its own party's reply, never the other's
        assert set(replies) == {PARTY[who]}
        assert replies[PARTY[who]] == f"MADE UP: {PARTY[who]} reply text"
    else:
        assert {"UA", "RU"} <= set(replies)
    _evidence_identities(who, [f])


def _check_ru_incident(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert r.json()["side"] == "RU"
    _evidence_identities(who, [r.json()])


def _check_reports(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    names = {item["name"] for item in _items(r)}
    assert {f"daily-2023-01-0{d}" for d in (5, 6, 7, 8)} <= names


def _check_report_file(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    text = r.text
    assert r.headers["content-type"].startswith("text/html")
    identities = re.findall(r"(?:field|firms|alerts|ucdp):[A-Za-z0-9]", text)
    if who in MISSION:  # the file as published: source identities in it
        assert identities
        return
    assert not identities
    has_ua, has_ru = "UA reply text" in text, "RU reply text" in text
    if who == "liaison_ua":
        assert (has_ua, has_ru) == (True, False)
    elif who == "liaison_ru":
        assert (has_ua, has_ru) == (False, True)
    elif who == "public":
        assert (has_ua, has_ru) == (False, False)


def _check_coverage(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    # the patrol turned back (made up): the one gap starting then
    gaps = [g for g in _items(r) if g["start"] == "2023-01-07T08:00:00Z"]
    assert len(gaps) == 1
    if who in MISSION:
        assert gaps[0]["source_uid"] == "field:MADE-UP-DENIAL"
        assert gaps[0]["reported_by"] == "MADE-UP-TEAM"
        assert gaps[0]["reason"] == NOTE  # the monitor's own words
    else:  # who reported it, and what the monitor wrote, stay inside the mission
        assert gaps[0]["source_uid"] is None and gaps[0]["reported_by"] is None
        assert gaps[0]["reason"] is None
        assert NOTE not in r.text


def _check_geojson(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    features = r.json()["features"]
    assert len(features) == len(seen.findings)


def _check_acled(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert r.headers["content-type"].startswith("text/csv")
    lines = [line for line in r.text.splitlines() if line]
    assert len(lines) == 1 + len(seen.findings)


def _check_audit(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert _items(r), "the rows before this one were audited"


def _check_public(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    items = _items(r)
    ids = {f["finding_id"] for f in items}
    published = {k for k, f in seen.findings.items() if f["level"] != "rejected"}
    assert ids == published and ids
    for f in items:
        assert "evidence" not in f and "replies" not in f and "decisions" not in f
        assert set(f["sources"]) <= {"field", "firms", "alerts", "ucdp"}
        precise = seen.findings[f["finding_id"]]
        assert (f["lon"], f["lat"]) != (precise["lon"], precise["lat"])  # coarsened
        assert abs(f["lon"] - precise["lon"]) < 0.15 and abs(f["lat"] - precise["lat"]) < 0.1


def _check_checkpoint(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("monitoring.example/ceasefire-api-tests\n")


def _check_hashes_only(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    bundle = r.json()
    assert bundle["leaf_index"] == 0 and bundle["proof"]
    assert "leaf_data" not in bundle


def _check_consistency(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    bundle = r.json()
    assert bundle["old_checkpoint"] != bundle["new_checkpoint"] and bundle["proof"]


def _check_finding_proof(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    bundle = r.json()
    if who in MISSION:  # the record itself, identities included
        assert w.findings["MADE-UP-RU-TANK"] in bundle["leaf_data"]
    else:
        assert "leaf_data" not in bundle


def _check_observation_proof(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert "MADE-UP-MONITOR-OWN" in r.json()["leaf_data"]


def _check_warnings(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    # the world's replay issued the warnings of its days: a reader gets them whole
    items = _items(r)
    assert items, "the replay stores the warnings of each day"
    for item in items:
        assert item["warning_id"].startswith("W-") and isinstance(item["leaf_index"], int)


def _check_submission(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert r.json()["status"] == "accepted"
    assert r.json()["uid"] == "field:MADE-UP-ROLES-" + who


def _check_evidence(who: str, r: httpx.Response, w: ApiWorld, seen: Seen) -> None:
    assert r.json()["added_by"] == w.user_ids[who]


# --- the requests ------------------------------------------------------------------------------


def _report_body(who: str, w: ApiWorld) -> dict[str, Any]:
    report = {
        "report_id": "MADE-UP-ROLES-" + who,
        "monitor_id": "MADE-UP-MONITOR",
        "team": "MADE-UP-TEAM",
        "observed_at": "2023-01-07T09:30:00Z",
        "kind": "explosion",
        "lon": 37.9,
        "lat": 48.5,
        "notes": "MADE UP for the role table",
    }
    return {"json": report, "headers": {"Idempotency-Key": "roles-" + who}}


def _evidence_body(who: str, w: ApiWorld) -> dict[str, Any]:
    content = f"MADE UP evidence bytes for {who}".encode()
    return {
        "files": {"file": ("photo.jpg", io.BytesIO(content), "image/jpeg")},
        "data": {"captured_at": "2023-01-07T09:31:00Z", "device": "MADE-UP camera"},
    }


def _finding(report_id: str) -> Callable[[ApiWorld], dict[str, str]]:
    return lambda w: {"finding_id": w.findings[report_id]}


def _incident(report_id: str) -> Callable[[ApiWorld], dict[str, str]]:
    return lambda w: {"incident_id": w.incidents[report_id]}


ROWS: tuple[Row, ...] = (
    Row("GET", "/", EVERYONE, label="(dashboard page)"),
    Row("GET", PREFIX + "/me", EVERYONE, check=_check_me),
    Row("GET", PREFIX + "/agreements", EVERYONE, check=_check_agreements),
    Row("GET", PREFIX + "/map/layers", EVERYONE, check=_check_layers),
    Row(
        "GET",
        PREFIX + "/observations",
        MISSION | {"monitor"},
        build=lambda who, w: {"params": {"source": "field", "limit": 1000}},
        check=_check_observations,
    ),
    Row(
        "GET",
        PREFIX + "/incidents",
        READERS,
        build=lambda who, w: {"params": {"limit": 1000}},
        check=_check_incidents,
    ),
    Row(
        "GET",
        PREFIX + "/incidents/{incident_id}",
        READERS,
        hidden=frozenset({"liaison_ua"}),
        fill=_incident("MADE-UP-RU-TANK"),
        check=_check_ru_incident,
    ),
    Row(
        "GET",
        PREFIX + "/findings",
        READERS,
        build=lambda who, w: {"params": {"limit": 1000}},
        check=_check_findings,
    ),
    Row(
        "GET",
        PREFIX + "/findings/{finding_id}",
        READERS,
        fill=_finding("MADE-UP-SHELLING"),
        check=_check_shelling,
        label="(concerns both parties)",
    ),
    Row(
        "GET",
        PREFIX + "/findings/{finding_id}",
        READERS,
        hidden=frozenset({"liaison_ua"}),
        fill=_finding("MADE-UP-RU-TANK"),
        label="(concerns RU only)",
    ),
    Row(
        "GET",
        PREFIX + "/findings/{finding_id}",
        READERS,
        hidden=frozenset({"liaison_ru", "guarantor"}),
        fill=_finding("MADE-UP-SMALL-ARMS"),
        label="(rejected, on UA's side)",
    ),
    Row(
        "POST",
        PREFIX + "/findings/{finding_id}/decisions",
        MISSION,
        ok=201,
        fill=_finding("MADE-UP-SHELLING"),
        build=lambda who, w: {
            "json": {"action": "attribute", "party": "RU", "reason": f"MADE UP by {who}"}
        },
    ),
    Row(
        "POST",
        PREFIX + "/findings/{finding_id}/replies",
        LIAISONS,
        ok=201,
        fill=_finding("MADE-UP-SHELLING"),
        build=lambda who, w: {"json": {"text": f"MADE UP reply by {who}"}},
    ),
    Row(
        "POST",
        PREFIX + "/findings/{finding_id}/replies",
        LIAISONS,
        ok=201,
        hidden=frozenset({"liaison_ua"}),
        fill=_finding("MADE-UP-RU-TANK"),
        build=lambda who, w: {"json": {"text": f"MADE UP reply by {who}"}},
        label="(to a finding concerning RU only)",
    ),
    Row("GET", PREFIX + "/reports", EVERYONE, check=_check_reports),
    Row(
        "GET",
        PREFIX + "/reports/{name}",
        EVERYONE,
        fill=lambda w: {"name": "daily-2023-01-06.html"},
        check=_check_report_file,
    ),
    Row("GET", PREFIX + "/coverage", READERS, check=_check_coverage),
    Row("GET", PREFIX + "/exports/findings.geojson", MISSION, check=_check_geojson),
    Row("GET", PREFIX + "/exports/acled.csv", MISSION, check=_check_acled),
    Row("GET", PREFIX + "/audit", MISSION, check=_check_audit),
    Row("GET", PREFIX + "/public/findings", EVERYONE, check=_check_public),
    # the ledger: checkpoints and hash-only proofs for anyone, records' proofs as visible
    Row("GET", PREFIX + "/ledger/checkpoint", EVERYONE, check=_check_checkpoint),
    Row(
        "GET",
        PREFIX + "/ledger/proof/inclusion",
        EVERYONE,
        build=lambda who, w: {"params": {"leaf": 0}},
        check=_check_hashes_only,
    ),
    Row(
        "GET",
        PREFIX + "/ledger/proof/consistency",
        EVERYONE,
        build=lambda who, w: {"params": {"old": w.extra["first_checkpoint"]}},
        check=_check_consistency,
    ),
    Row(
        "GET",
        PREFIX + "/ledger/proof/inclusion/finding",
        READERS,
        hidden=frozenset({"liaison_ua"}),
        build=lambda who, w: {"params": {"id": w.findings["MADE-UP-RU-TANK"]}},
        check=_check_finding_proof,
    ),
    Row(
        "GET",
        PREFIX + "/ledger/proof/inclusion/observation",
        MISSION | {"monitor"},
        build=lambda who, w: {"params": {"uid": "field:MADE-UP-MONITOR-OWN"}},
        check=_check_observation_proof,
        label="(the monitor's own report)",
    ),
    Row(
        "GET",
        PREFIX + "/ledger/proof/inclusion/observation",
        MISSION | {"monitor"},
        hidden=frozenset({"monitor"}),
        build=lambda who, w: {"params": {"uid": "field:MADE-UP-UA-TANK"}},
        label="(another monitor's report)",
    ),
    # warnings (issue 6): none were issued in this workspace, so only the doors are tried
    Row("GET", PREFIX + "/warnings", MISSION | {"guarantor"}, check=_check_warnings),
    Row(
        "GET",
        PREFIX + "/warnings/{warning_id}",
        MISSION | {"guarantor"},
        hidden=MISSION | {"guarantor"},
        fill=lambda w: {"warning_id": "wrn-none"},
        label="(no such warning)",
    ),
    Row(
        "POST",
        PREFIX + "/field-reports",
        frozenset({"monitor"}),
        ok=201,
        build=_report_body,
        check=_check_submission,
    ),
    Row(
        "POST",
        PREFIX + "/evidence",
        frozenset({"monitor"}),
        ok=201,
        build=_evidence_body,
        check=_check_evidence,
    ),
)


@pytest.fixture(scope="module")
def table_server(api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    world = api_world.copy(tmp_path_factory.mktemp("roles") / "workspace")
    with serving(world) as served:
        yield served


@pytest.fixture(scope="module")
def seen(table_server: Served) -> Seen:
    headers = table_server.world.headers("analyst")
    with httpx.Client(base_url=table_server.url, headers=headers, timeout=60) as c:
        findings = c.get(PREFIX + "/findings", params={"limit": 1000}).json()["items"]
        incidents = c.get(PREFIX + "/incidents", params={"limit": 1000}).json()["items"]
    return Seen({f["finding_id"]: f for f in findings}, {i["incident_id"]: i for i in incidents})


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_every_caller(row: Row, table_server: Served, seen: Seen) -> None:
    world = table_server.world
    path = row.path.format(**row.fill(world))
    answers: dict[str, tuple[int, int]] = {}
    with httpx.Client(base_url=table_server.url, timeout=120) as client:
        for who in CALLERS:
            kwargs = row.build(who, world)
            headers = {**world.headers(who), **kwargs.pop("headers", {})}
            r = client.request(row.method, path, headers=headers, **kwargs)
            answers[who] = (r.status_code, row.expected(who))
            if r.status_code != row.expected(who):
                continue
            if r.status_code >= 400:  # every refusal has the one error shape
                error = r.json()["error"]
                assert error["status"] == r.status_code and error["message"]
                if r.status_code == 401:
                    assert r.headers["www-authenticate"] == "Bearer"
            elif row.check is not None:
                row.check(who, r, world, seen)
    wrong = {who: got for who, (got, want) in answers.items() if got != want}
    assert not wrong, f"status (got, wanted) by caller: {answers}"


def _routes(served: Served) -> set[tuple[str, str]]:
    return {(m, r.path) for r in api_routes(served.app) for m in r.methods or () if m != "HEAD"}


def test_every_route_has_a_row(api_server: Served) -> None:
    """A new route fails here until it has a row above (and so a decision per caller)."""
    spec = httpx.get(api_server.url + "/openapi.json", timeout=60).json()
    in_schema = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    routes = _routes(api_server)
    assert in_schema <= routes
    assert routes == {(r.method, r.path) for r in ROWS}


def test_a_refused_write_stores_nothing(table_server: Served) -> None:
    """A liaison may not decide and a monitor may not reply: the finding is unchanged."""
    world = table_server.world
    finding = world.findings["MADE-UP-UA-TANK"]
    with httpx.Client(base_url=table_server.url, timeout=60) as client:
        analyst = world.headers("analyst")
        before = client.get(f"{PREFIX}/findings/{finding}", headers=analyst).json()
        decision = {"action": "reject", "reason": "MADE UP"}
        r = client.post(
            f"{PREFIX}/findings/{finding}/decisions",
            json=decision,
            headers=world.headers("liaison_ua"),
        )
        assert r.status_code == 403
        r = client.post(
            f"{PREFIX}/findings/{finding}/replies",
            json={"text": "MADE UP"},
            headers=world.headers("monitor"),
        )
        assert r.status_code == 403
        after = client.get(f"{PREFIX}/findings/{finding}", headers=analyst).json()
    assert after == before


NOT_MISSION = ("monitor", "liaison_ua", "liaison_ru", "guarantor", "public")
SOURCE_UID = re.compile(r"\b(?:field|firms|alerts|ucdp|acled|attacks):[A-Za-z0-9]")


def _mission_uids(seen: Seen) -> set[str]:
    """Every source identity the analyst is shown in findings and incidents."""
    items = [*seen.findings.values(), *seen.incidents.values()]
    uids = {e["uid"] for item in items for e in item["evidence"]}
    uids |= {uid for f in seen.findings.values() for uid in f["matched"]}
    assert uids and all(SOURCE_UID.match(u) for u in uids)
    return uids


def test_no_source_identity_outside_the_mission(table_server: Served, seen: Seen) -> None:
    """No answer of any read route to anyone outside the mission holds a source identity
    (a monitor's own field reports aside): the whole text is searched, not chosen fields."""
    world = table_server.world
    uids = _mission_uids(seen)
    reads = [r for r in ROWS if r.method == "GET"]
    tried = 0
    with httpx.Client(base_url=table_server.url, timeout=120) as client:
        mine = client.get(
            PREFIX + "/observations", params={"limit": 1000}, headers=world.headers("monitor")
        )
        own = {o["uid"] for o in mine.json()["items"]}  # the monitor's own reports
        assert "field:MADE-UP-MONITOR-OWN" in own and not own & uids
        for row in reads:
            path = row.path.format(**row.fill(world))
            for who in NOT_MISSION:
                r = client.get(path, headers=world.headers(who), **row.build(who, world))
                if r.status_code != 200:
                    continue
                tried += 1
                text = r.text
                for uid in own if who == "monitor" else ():
                    text = text.replace(uid, "")
                found = sorted(u for u in uids if u in text) + SOURCE_UID.findall(text)
                assert not found, (row.id, who, found[:5])
    assert tried > 20, "most routes answered someone outside the mission"


def test_matched_is_opaque_outside_the_mission(table_server: Served, seen: Seen) -> None:
    """``matched`` names the observations that broke the rule: identities for the mission,
    the same opaque references as ``evidence`` for everyone else."""
    world = table_server.world
    shelling = world.findings["MADE-UP-SHELLING"]
    assert all(SOURCE_UID.match(u) for u in seen.findings[shelling]["matched"])
    with httpx.Client(base_url=table_server.url, timeout=60) as client:
        for who in ("liaison_ua", "liaison_ru", "guarantor"):
            f = client.get(f"{PREFIX}/findings/{shelling}", headers=world.headers(who)).json()
            assert f["matched"] and len(f["matched"]) == len(seen.findings[shelling]["matched"])
            assert set(f["matched"]) <= {e["ref"] for e in f["evidence"]}


def test_public_reasons_place_nothing_finer_than_the_grid(table_server: Served) -> None:
    """The public rendition gives no distance to the line or bearing of fire (the mission's
    file of the same day does), and ``/public/findings`` gives no reasons at all."""
    world = table_server.world
    precise = re.compile(r"\d+(?:\.\d+)? km inside|°|\bbearing\b")
    with httpx.Client(base_url=table_server.url, timeout=120) as client:
        for name in ("daily-2023-01-06.html", "daily-2023-01-07.html"):
            mission = client.get(f"{PREFIX}/reports/{name}", headers=world.headers("analyst"))
            public = client.get(f"{PREFIX}/reports/{name}")
            assert mission.status_code == public.status_code == 200
            if name == "daily-2023-01-06.html":  # the made-up UA tank, 6.8 km inside
                assert re.search(r"\d\.\d km inside", mission.text)
                assert "inside UA&#39;s side of the line" in public.text
            assert not precise.search(public.text), precise.findall(public.text)
        published = client.get(f"{PREFIX}/public/findings", params={"limit": 1000})
        assert published.status_code == 200 and published.json()["items"]
        assert not precise.search(published.text)
        assert all("reasons" not in f for f in published.json()["items"])


def test_a_monitors_stated_reason_stays_in_the_mission(table_server: Served) -> None:
    """The words a monitor wrote on a turned-back patrol (made up) reach the mission's report
    file, not any other audience's rendition."""
    world = table_server.world
    with httpx.Client(base_url=table_server.url, timeout=120) as client:
        for who in ("analyst", *NOT_MISSION):
            r = client.get(f"{PREFIX}/reports/daily-2023-01-07.html", headers=world.headers(who))
            assert r.status_code == 200
            assert (NOTE in r.text) == (who == "analyst"), who
