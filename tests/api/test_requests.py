"""Decisions, replies, pagination, the error shape, strict types, limits and the public delay.

Tests that write run their own server on a copy of the workspace (``serve_copy``); the
others use the shared server.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from .conftest import ApiWorld, Served

Start = Callable[..., AbstractContextManager[Served]]
V1 = "/api/v1"


def as_(world: ApiWorld, who: str) -> dict[str, str]:
    return world.headers(who)


# --- decisions and replies ---------------------------------------------------------------------


def test_a_decision_changes_what_everyone_sees(serve_copy: Start) -> None:
    """An analyst rejects the UA tank finding: its level becomes rejected for the mission, the
    guarantor and the public stop seeing it, and the reason is kept with the analyst's name."""
    with serve_copy() as served, httpx.Client(base_url=served.url, timeout=60) as c:
        w = served.world
        finding = w.findings["MADE-UP-UA-TANK"]
        guarantor_before = c.get(V1 + "/findings", headers=as_(w, "guarantor")).json()["items"]
        public_before = c.get(V1 + "/public/findings").json()["items"]
        assert finding in {f["finding_id"] for f in guarantor_before}
        assert finding in {f["finding_id"] for f in public_before}
        r = c.post(
            f"{V1}/findings/{finding}/decisions",
            json={"action": "reject", "reason": "MADE UP: a tractor, not a tank"},
            headers=as_(w, "analyst"),
        )
        assert r.status_code == 201, r.text
        assert r.json()["analyst"] == "analyst (test)"
        seen = c.get(f"{V1}/findings/{finding}", headers=as_(w, "analyst")).json()
        assert seen["level"] == "rejected" and seen["computed_level"] == "confirmed"
        assert [d["reason"] for d in seen["decisions"]] == ["MADE UP: a tractor, not a tank"]
        guarantor = c.get(V1 + "/findings", headers=as_(w, "guarantor")).json()["items"]
        assert {f["finding_id"] for f in guarantor} == {
            f["finding_id"] for f in guarantor_before
        } - {finding}
        assert c.get(f"{V1}/findings/{finding}", headers=as_(w, "guarantor")).status_code == 404
        public = c.get(V1 + "/public/findings").json()["items"]
        assert finding not in {f["finding_id"] for f in public}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "attribute", "reason": "MADE UP"}, "body.party"),
        ({"action": "attribute", "party": "FR", "reason": "MADE UP"}, "body.party"),
        ({"action": "confirm", "party": "RU", "reason": "MADE UP"}, "body.party"),
        ({"action": "confirm", "reason": "   "}, "body.reason"),
        ({"action": "confirm", "reason": 12}, "body.reason"),  # strict: no coercion
        ({"action": "approve", "reason": "MADE UP"}, "body.action"),
        ({"action": "confirm", "reason": "MADE UP", "extra": 1}, "body.extra"),
    ],
)
def test_bad_decisions_name_the_field(
    body: dict[str, Any], field: str, api_world: ApiWorld, client: httpx.Client
) -> None:
    finding = api_world.findings["MADE-UP-SHELLING"]
    before = client.get(f"{V1}/findings/{finding}", headers=as_(api_world, "analyst")).json()
    r = client.post(
        f"{V1}/findings/{finding}/decisions", json=body, headers=as_(api_world, "analyst")
    )
    assert r.status_code == 422, r.text
    assert field in {f["field"] for f in r.json()["error"]["fields"]}
    after = client.get(f"{V1}/findings/{finding}", headers=as_(api_world, "analyst")).json()
    assert after["decisions"] == before["decisions"]


def test_a_decision_on_an_unknown_finding_is_404(api_world: ApiWorld, client: httpx.Client) -> None:
    r = client.post(
        f"{V1}/findings/fnd-0000000000000000/decisions",
        json={"action": "confirm", "reason": "MADE UP"},
        headers=as_(api_world, "analyst"),
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_replies_stay_with_their_party(serve_copy: Start) -> None:
    with serve_copy() as served, httpx.Client(base_url=served.url, timeout=60) as c:
        w = served.world
        finding = w.findings["MADE-UP-SHELLING"]
        r = c.post(
            f"{V1}/findings/{finding}/replies",
            json={"text": "MADE UP: second UA reply"},
            headers=as_(w, "liaison_ua"),
        )
        assert r.status_code == 201
        assert (r.json()["party"], r.json()["author"]) == ("UA", "liaison_ua (test)")

        def texts(who: str) -> set[str]:
            f = c.get(f"{V1}/findings/{finding}", headers=as_(w, who)).json()
            return {reply["text"] for reply in f["replies"]}

        assert "MADE UP: second UA reply" in texts("liaison_ua")
        assert texts("liaison_ru") == {"MADE UP: RU reply text"}
        assert "MADE UP: second UA reply" in texts("analyst")
        empty = c.post(
            f"{V1}/findings/{finding}/replies", json={"text": ""}, headers=as_(w, "liaison_ru")
        )
        assert empty.status_code == 422
        assert empty.json()["error"]["fields"][0]["field"] == "body.text"


# --- pagination ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "who"),
    [
        ("/findings", "finding_id", "analyst"),
        ("/incidents", "incident_id", "analyst"),
        ("/observations", "uid", "analyst"),
        ("/reports", "name", "public"),
        ("/public/findings", "finding_id", "public"),
        ("/audit", "id", "analyst"),
    ],
)
def test_cursor_round_trip(
    path: str, key: str, who: str, api_world: ApiWorld, client: httpx.Client
) -> None:
    """Walking a list page by page gives exactly the items of one big page, in order."""
    headers = as_(api_world, who)
    params: dict[str, Any] = {"source": "field"} if path == "/observations" else {}
    whole = client.get(V1 + path, params={**params, "limit": 1000}, headers=headers).json()
    expected = [item[key] for item in whole["items"]]
    assert len(expected) >= 3, "too few items to page through"
    walked: list[Any] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(V1 + path, params=query, headers=headers).json()
        assert len(page["items"]) <= 2
        walked += [item[key] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    if path == "/audit":  # the walk itself is audited: compare the entries that existed
        walked = walked[: len(expected)]
    assert walked == expected


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/findings", "/incidents", "/observations", "/audit"])
@pytest.mark.parametrize("cursor", ["not-a-cursor!", _cursor(["x"]), _cursor({"a": 1}), "%%%"])
def test_a_bad_cursor_is_422(
    path: str, cursor: str, api_world: ApiWorld, client: httpx.Client
) -> None:
    r = client.get(V1 + path, params={"cursor": cursor}, headers=as_(api_world, "analyst"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == [
        {"field": "query.cursor", "message": r.json()["error"]["message"]}
    ]


# --- the error shape and strict types ------------------------------------------------------------


def test_the_one_error_shape(api_world: ApiWorld, client: httpx.Client) -> None:
    """Every refusal: ``{"error": {"status", "code", "message", "fields"?}}``, pinned here."""
    headers = as_(api_world, "analyst")
    r = client.get(
        V1 + "/findings", params={"limit": "many", "since": "yesterday"}, headers=headers
    )
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == 422 and body["error"]["code"] == "validation_error"
    assert {f["field"] for f in body["error"]["fields"]} == {"query.limit", "query.since"}
    assert body["error"]["message"].startswith(body["error"]["fields"][0]["field"])
    # an unknown parameter is refused, not ignored (a typo would silently widen a query)
    typo = client.get(V1 + "/findings", params={"levle": "confirmed"}, headers=headers)
    assert typo.status_code == 422
    assert typo.json()["error"]["fields"][0]["field"] == "query.levle"
    # a time without an offset is refused: every time is UTC-aware
    naive = client.get(V1 + "/findings", params={"since": "2023-01-06T00:00:00"}, headers=headers)
    assert naive.status_code == 422
    for status, response in (
        (404, client.get(V1 + "/nowhere", headers=headers)),
        (405, client.delete(V1 + "/findings", headers=headers)),
        (401, client.get(V1 + "/findings")),
    ):
        assert response.status_code == status
        assert set(response.json()["error"]) == {"status", "code", "message"}


def test_strict_body_types(api_world: ApiWorld, client: httpx.Client) -> None:
    finding = api_world.findings["MADE-UP-SHELLING"]
    bodies: list[Any] = [{"text": 5}, {"text": ["a"]}, {"text": None}, [], "text"]
    for body in bodies:
        r = client.post(
            f"{V1}/findings/{finding}/replies", json=body, headers=as_(api_world, "liaison_ua")
        )
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["fields"]


# --- limits ------------------------------------------------------------------------------------


def test_body_size_limit(serve_copy: Start) -> None:
    with (
        serve_copy(api_max_body_bytes=2048) as served,
        httpx.Client(base_url=served.url, timeout=60) as c,
    ):
        w = served.world
        finding = w.findings["MADE-UP-SHELLING"]
        url = f"{V1}/findings/{finding}/replies"
        big = {"text": "MADE UP " + "x" * 3000}
        r = c.post(url, json=big, headers=as_(w, "liaison_ua"))
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"

        def chunks() -> Any:  # no Content-Length: counted while it streams
            yield json.dumps(big).encode()

        streamed = c.post(
            url,
            content=chunks(),
            headers={**as_(w, "liaison_ua"), "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
        replies = c.get(f"{V1}/findings/{finding}", headers=as_(w, "liaison_ua")).json()
        assert all("x" * 100 not in reply["text"] for reply in replies["replies"])


def test_upload_limit_is_for_monitors_only(serve_copy: Start) -> None:
    """The evidence route's larger limit is the uploading role's: anyone else posting there
    is held to ``api_max_body_bytes`` (a server must not read 50 MiB only to refuse it)."""
    with (
        serve_copy(api_max_body_bytes=2048) as served,
        httpx.Client(base_url=served.url, timeout=60) as c,
    ):
        w = served.world

        def upload(who: str) -> httpx.Response:
            content = b"MADE UP evidence " + b"x" * 3000  # over 2048 bytes
            return c.post(
                V1 + "/evidence",
                files={"file": ("photo.jpg", io.BytesIO(content), "image/jpeg")},
                data={"captured_at": "2023-01-07T09:31:00Z", "device": "MADE-UP camera"},
                headers=as_(w, who),
            )

        for who in ("public", "liaison_ua", "guarantor", "analyst"):
            r = upload(who)
            assert r.status_code == 413, (who, r.text)
            assert r.json()["error"]["code"] == "payload_too_large"
        assert upload("monitor").status_code == 201  # the uploader keeps the upload limit


def test_rate_limit_per_token(serve_copy: Start) -> None:
    with (
        serve_copy(api_rate_per_s=0.5, api_rate_burst=3) as served,
        httpx.Client(base_url=served.url, timeout=60) as c,
    ):
        w = served.world
        answers = [c.get(V1 + "/me", headers=as_(w, "analyst")) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 2
        # the bucket is the token's: another token is not held back
        assert c.get(V1 + "/me", headers=as_(w, "chief")).status_code == 200


def test_rate_limit_made_up_tokens_share_the_address_bucket(serve_copy: Start) -> None:
    """A client cannot escape its bucket by sending a new made-up token each time: requests
    without a valid token draw from their client address's bucket."""
    with (
        serve_copy(api_rate_per_s=0.5, api_rate_burst=3) as served,
        httpx.Client(base_url=served.url, timeout=60) as c,
    ):
        made_up = [{"Authorization": f"Bearer cf_{secrets.token_urlsafe(32)}"} for _ in range(3)]
        answers = [c.get(V1 + "/me", headers=h) for h in made_up]
        assert [a.status_code for a in answers] == [401, 401, 401]
        for headers in ({"Authorization": "Bearer cf_" + "y" * 43}, {"Authorization": "x"}, {}):
            refused = c.get(V1 + "/me", headers=headers)
            assert refused.status_code == 429, headers
            assert refused.json()["error"]["code"] == "rate_limited"
        # a valid token has its user's own bucket
        assert c.get(V1 + "/me", headers=as_(served.world, "analyst")).status_code == 200


# --- the public delay ----------------------------------------------------------------------------


def test_the_public_waits_for_the_delay(serve_copy: Start) -> None:
    """With a delay longer than the age of the record, the public sees no report and no
    finding; the mission still sees both."""
    with (
        serve_copy(public_delay_hours=1_000_000) as served,
        httpx.Client(base_url=served.url, timeout=60) as c,
    ):
        w = served.world
        assert c.get(V1 + "/reports").json()["items"] == []
        assert c.get(V1 + "/public/findings").json()["items"] == []
        assert c.get(V1 + "/reports/daily-2023-01-06.html").status_code == 404
        assert c.get(V1 + "/reports", headers=as_(w, "monitor")).json()["items"] == []
        assert c.get(V1 + "/reports", headers=as_(w, "analyst")).json()["items"]
        r = c.get(V1 + "/reports/daily-2023-01-06.html", headers=as_(w, "analyst"))
        assert r.status_code == 200


def test_the_public_grid(serve_copy: Start, api_world: ApiWorld) -> None:
    """Two grid sizes place the same finding at different cell centres; the precise place is
    never shown."""
    places = []
    for grid in (5_000, 50_000):
        with serve_copy(public_grid_m=grid) as served:
            items = httpx.get(served.url + V1 + "/public/findings", timeout=60).json()["items"]
            shelling = next(
                f for f in items if f["finding_id"] == api_world.findings["MADE-UP-SHELLING"]
            )
            assert shelling["grid_m"] == grid
            places.append((shelling["lon"], shelling["lat"]))
    assert places[0] != places[1]
    assert (37.84, 48.59) not in places


# --- coverage and exports: the CLI's filters ------------------------------------------------------


def test_coverage_window(api_world: ApiWorld, client: httpx.Client) -> None:
    """The made-up patrol turned back on 7 January 08:00-11:00 is in a window overlapping it
    and in no other."""
    headers = as_(api_world, "analyst")

    def gaps(since: str, until: str) -> list[str]:
        r = client.get(V1 + "/coverage", params={"since": since, "until": until}, headers=headers)
        assert r.status_code == 200
        return [g["source_uid"] for g in r.json()["items"] if g["source_uid"]]

    assert gaps("2023-01-07T10:00:00Z", "2023-01-07T10:30:00Z") == ["field:MADE-UP-DENIAL"]
    assert gaps("2023-01-07T11:00:00Z", "2023-01-08T00:00:00Z") == []
    assert gaps("2023-01-06T00:00:00Z", "2023-01-07T08:00:00Z") == []


def test_export_filters(api_world: ApiWorld, client: httpx.Client) -> None:
    headers = as_(api_world, "analyst")
    every = client.get(V1 + "/exports/findings.geojson", headers=headers).json()["features"]
    no_fire = client.get(
        V1 + "/exports/findings.geojson", params={"rule": "no-fire"}, headers=headers
    ).json()["features"]
    assert 0 < len(no_fire) < len(every)
    assert {f["properties"]["rule"] for f in no_fire} == {"no-fire"}
    csv = client.get(V1 + "/exports/acled.csv", params={"side": "RU"}, headers=headers).text
    assert len([line for line in csv.splitlines() if line]) == 2  # header + the RU tank


def test_static_files_carry_the_page_headers(client: httpx.Client) -> None:
    """``/static/index.html`` is the dashboard page under another name: it must not be
    framed or load scripts from elsewhere either; nor may the other static files."""
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    for path in ("/static/index.html", "/static/app.js", "/static/app.css"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers.get("content-security-policy") == csp, path
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("referrer-policy") == "no-referrer", path
    # a conditional request (304) keeps them too
    etag = client.get("/static/index.html").headers["etag"]
    again = client.get("/static/index.html", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers.get("content-security-policy") == csp
