"""The dashboard in a real browser: what each role sees, against a real server.

The workspace is built the way a mission builds one, with the ``ceasefire`` command: the
example agreement, real observations shipped in the package (NASA FIRMS fires and official
air-raid alerts of January 2023) and five monitors' field reports that we MADE UP for these
tests (labelled so in each report's notes), which give findings on both sides of the line.
``ceasefire serve`` runs it on loopback; Debian's chromium (``/usr/bin/chromium``) is driven
headless by Playwright. Every expected number is read from the API as the same user, never
written down here: the tests check that the page draws exactly that, that filters narrow it
as the API does, and that nothing restricted leaks into another party's view.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.demo import sample_path

CLI = Path(sys.executable).with_name("ceasefire")
TOKEN = re.compile(r"cf_[A-Za-z0-9_-]{43}")

# Made up for these tests (not real events): shellings landing on each side of the line, one
# near the Zaporizhzhia plant, and an exchange of fire on each side (which names no party).
MADE_UP_FIELD_REPORTS: tuple[dict[str, Any], ...] = (
    {"report_id": "WEB-1", "team": "Kramatorsk-1", "observed_at": "2023-01-06T12:30:00Z",
     "kind": "shelling", "weapon_class": "artillery_100mm_plus", "count": 3,
     "lon": 37.58, "lat": 48.72, "uncertainty_m": 300},
    {"report_id": "WEB-2", "team": "Nikopol-1", "observed_at": "2023-01-06T15:00:00Z",
     "kind": "shelling", "lon": 34.39, "lat": 47.57, "uncertainty_m": 300},
    {"report_id": "WEB-3", "team": "Donetsk-1", "observed_at": "2023-01-07T08:00:00Z",
     "kind": "shelling", "lon": 37.80, "lat": 48.00, "uncertainty_m": 300},
    {"report_id": "WEB-4", "team": "Kramatorsk-1", "observed_at": "2023-01-07T10:00:00Z",
     "kind": "armed_clash", "lon": 37.70, "lat": 48.53, "uncertainty_m": 500},
    {"report_id": "WEB-5", "team": "Melitopol-1", "observed_at": "2023-01-07T11:00:00Z",
     "kind": "armed_clash", "lon": 35.37, "lat": 46.84, "uncertainty_m": 500},
)  # fmt: skip
USERS: dict[str, tuple[str, str | None]] = {
    "analyst": ("analyst", None),
    "liaison-UA": ("liaison", "UA"),
    "liaison-RU": ("liaison", "RU"),
    "guarantor": ("guarantor", "US"),
}


# ---------------------------------------------------------------- the server


def ceasefire(workspace: Path, *args: str) -> str:
    """Run the ``ceasefire`` command on ``workspace``; return its standard output."""
    env = {**os.environ, "CEASEFIRE_WORKSPACE": str(workspace), "COLUMNS": "200"}
    done = subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"ceasefire {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Site:
    """A served workspace: its base URL, and a token per test user."""

    root: Path
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, user: str | None = None) -> Any:
        """GET an API path as ``user`` (None: the public); the decoded JSON."""
        request = urllib.request.Request(self.url + "/api/v1" + path)
        if user is not None:
            request.add_header("Authorization", f"Bearer {self.tokens[user]}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict[str, Any], user: str) -> Any:
        """POST JSON to an API path as ``user``; the decoded answer."""
        request = urllib.request.Request(
            self.url + "/api/v1" + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.tokens[user]}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"POST {path}: {exc.code} {exc.read().decode()}") from None

    def items(self, path: str, user: str | None = None, **params: str) -> list[dict[str, Any]]:
        """Every item of a paginated list route."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {**params, "limit": "1000", **({"cursor": cursor} if cursor else {})}
            page = self.get(f"{path}?{urllib.parse.urlencode(query)}", user)
            out.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_workspace(root: Path) -> None:
    ceasefire(root, "init", str(root))
    ceasefire(root, "agreement", "load", str(example_agreement_dir()))
    ceasefire(root, "ingest", "firms", str(sample_path("firms_ukraine_2023_window.csv")))
    ceasefire(root, "ingest", "alerts", str(sample_path("air_raid_alerts_official_window.csv")))
    reports = root.parent / "field-reports-made-up.jsonl"
    with reports.open("w") as out:
        for report in MADE_UP_FIELD_REPORTS:
            line = {"monitor_id": "M-web", **report, "notes": "made up for the dashboard tests"}
            out.write(json.dumps(line) + "\n")
    ceasefire(root, "ingest", "field", str(reports))
    ceasefire(root, "verify", "--since", "2023-01-01", "--until", "2023-01-11")
    # The public sees findings of published reports only: publish the 6th, not the 7th.
    ceasefire(root, "report", "--day", "2023-01-06", "--format", "md")


def concerns(finding: dict[str, Any], party: str) -> bool:
    """The access rule, as the analyst's view shows it: whether a finding concerns a party."""
    return party in (finding["responsible"], finding["computed_responsible"], finding["side"])


def shared_finding(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The first finding (by id) that concerns both parties."""
    both = [f for f in findings if concerns(f, "UA") and concerns(f, "RU")]
    assert both, "no finding concerns both parties in the test workspace"
    return min(both, key=lambda f: str(f["finding_id"]))


def _decide_and_reply(site: Site) -> None:
    """As the users would: an analyst rejects one finding (``ceasefire decide``), and each
    party replies through the API to one that concerns both (so each liaison has a reply the
    other must not see)."""
    findings = site.items("/findings", "analyst")
    donetsk = [f for f in findings if f["observed_at"].startswith("2023-01-07T08:00")]
    assert donetsk, "the made-up shelling of 7 January made no finding"
    ceasefire(
        site.root,
        "decide",
        donetsk[0]["finding_id"],
        "--reject",
        "--reason",
        "made up for the dashboard tests: wrong place",
        "--analyst",
        "analyst",
    )
    both = shared_finding(findings)
    for party in ("UA", "RU"):
        site.post(
            f"/findings/{both['finding_id']}/replies",
            {"text": f"Reply of {party}: made up for the dashboard tests."},
            f"liaison-{party}",
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``ceasefire serve`` on loopback over the test workspace, with a token per test user."""
    root = tmp_path_factory.mktemp("dashboard") / "ws"
    _build_workspace(root)
    tokens: dict[str, str] = {}
    for user, (role, party) in USERS.items():
        args = ["users", "add", "--role", role, "--name", user]
        if party:
            args += ["--party", party]
        found = TOKEN.findall(ceasefire(root, *args))
        assert len(found) == 1, f"users add printed {len(found)} tokens"
        tokens[user] = found[0]
    port = _free_port()
    env = {
        **os.environ,
        "CEASEFIRE_WORKSPACE": str(root),
        "CEASEFIRE_API_HOST": "127.0.0.1",
        "CEASEFIRE_API_PORT": str(port),
    }
    log_path = root.parent / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(CLI), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        served = Site(root, f"http://127.0.0.1:{port}", tokens)
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise AssertionError(f"ceasefire serve exited:\n{log_path.read_text()}")
                try:
                    served.get("/me")
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            _decide_and_reply(served)
            yield served
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# ---------------------------------------------------------------- the browser


@dataclass
class PageLog:
    """What went wrong in the page: console errors, uncaught exceptions, failed requests."""

    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)


@pytest.fixture
def page(
    browser_context: Any, record_errors: Callable[[Any, list[str]], None]
) -> Iterator[tuple[Any, PageLog]]:
    """A fresh tab (its own session storage, so signed out) that records every error."""
    tab = browser_context.new_page()
    log = PageLog()
    record_errors(tab, log.errors)
    try:
        yield tab, log
    finally:
        tab.close()


def ready(tab: Any, role: str = "public") -> None:
    """Wait until the page has loaded everything for ``role``."""
    tab.wait_for_selector(f"body[data-role='{role}'][data-state='ready']", timeout=30_000)


def open_dashboard(tab: Any, site: Site) -> None:
    tab.goto(site.url + "/")
    ready(tab)


def sign_in(tab: Any, site: Site, user: str, role: str) -> None:
    """Sign in through the dialog, as a user would."""
    tab.click("#signin-open")
    tab.fill("#signin-token", site.tokens[user])
    tab.click("#signin-submit")
    ready(tab, role)


def drawn(tab: Any) -> set[str]:
    """Keys (``type:id``) of the markers on the map, checked against the SVG paths drawn."""
    keys = {m["key"] for m in tab.evaluate("window.ceasefireDashboard.markers()")}
    assert tab.locator("path.cf-marker").count() == len(keys)
    return keys


def located(kind: str, items: list[dict[str, Any]], id_field: str) -> set[str]:
    """``type:id`` of the items that have a place (the ones a map can show)."""
    return {f"{kind}:{i[id_field]}" for i in items if i.get("lat") is not None}


def expected(site: Site, user: str | None, **params: str) -> set[str]:
    """What the map should show for ``user`` with server-side filters ``params``."""
    if user is None:
        return located("finding", site.items("/public/findings", None, **params), "finding_id")
    return located("finding", site.items("/findings", user, **params), "finding_id") | located(
        "incident", site.items("/incidents", user, **params), "incident_id"
    )


def test_public_view_loads_clean_and_shows_only_published_coarse_findings(
    site: Site, page: tuple[Any, PageLog], artifacts: Path
) -> None:
    tab, log = page
    open_dashboard(tab, site)
    public = site.items("/public/findings")
    every = {f["finding_id"]: f for f in site.items("/findings", "analyst")}
    keys = drawn(tab)
    assert keys == located("finding", public, "finding_id")
    # the fixture publishes one day of several, so the public sees some findings, not all
    assert 0 < len(keys) < len(every)
    assert not any(k.startswith("incident:") for k in keys)
    for marker in tab.evaluate("window.ceasefireDashboard.markers()"):
        precise = every[marker["key"].split(":", 1)[1]]
        assert (marker["lat"], marker["lon"]) != (precise["lat"], precise["lon"])  # coarsened
    text = tab.inner_text("body")
    assert "field:" not in text and "M-web" not in text  # no source identities
    assert tab.locator("#signin-open").is_visible()
    assert tab.locator("#role-badge").inner_text().lower() == "public"
    tab.screenshot(path=str(artifacts / "dashboard-public.png"))
    log.assert_clean()


def test_analyst_sees_every_finding_and_incident(
    site: Site, page: tuple[Any, PageLog], artifacts: Path
) -> None:
    tab, log = page
    open_dashboard(tab, site)
    sign_in(tab, site, "analyst", "analyst")
    keys = drawn(tab)
    assert keys == expected(site, "analyst")
    assert any(k.startswith("finding:") for k in keys) and any(
        k.startswith("incident:") for k in keys
    )
    assert tab.locator("#exports-panel").is_visible()
    assert tab.locator("#report-list a").count() >= 1  # the published daily report
    tab.locator(".result[data-type='finding']").first.click()
    tab.wait_for_selector("#detail-body dl")
    assert tab.locator("#decision-form").is_visible()
    assert tab.locator("#reply-form").count() == 0
    assert "field:" in tab.inner_text("#detail-body")  # the mission sees source identities
    tab.click("#detail-close")
    tab.screenshot(path=str(artifacts / "dashboard.png"))
    log.assert_clean()


def test_filters_narrow_the_map_as_the_api_does(site: Site, page: tuple[Any, PageLog]) -> None:
    tab, log = page
    open_dashboard(tab, site)
    sign_in(tab, site, "analyst", "analyst")
    everything = drawn(tab)

    tab.select_option("#f-kind", "shelling")
    ready(tab, "analyst")
    shelling = drawn(tab)
    assert shelling == expected(site, "analyst", kind="shelling")
    assert 0 < len(shelling) < len(everything)
    tab.select_option("#f-kind", "")
    ready(tab, "analyst")

    tab.fill("#f-since", "2023-01-07")
    tab.fill("#f-until", "2023-01-07")
    tab.locator("#f-until").dispatch_event("change")
    ready(tab, "analyst")
    day = drawn(tab)
    assert day == expected(
        site, "analyst", since="2023-01-07T00:00:00Z", until="2023-01-08T00:00:00Z"
    )
    assert 0 < len(day) < len(everything)
    tab.click("#filters-reset")
    ready(tab, "analyst")
    assert drawn(tab) == everything

    # levels are filtered in the page: leaving out "rejected" drops exactly the rejected ones
    findings = site.items("/findings", "analyst")
    rejected = {f"finding:{f['finding_id']}" for f in findings if f["level"] == "rejected"}
    assert rejected, "the fixture rejects one finding"
    tab.uncheck("#f-level-rejected")
    assert drawn(tab) == everything - rejected

    log.assert_clean()


@pytest.mark.parametrize(("party", "other"), [("UA", "RU"), ("RU", "UA")])
def test_a_liaison_sees_its_party_only(
    site: Site, page: tuple[Any, PageLog], party: str, other: str
) -> None:
    tab, log = page
    findings = site.items("/findings", "analyst")
    theirs = {f"finding:{f['finding_id']}" for f in findings if not concerns(f, party)}
    assert theirs, f"the fixture has no finding that concerns {other} alone"
    open_dashboard(tab, site)
    sign_in(tab, site, f"liaison-{party}", "liaison")
    keys = drawn(tab)
    assert keys == expected(site, f"liaison-{party}")
    assert keys.isdisjoint(theirs)
    assert keys < expected(site, "analyst")
    assert tab.locator("#role-badge").inner_text().upper().endswith(party)

    both = shared_finding(findings)
    tab.locator(f".result[data-type='finding'][data-id='{both['finding_id']}']").click()
    tab.wait_for_selector("#detail-body .entry.reply")
    replies = tab.inner_text("#detail-body")
    assert f"Reply of {party}" in replies and f"Reply of {other}" not in replies
    assert "field:" not in replies  # evidence by source type and opaque reference only
    assert tab.locator("#reply-form").is_visible()
    assert tab.locator("#decision-form").count() == 0
    log.assert_clean()


def test_a_reply_sent_from_the_page_is_recorded(site: Site, page: tuple[Any, PageLog]) -> None:
    tab, log = page
    open_dashboard(tab, site)
    sign_in(tab, site, "liaison-UA", "liaison")
    mine = [f for f in site.items("/findings", "liaison-UA") if f["lat"] is not None]
    target = mine[0]["finding_id"]
    tab.locator(f".result[data-type='finding'][data-id='{target}']").click()
    tab.fill("#reply-text", "Sent from the dashboard test (made up).")
    tab.click("#reply-form button[type='submit']")
    tab.wait_for_selector("#detail-body .entry.reply >> text=Sent from the dashboard test")
    stored = site.get(f"/findings/{target}", "liaison-UA")
    assert "Sent from the dashboard test (made up)." in [r["text"] for r in stored["replies"]]
    other = site.get(f"/findings/{target}", "analyst")["replies"]
    assert any(r["party"] == "UA" for r in other)
    log.assert_clean()


def test_guarantor_sees_corroborated_and_confirmed_only(
    site: Site, page: tuple[Any, PageLog]
) -> None:
    tab, log = page
    open_dashboard(tab, site)
    sign_in(tab, site, "guarantor", "guarantor")
    keys = drawn(tab)
    assert keys == expected(site, "guarantor")
    levels = {f["level"] for f in site.items("/findings", "guarantor")}
    assert levels <= {"corroborated", "confirmed"}
    assert tab.locator("#exports-panel").is_hidden()
    tab.locator(".result[data-type='finding']").first.click()
    tab.wait_for_selector("#detail-body dl")
    assert tab.locator("#decision-form").count() == 0 and tab.locator("#reply-form").count() == 0
    tab.click("#signout")
    ready(tab, "public")
    assert drawn(tab) == expected(site, None)
    log.assert_clean()


def test_a_decision_recorded_from_the_page_changes_the_level(
    site: Site, page: tuple[Any, PageLog]
) -> None:
    tab, log = page
    open_dashboard(tab, site)
    sign_in(tab, site, "analyst", "analyst")
    findings = site.items("/findings", "analyst")
    target = next(f for f in findings if f["level"] != "rejected" and f["lat"] is not None)
    key = f"finding:{target['finding_id']}"
    tab.locator(f".result[data-type='finding'][data-id='{target['finding_id']}']").click()
    tab.select_option("#decision-action", "reject")
    tab.fill("#decision-reason", "Made up by the dashboard test.")
    tab.click("#decision-form button[type='submit']")
    tab.wait_for_selector("#detail-body .entry.decision >> text=Made up by the dashboard test.")
    ready(tab, "analyst")
    assert site.get(f"/findings/{target['finding_id']}", "analyst")["level"] == "rejected"
    assert tab.locator("#detail-body .pill").inner_text().lower() == "rejected"
    tab.uncheck("#f-level-rejected")
    assert key not in drawn(tab)
    log.assert_clean()
