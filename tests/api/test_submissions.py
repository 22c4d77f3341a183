"""Field reports and evidence submitted over HTTP: idempotency keys, refusals kept, durability.

Each test runs its own server on a fresh copy of the workspace and reads the store file
directly (a second SQLite connection) to see what was, and was not, stored.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, closing
from pathlib import Path
from typing import Any

import httpx

from ceasefire.api.guard import RequestGuard
from ceasefire.store.sqlite import SQLiteStore

from .conftest import ApiWorld, Served, serving

URL = "/api/v1/field-reports"
Start = Callable[..., AbstractContextManager[Served]]


def made_up_report(report_id: str, **changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "report_id": report_id,
        "monitor_id": "MADE-UP-MONITOR",
        "team": "MADE-UP-TEAM",
        "observed_at": "2023-01-07T09:30:00+02:00",
        "kind": "explosion",
        "count": 2,
        "lon": 37.9,
        "lat": 48.5,
        "notes": "MADE UP for the submission tests",
    }
    report.update(changes)
    return report


def counts(root: Path) -> dict[str, int]:
    """Rows of every table a submission writes, and the ledger's size."""
    tables = ("observations", "rejections", "submissions", "input_files", "ingest_runs")
    with closing(sqlite3.connect(root / "ceasefire.db")) as conn:
        out = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}
    with SQLiteStore(root / "ceasefire.db") as store:
        out["leaves"] = store.ledger.size()
    return out


def post(
    client: httpx.Client, served: Served, key: str | None, body: bytes | dict[str, Any]
) -> httpx.Response:
    headers = dict(served.world.headers("monitor"))
    if key is not None:
        headers["Idempotency-Key"] = key
    if isinstance(body, dict):
        return client.post(URL, json=body, headers=headers)
    headers["Content-Type"] = "application/json"
    return client.post(URL, content=body, headers=headers)


def open_client(served: Served) -> httpx.Client:
    return httpx.Client(base_url=served.url, timeout=60)


def test_a_repeat_returns_the_first_answer_and_stores_nothing(serve_copy: Start) -> None:
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        body = json.dumps(made_up_report("MADE-UP-IDEM-1")).encode()
        first = post(client, served, "key-1", body)
        assert first.status_code == 201, first.text
        assert first.json()["status"] == "accepted"
        assert first.json()["body_sha256"] == hashlib.sha256(body).hexdigest()
        after_first = counts(root)
        again = post(client, served, "key-1", body)
        assert again.status_code == 200
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert counts(root) == after_first


def test_the_same_key_with_another_body_is_refused(serve_copy: Start) -> None:
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        assert post(client, served, "key-2", made_up_report("MADE-UP-IDEM-2")).status_code == 201
        before = counts(root)
        other = post(client, served, "key-2", made_up_report("MADE-UP-IDEM-2", count=3))
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "conflict"
        assert "Idempotency-Key" in other.json()["error"]["message"]
        assert counts(root) == before
        # a key belongs to its user: another monitor may use the same one
        analyst_try = client.post(
            URL,
            json=made_up_report("MADE-UP-IDEM-2b"),
            headers={**served.world.headers("analyst"), "Idempotency-Key": "key-2"},
        )
        assert analyst_try.status_code == 403  # only monitors submit


def test_concurrent_repeats_store_one_report(serve_copy: Start) -> None:
    """The same key sent ten times at once (a client retrying hard): one report, one answer."""
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        before = counts(root)
        body = json.dumps(made_up_report("MADE-UP-IDEM-3")).encode()
        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda _: post(client, served, "key-3", body), range(10)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] * 9 + [201]
        assert len({a.json()["leaf_index"] for a in answers}) == 1
        after = counts(root)
        assert after["observations"] == before["observations"] + 1
        assert after["submissions"] == before["submissions"] + 1


def test_a_refused_report_is_kept_as_a_rejection(serve_copy: Start) -> None:
    """A string where a number belongs is refused (strict types) and kept with its reasons."""
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        before = counts(root)
        bad = made_up_report("MADE-UP-BAD-1", lat="48.5", count=0)
        r = post(client, served, "key-4", bad)
        assert r.status_code == 422
        error = r.json()["error"]
        assert error["code"] == "validation_error"
        fields = {f["field"] for f in error["fields"]}
        assert {"body.lat", "body.count"} <= fields
        after = counts(root)
        assert after["observations"] == before["observations"]
        assert after["rejections"] == before["rejections"] + 1
        with closing(sqlite3.connect(root / "ceasefire.db")) as conn:
            (raw, field) = conn.execute(
                "SELECT raw, field FROM rejections ORDER BY id DESC LIMIT 1"
            ).fetchone()
        assert json.loads(raw) == bad and "body." + field in fields
        # the refusal is what the key replays
        assert post(client, served, "key-4", bad).json() == r.json()


def test_bad_requests_store_nothing(serve_copy: Start) -> None:
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        before = counts(root)
        report = made_up_report("MADE-UP-BAD-2")
        no_key = post(client, served, None, report)
        assert no_key.status_code == 422
        assert no_key.json()["error"]["fields"][0]["field"] == "header.Idempotency-Key"
        spaced = post(client, served, "has a space", report)
        assert spaced.status_code == 422
        as_form = client.post(
            URL,
            content=json.dumps(report),
            headers={
                **served.world.headers("monitor"),
                "Idempotency-Key": "key-5",
                "Content-Type": "text/plain",
            },
        )
        assert as_form.status_code == 415
        assert counts(root) == before


def test_duplicates_and_conflicting_ids(serve_copy: Start) -> None:
    """The same report under a new key is a duplicate; another report under a taken id is a
    conflict kept as a rejection naming ``report_id``."""
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        first = post(client, served, "key-6", made_up_report("MADE-UP-DUP"))
        # the same content spelled differently (other key order, other whitespace)
        spelled = json.dumps(dict(reversed(made_up_report("MADE-UP-DUP").items())), indent=1)
        duplicate = post(client, served, "key-7", spelled.encode())
        assert duplicate.status_code == 200
        assert duplicate.json()["status"] == "duplicate"
        assert duplicate.json()["uid"] == first.json()["uid"]
        assert duplicate.json()["leaf_index"] == first.json()["leaf_index"]
        before = counts(root)
        clash = post(client, served, "key-8", made_up_report("MADE-UP-DUP", kind="shelling"))
        assert clash.status_code == 409
        assert clash.json()["error"]["fields"][0]["field"] == "body.report_id"
        after = counts(root)
        assert after["observations"] == before["observations"]
        assert after["rejections"] == before["rejections"] + 1


def test_a_taken_id_reveals_nothing_of_the_other_report(serve_copy: Start) -> None:
    """A clash with another monitor's report (made up, ingested from a file) is answered
    exactly as a clash with the caller's own: no uid, no id, no hint whose it is."""
    with serve_copy() as served, open_client(served) as client:
        post(client, served, "key-own-1", made_up_report("MADE-UP-OWN-ID"))
        own = post(client, served, "key-own-2", made_up_report("MADE-UP-OWN-ID", count=9))
        other = post(client, served, "key-other", made_up_report("MADE-UP-UA-TANK"))
        assert own.status_code == other.status_code == 409
        messages = [r.json()["error"] for r in (own, other)]
        for error in messages:
            assert "MADE-UP" not in json.dumps(error) and "field:" not in json.dumps(error)
        strip = [re.sub(r"ledger leaf \d+", "", e["message"]) for e in messages]
        assert strip[0] == strip[1]
        assert messages[0]["fields"] == messages[1]["fields"]


def test_a_monitor_reports_under_its_own_identity(serve_copy: Start) -> None:
    """Whatever ``monitor_id`` the body claims, the report is the caller's: stored with its
    user id as ``monitor_id``; and sending it again is still a duplicate, not a clash."""
    with serve_copy() as served, open_client(served) as client:
        w = served.world
        claimed = made_up_report("MADE-UP-IMPERSONATION", monitor_id="MADE-UP-SOMEONE-ELSE")
        first = post(client, served, "key-imp-1", claimed)
        assert first.status_code == 201
        again = post(client, served, "key-imp-2", claimed)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        r = client.get(
            "/api/v1/observations",
            params={"source": "field", "limit": 1000},
            headers=w.headers("analyst"),
        )
        stored = {o["uid"]: o for o in r.json()["items"]}["field:MADE-UP-IMPERSONATION"]
        assert stored["attributes"]["monitor_id"] == w.user_ids["monitor"]
        assert stored["attributes"]["submitted_by"] == w.user_ids["monitor"]


def test_acknowledged_reports_survive_a_restart(serve_copy: Start) -> None:
    """What the server acknowledged is in the store, with a ledger leaf that verifies."""
    acknowledged: dict[str, int] = {}
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        for i in range(20):
            r = post(client, served, f"key-r{i}", made_up_report(f"MADE-UP-R{i}"))
            assert r.status_code == 201
            acknowledged[r.json()["uid"]] = r.json()["leaf_index"]
    with SQLiteStore(root / "ceasefire.db") as store:
        for uid, leaf in acknowledged.items():
            assert store.ledger.leaf_of_uid(uid) == leaf
        assert store.ledger.audit().leaves == store.ledger.size()


def _evidence(client: httpx.Client, served: Served, content: bytes, **data: str) -> httpx.Response:
    form = {"captured_at": "2023-01-07T09:31:00+02:00", "device": "MADE-UP camera", **data}
    return client.post(
        "/api/v1/evidence",
        files={"file": ("../../etc/photo.jpg", content, "image/jpeg")},
        data=form,
        headers=served.world.headers("monitor"),
    )


def test_evidence_upload(serve_copy: Start) -> None:
    content = b"MADE UP evidence bytes: not a photo"
    digest = hashlib.sha256(content).hexdigest()
    with serve_copy() as served, open_client(served) as client:
        root = served.world.root
        r = _evidence(client, served, content, sha256=digest)
        assert r.status_code == 201, r.text
        item = r.json()
        assert item["sha256"] == digest and item["size"] == len(content)
        assert item["file_name"] == "photo.jpg"  # no directories from the client's name
        assert item["media_type"] == "image/jpeg"
        assert item["added_by"] == served.world.user_ids["monitor"]
        assert item["captured_at"] == "2023-01-07T07:31:00Z"
        assert item["leaf_index"] >= 0
        stored = [p for p in (root / "evidence").rglob("*") if p.is_file()]
        assert [p.read_bytes() for p in stored] == [content]
        # bytes that differ from the hash taken at capture are refused
        other = _evidence(client, served, b"MADE UP other bytes", sha256=digest)
        assert other.status_code == 409
        # the same file twice is refused too: it was taken in already
        assert _evidence(client, served, content).status_code == 409
        # a capture time without an offset is refused, naming the field
        naive = _evidence(client, served, b"MADE UP 3", captured_at="2023-01-07T09:31:00")
        assert naive.status_code == 422
        assert "captured_at" in naive.json()["error"]["fields"][0]["field"]
        assert len([p for p in (root / "evidence").rglob("*") if p.is_file()]) == 1


def test_evidence_upload_size_limit(serve_copy: Start) -> None:
    with serve_copy(api_max_upload_bytes=4096) as served, open_client(served) as client:
        r = _evidence(client, served, b"x" * 8192)
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"
        assert not (served.world.root / "evidence").exists() or not any(
            p.is_file() for p in (served.world.root / "evidence").rglob("*")
        )


# --- the fast path: the same answers as the declared route ----------------------------------------


def _guard(served: Served) -> RequestGuard:
    stack = served.app.middleware_stack
    while stack is not None and not isinstance(stack, RequestGuard):
        stack = getattr(stack, "app", None)
    assert isinstance(stack, RequestGuard)
    return stack


def _exchange(served: Served) -> list[tuple[int, dict[str, str], Any]]:
    """Every kind of answer POST /field-reports gives, in order (status, headers, body)."""
    w = served.world
    monitor = dict(w.headers("monitor"))
    as_json = {"Content-Type": "application/json"}
    body = json.dumps(made_up_report("MADE-UP-FAST-1")).encode()
    sends: list[tuple[dict[str, str], bytes | Any]] = [
        (as_json, body),  # the public
        ({**as_json, "Authorization": "Bearer cf_" + "z" * 43}, body),  # unknown token
        ({**as_json, "Authorization": "Basic x"}, body),  # malformed header
        ({**as_json, **w.headers("analyst"), "Idempotency-Key": "k0"}, body),  # wrong role
        ({**monitor, "Content-Type": "text/plain", "Idempotency-Key": "k1"}, body),
        ({**monitor, **as_json}, body),  # no key
        ({**monitor, **as_json, "Idempotency-Key": "bad key"}, body),
        ({**monitor, **as_json, "Idempotency-Key": "k2"}, b"{not json"),
        ({**monitor, **as_json, "Idempotency-Key": "k3"}, body),  # accepted
        ({**monitor, **as_json, "Idempotency-Key": "k3"}, body),  # replayed
        ({**monitor, **as_json, "Idempotency-Key": "k3"}, body + b" "),  # key reused
        ({**monitor, **as_json, "Idempotency-Key": "k4"}, body),  # duplicate report
        ({**monitor, **as_json, "Idempotency-Key": "k5"}, b"x" * 2_000_000),  # too large
        ({**monitor, **as_json, "Idempotency-Key": "k6"}, iter([b"x" * 2_000_000])),  # streamed
    ]
    out: list[tuple[int, dict[str, str], Any]] = []
    with open_client(served) as c:
        for headers, content in sends:
            r = c.post(URL, content=content, headers=headers)
            kept = {
                k: r.headers[k]
                for k in ("www-authenticate", "idempotent-replayed")
                if k in r.headers
            }
            out.append((r.status_code, kept, r.json()))
    return out


def test_the_fast_path_answers_as_the_declared_route(api_world: ApiWorld, tmp_path: Path) -> None:
    """The request guard serves POST /field-reports itself; with that turned off, FastAPI's
    declared route gives the very same answers, stores the same and audits the same."""
    answers = []
    for fast in (True, False):
        world = api_world.copy(tmp_path / f"fast-{fast}")
        with serving(world) as served:
            guard = _guard(served)
            assert ("POST", URL) in guard.fast_paths
            if not fast:
                guard.fast_paths = {}
            answers.append(_exchange(served))
            analyst = world.headers("analyst")
            with open_client(served) as c:
                audit = c.get("/api/v1/audit", params={"limit": 1000}, headers=analyst)
        actions = [(e["action"], e["status"], e["user_id"]) for e in audit.json()["items"]]
        answers[-1].append((0, {}, [a for a in actions if a[0] == "POST " + URL]))
        answers[-1].append((0, {}, counts(world.root)))
    fast_answers, route_answers = answers
    assert [a[0] for a in fast_answers[:14]] == [
        401, 401, 401, 403, 415, 422, 422, 422, 201, 200, 409, 200, 413, 413,
    ]  # fmt: skip
    assert len(fast_answers[14][2]) == 14  # every attempt audited, refused ones too
    assert fast_answers == route_answers
