"""The dashboard's warnings layer and list in a real browser, against a real server.

The workspace has the example agreement and warnings MADE UP for these tests (model
``made-up-1``, driver notes saying so): they test what the page draws, not any forecast.
The API runs on loopback (uvicorn in a thread); Debian's chromium is driven headless by
Playwright. Every expected set is read from the API as the same user: the page must draw
exactly the warnings the API gives the role, and for a role that may not read warnings it
must neither draw anything nor even ask.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.api import create_app
from ceasefire.api.testing import running_server
from ceasefire.settings import Settings
from ceasefire.store.access_sqlite import SqliteAccess
from ceasefire.store.warnings_sqlite import SqliteWarnings
from ceasefire.warning.model import WarningEvent, WarningRecord, WarningSignal
from ceasefire.workspace import Workspace

NOTE = "made up for the dashboard warning tests"
USERS: dict[str, tuple[str, str | None]] = {
    "analyst": ("analyst", None),
    "chief": ("chief", None),
    "guarantor": ("guarantor", "US"),
    "liaison-UA": ("liaison", "UA"),
    "monitor": ("monitor", None),
}


def _made_up(
    area: str, name: str, day: int, p: float, lon: float | None, lat: float | None
) -> WarningRecord:
    """A MADE-UP warning for 2023-01-``day`` (UTC), issued a day ahead."""
    start = datetime(2023, 1, day, tzinfo=UTC)
    return WarningRecord(
        issued_at=start - timedelta(days=1),
        valid_from=start,
        valid_to=start + timedelta(days=1),
        area_id=area,
        area_name=name,
        event=WarningEvent.RENEWAL if p < 0.5 else WarningEvent.ESCALATION,
        signal="fires",
        probability=p,
        expected_count=3.0,
        threshold=8.0,
        model="made-up-1",
        drivers=(WarningSignal("fires", area, 11.0, 3.0, NOTE),),
        lon=lon,
        lat=lat,
    )


MADE_UP = (
    _made_up("UA-14", "Donetsk oblast", 5, 0.62, 37.8, 48.0),
    _made_up("UA-09", "Luhansk oblast", 5, 0.35, 39.0, 48.9),
    _made_up("UA-23", "Zaporizhzhia oblast", 6, 0.81, 35.4, 47.5),
    _made_up("UA-14", "Donetsk oblast", 6, 0.44, 37.8, 48.0),
    _made_up("UA", "Ukraine", 6, 0.25, None, None),  # national: listed, not on the map
    _made_up("UA-65", "Kherson oblast", 7, 0.55, 33.6, 46.6),
)


@dataclass
class Site:
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def warnings(self, user: str, **params: str) -> list[dict[str, Any]]:
        """Every warning the API gives ``user`` (one page holds them all here)."""
        query = urllib.parse.urlencode({**params, "limit": "1000"})
        request = urllib.request.Request(f"{self.url}/api/v1/warnings?{query}")
        request.add_header("Authorization", f"Bearer {self.tokens[user]}")
        with urllib.request.urlopen(request, timeout=30) as response:
            page: dict[str, Any] = json.loads(response.read())
        assert page["next_cursor"] is None
        items: list[dict[str, Any]] = page["items"]
        return items


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("dashboard-warnings") / "ws"
    tokens: dict[str, str] = {}
    with Workspace.init(root) as ws:
        ws.load_agreement(example_agreement_dir())
        SqliteWarnings(ws.store).add(MADE_UP)
        access = SqliteAccess(ws.store.path)
        for user, (role, party) in USERS.items():
            tokens[user] = access.add_user(user, role, party)[1]
        access.close()
    settings = Settings(workspace=root, api_rate_per_s=0)
    with running_server(create_app(settings)) as url:
        yield Site(url, tokens)


@dataclass
class Tab:
    """A browser tab, with every error it met and every warnings request it made."""

    page: Any
    errors: list[str] = field(default_factory=list)
    warning_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)


@pytest.fixture
def tab(browser_context: Any, record_errors: Callable[[Any, list[str]], None]) -> Iterator[Tab]:
    page = browser_context.new_page()
    out = Tab(page)
    record_errors(page, out.errors)
    page.on(
        "request",
        lambda r: out.warning_requests.append(r.url) if "/api/v1/warnings" in r.url else None,
    )
    try:
        yield out
    finally:
        page.close()


def ready(tab: Tab, role: str) -> None:
    tab.page.wait_for_selector(f"body[data-role='{role}'][data-state='ready']", timeout=30_000)


def open_as(tab: Tab, site: Site, user: str | None) -> None:
    """Open the dashboard; sign in through the dialog as ``user`` (None: stay public)."""
    tab.page.goto(site.url + "/")
    ready(tab, "public")
    if user is None:
        return
    tab.page.click("#signin-open")
    tab.page.fill("#signin-token", site.tokens[user])
    tab.page.click("#signin-submit")
    ready(tab, USERS[user][0])


def drawn_warnings(tab: Tab) -> set[str]:
    """Ids of the warnings on the map, checked against the SVG circles drawn."""
    ids = set(tab.page.evaluate("window.ceasefireDashboard.warnings()"))
    assert tab.page.locator("path.cf-warning").count() == len(ids)
    return ids


def listed_warnings(tab: Tab) -> list[str]:
    items = tab.page.locator("#warning-list .warning-item")
    return [items.nth(i).get_attribute("data-id") for i in range(items.count())]


def _on_map(items: list[dict[str, Any]]) -> set[str]:
    return {w["warning_id"] for w in items if w["lat"] is not None and w["lon"] is not None}


@pytest.mark.parametrize("user", ["analyst", "chief", "guarantor"])
def test_readers_see_every_warning_on_the_map_and_in_the_list(
    user: str, site: Site, tab: Tab
) -> None:
    open_as(tab, site, user)
    api = site.warnings(user)
    assert {w["warning_id"] for w in api} == {w.warning_id for w in MADE_UP}
    assert tab.page.locator("#warnings-panel").is_visible()
    assert drawn_warnings(tab) == _on_map(api)
    assert 0 < len(_on_map(api)) < len(api)  # the national warning has no point
    listed = listed_warnings(tab)
    assert sorted(listed) == sorted(w["warning_id"] for w in api)
    # most likely first
    probability = {w["warning_id"]: w["probability"] for w in api}
    assert [probability[i] for i in listed] == sorted(probability.values(), reverse=True)
    assert tab.page.locator("#layer-warnings").is_checked()
    tab.assert_clean()


def test_a_warning_opens_with_its_drivers_and_lead_time(
    site: Site, tab: Tab, artifacts: Path
) -> None:
    open_as(tab, site, "analyst")
    top = max(site.warnings("analyst"), key=lambda w: w["probability"])
    tab.page.locator(f"#warning-list .warning-item[data-id='{top['warning_id']}']").click()
    tab.page.wait_for_selector("#detail-body .warning-drivers")
    text = tab.page.inner_text("#detail")
    assert top["warning_id"] in text and top["area_name"] in text
    assert f"{round(100 * top['probability'])} %" in text
    assert f"{top['lead_time_s'] / 3600:g} h" in text
    driver = top["drivers"][0]
    assert NOTE in text and f"{driver['value']:g}" in text
    tab.page.screenshot(path=str(artifacts / "dashboard-warnings.png"))
    tab.assert_clean()


def test_the_time_window_narrows_the_warnings_as_the_api_does(site: Site, tab: Tab) -> None:
    open_as(tab, site, "guarantor")
    everything = drawn_warnings(tab)
    tab.page.fill("#f-since", "2023-01-06")
    tab.page.fill("#f-until", "2023-01-06")
    tab.page.locator("#f-until").dispatch_event("change")
    ready(tab, "guarantor")
    api = site.warnings("guarantor", since="2023-01-06T00:00:00Z", until="2023-01-07T00:00:00Z")
    assert drawn_warnings(tab) == _on_map(api)
    assert sorted(listed_warnings(tab)) == sorted(w["warning_id"] for w in api)
    assert 0 < len(_on_map(api)) < len(everything)
    tab.page.uncheck("#layer-warnings")
    assert drawn_warnings(tab) == set()
    tab.page.check("#layer-warnings")
    assert drawn_warnings(tab) == _on_map(api)
    tab.assert_clean()


@pytest.mark.parametrize("user", ["liaison-UA", "monitor", None])
def test_other_roles_get_no_warnings_and_do_not_ask(user: str | None, site: Site, tab: Tab) -> None:
    open_as(tab, site, user)
    assert tab.page.locator("#warnings-panel").is_hidden()
    assert tab.page.locator("#layer-warnings").count() == 0
    assert drawn_warnings(tab) == set()
    text = tab.page.inner_text("body")
    assert not any(w.warning_id in text for w in MADE_UP)
    assert tab.warning_requests == []
    tab.assert_clean()


def test_signing_out_removes_the_warnings(site: Site, tab: Tab) -> None:
    open_as(tab, site, "analyst")
    assert drawn_warnings(tab)
    tab.page.click("#signout")
    ready(tab, "public")
    assert drawn_warnings(tab) == set()
    assert tab.page.locator("#warnings-panel").is_hidden()
    assert listed_warnings(tab) == []
    tab.assert_clean()
