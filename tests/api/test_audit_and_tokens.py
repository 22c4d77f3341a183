"""The audit log (who, what, when; analysts read it) and tokens made and revoked by the CLI."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from .conftest import Served

Start = Callable[..., AbstractContextManager[Served]]
V1 = "/api/v1"


def _entries(c: httpx.Client, served: Served, **params: Any) -> list[dict[str, Any]]:
    r = c.get(
        V1 + "/audit", params={"limit": 1000, **params}, headers=served.world.headers("analyst")
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert isinstance(items, list)
    return items


def test_the_audit_log(serve_copy: Start) -> None:
    started = datetime.now(UTC)
    with serve_copy() as served, httpx.Client(base_url=served.url, timeout=60) as c:
        w = served.world
        shelling = w.findings["MADE-UP-SHELLING"]
        # a restricted read, a write, a refused write, and reads that are not restricted
        assert c.get(f"{V1}/findings/{shelling}", headers=w.headers("guarantor")).status_code == 200
        reply = c.post(
            f"{V1}/findings/{shelling}/replies",
            json={"text": "MADE UP audit reply"},
            headers=w.headers("liaison_ua"),
        )
        assert reply.status_code == 201
        refused = c.post(
            f"{V1}/findings/{shelling}/decisions",
            json={"action": "confirm", "reason": "MADE UP"},
            headers=w.headers("liaison_ru"),
        )
        assert refused.status_code == 403
        assert c.get(V1 + "/public/findings").status_code == 200
        assert c.get(V1 + "/map/layers", headers=w.headers("analyst")).status_code == 200
        assert c.get(V1 + "/findings").status_code == 401  # the public, refused

        entries = _entries(c, served)
        finished = datetime.now(UTC)
        by_action = {(e["user_id"], e["action"]): e for e in entries}

        read = by_action[(w.user_ids["guarantor"], "GET /api/v1/findings/{finding_id}")]
        assert (read["role"], read["party"], read["status"]) == ("guarantor", "US", 200)
        assert read["target"] == f"{V1}/findings/{shelling}"
        assert read["params"]["finding_id"] == shelling
        at = datetime.fromisoformat(read["at"])
        assert at.tzinfo is not None and started <= at <= finished

        write = by_action[(w.user_ids["liaison_ua"], "POST /api/v1/findings/{finding_id}/replies")]
        assert (write["role"], write["party"], write["status"]) == ("liaison", "UA", 201)
        denied = by_action[
            (w.user_ids["liaison_ru"], "POST /api/v1/findings/{finding_id}/decisions")
        ]
        assert denied["status"] == 403

        actions = {e["action"] for e in entries}
        assert "GET /api/v1/public/findings" not in actions  # public data: not restricted
        assert "GET /api/v1/map/layers" not in actions
        assert not any(e["user_id"] == "public" and e["action"].startswith("GET") for e in entries)

        # filters: one user's entries, an action's entries
        mine = _entries(c, served, user=w.user_ids["liaison_ua"])
        assert mine and {e["user_id"] for e in mine} == {w.user_ids["liaison_ua"]}
        replies = _entries(c, served, action="/replies")
        assert replies and all("/replies" in e["action"] for e in replies)
        later = _entries(c, served, since=finished.isoformat())
        assert all(datetime.fromisoformat(e["at"]) >= finished for e in later)

        # only the mission reads the log; the attempt is itself recorded
        for who, status in (("liaison_ua", 403), ("guarantor", 403), ("monitor", 403)):
            assert c.get(V1 + "/audit", headers=w.headers(who)).status_code == status
        assert c.get(V1 + "/audit").status_code == 401
        attempts = _entries(c, served, action="GET /api/v1/audit", user=w.user_ids["monitor"])
        assert [e["status"] for e in attempts] == [403]


def test_a_submission_is_audited_without_its_body(serve_copy: Start) -> None:
    with serve_copy() as served, httpx.Client(base_url=served.url, timeout=60) as c:
        w = served.world
        report = {
            "report_id": "MADE-UP-AUDITED",
            "monitor_id": "MADE-UP-MONITOR",
            "team": "MADE-UP-TEAM",
            "observed_at": "2023-01-07T09:30:00Z",
            "kind": "explosion",
            "lon": 37.9,
            "lat": 48.5,
            "notes": "MADE UP secret detail",
        }
        r = c.post(
            V1 + "/field-reports",
            json=report,
            headers={**w.headers("monitor"), "Idempotency-Key": "audited-1"},
        )
        assert r.status_code == 201
        entries = _entries(c, served, user=w.user_ids["monitor"])
        assert [(e["action"], e["status"]) for e in entries] == [
            ("POST /api/v1/field-reports", 201)
        ]
        assert "secret detail" not in json.dumps(entries)


# --- tokens, through the command line ------------------------------------------------------------


def ceasefire(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ceasefire", *args, "--workspace", str(workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CACHE_S = 1.0  # CEASEFIRE_API_TOKEN_CACHE_S for the test below: the revocation bound


def test_tokens_from_the_command_line(serve_copy: Start) -> None:
    with (
        serve_copy(api_token_cache_s=CACHE_S) as served,
        httpx.Client(base_url=served.url, timeout=60) as c,
    ):
        root = served.world.root
        made = ceasefire(
            "users", "add", "--role", "liaison", "--party", "ru", "--name", "CLI liaison",
            workspace=root,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip()
        assert token.startswith("cf_") and len(token) == 46 and "\n" not in token
        user_id = made.stderr.split()[1]
        assert "shown once" in made.stderr

        # stored only as its SHA-256: the token's text is nowhere in the store's files
        with closing(sqlite3.connect(root / "ceasefire.db")) as conn:
            (stored,) = conn.execute(
                "SELECT token_sha256 FROM api_users WHERE id = ?", (user_id,)
            ).fetchone()
        assert stored == hashlib.sha256(token.encode()).hexdigest()

        # the running server takes it at once, with the party upper-cased
        me = c.get(V1 + "/me", headers={"Authorization": f"Bearer {token}"})
        assert (me.status_code, me.json()["role"], me.json()["party"]) == (200, "liaison", "RU")

        listed = ceasefire("users", "list", "--json", workspace=root)
        assert listed.returncode == 0 and token not in listed.stdout
        users = {u["user_id"]: u for u in map(json.loads, listed.stdout.splitlines())}
        assert users[user_id]["revoked_at"] is None

        # the server remembers the live token (at most CACHE_S): revoked by another process,
        # it is refused within that bound, and from then on
        assert c.get(V1 + "/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        revoked = ceasefire("users", "revoke", user_id, workspace=root)
        done = time.monotonic()
        assert revoked.returncode == 0, revoked.stderr
        answers = []
        while time.monotonic() < done + CACHE_S + 1.0:
            again = c.get(V1 + "/me", headers={"Authorization": f"Bearer {token}"})
            answers.append((time.monotonic() - done, again.status_code))
            if again.status_code == 401:
                break
            time.sleep(0.05)
        refusals = [t for t, status in answers if status == 401]
        assert refusals and refusals[0] <= CACHE_S + 0.2, answers
        assert again.json()["error"]["code"] == "unauthenticated"
        later = [c.get(V1 + "/me", headers={"Authorization": f"Bearer {token}"}) for _ in range(5)]
        assert {r.status_code for r in later} == {401}
        listed = ceasefire("users", "list", "--json", workspace=root)
        users = {u["user_id"]: u for u in map(json.loads, listed.stdout.splitlines())}
        assert users[user_id]["revoked_at"] is not None
    # The token's text is nowhere in the store's files. Read once the server is stopped:
    # opening and closing the files in the server's own process drops its POSIX locks on
    # them, and a CLI process would then delete the WAL the server still writes to.
    for path in root.glob("ceasefire.db*"):
        assert token.encode() not in path.read_bytes()


def test_bad_user_requests_fail_with_one_line(tmp_path: Path, serve_copy: Start) -> None:
    with serve_copy() as served:
        root = served.world.root
        for args in (
            ("--role", "admin", "--name", "x"),
            ("--role", "liaison", "--name", "x"),  # a liaison speaks for a party
            ("--role", "analyst", "--party", "UA", "--name", "x"),
            ("--role", "public", "--name", "x"),
        ):
            r = ceasefire("users", "add", *args, workspace=root)
            assert r.returncode != 0, args
            assert "Traceback" not in r.stderr and r.stderr.strip(), args
            assert not r.stdout.strip().startswith("cf_")
        unknown = ceasefire("users", "revoke", "u-00000000", workspace=root)
        assert unknown.returncode != 0 and "no user" in unknown.stderr


def test_malformed_authorization_is_refused(api_server: Served) -> None:
    """A malformed header is refused, not treated as the public."""
    for header in ("Basic abc", "Bearer", "cf_abc", "Bearer cf_short", "bearer cf_" + "x" * 43):
        r = httpx.get(api_server.url + V1 + "/me", headers={"Authorization": header}, timeout=60)
        assert r.status_code == 401, header
        assert r.headers["www-authenticate"] == "Bearer"
