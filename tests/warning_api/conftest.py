"""A real workspace holding MADE-UP warnings, and a real API server on loopback over it.

Every warning here is MADE UP for these tests (model ``made-up-1``, driver notes saying so):
they are records to store, list and guard, not forecasts of anything. One user per role
holds a token, so each test calls the API exactly as that role would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ceasefire.api import create_app
from ceasefire.api.testing import running_server
from ceasefire.settings import Settings
from ceasefire.store.access_sqlite import SqliteAccess
from ceasefire.store.warnings_sqlite import SqliteWarnings
from ceasefire.warning.model import WarningEvent, WarningRecord, WarningSignal
from ceasefire.workspace import Workspace

NOTE = "MADE UP for the warning tests; not a forecast"
DAY = datetime(2023, 1, 6, tzinfo=UTC)

ROLES: dict[str, tuple[str, str | None]] = {
    "monitor": ("monitor", None),
    "analyst": ("analyst", None),
    "chief": ("chief", None),
    "liaison_ua": ("liaison", "UA"),
    "liaison_ru": ("liaison", "RU"),
    "guarantor": ("guarantor", "US"),
}

MadeUp = Callable[..., WarningRecord]


def made_up_warning(
    area_id: str = "UA-14",
    *,
    day: datetime = DAY,
    lead_days: int = 1,
    probability: float = 0.7,
    event: WarningEvent = WarningEvent.ESCALATION,
    area_name: str = "Donetsk oblast",
    lon: float | None = 37.8,
    lat: float | None = 48.0,
) -> WarningRecord:
    """A MADE-UP warning valid for the UTC day ``day``, issued ``lead_days`` before it."""
    return WarningRecord(
        issued_at=day - timedelta(days=lead_days),
        valid_from=day,
        valid_to=day + timedelta(days=1),
        area_id=area_id,
        area_name=area_name,
        event=event,
        signal="fires",
        probability=probability,
        expected_count=4.5,
        threshold=9.0,
        model="made-up-1",
        drivers=(
            WarningSignal("fires", area_id, 12.0, 3.1, NOTE),
            WarningSignal("alerts", "UA-12", 20.0, 8.0, NOTE),
        ),
        lon=lon,
        lat=lat,
    )


# Five days in a row over three areas: 15 warnings, enough to page through.
MADE_UP_WARNINGS: tuple[WarningRecord, ...] = tuple(
    made_up_warning(
        area,
        day=DAY + timedelta(days=d),
        probability=round(0.2 + 0.15 * d + (0.05 if area == "UA-09" else 0.0), 2),
        event=WarningEvent.RENEWAL if area == "UA-23" else WarningEvent.ESCALATION,
        area_name=name,
        lon=lon,
        lat=lat,
    )
    for d in range(5)
    for area, name, lon, lat in (
        ("UA-14", "Donetsk oblast", 37.8, 48.0),
        ("UA-09", "Luhansk oblast", 39.0, 48.9),
        ("UA-23", "Zaporizhzhia oblast", 35.4, 47.5),
    )
)


@pytest.fixture
def made_up() -> MadeUp:
    """Builds one MADE-UP warning (see ``made_up_warning``)."""
    return made_up_warning


@pytest.fixture
def made_up_warnings() -> tuple[WarningRecord, ...]:
    """Fifteen MADE-UP warnings: five days in a row over three areas."""
    return MADE_UP_WARNINGS


@dataclass
class WarningSite:
    root: Path
    url: str
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {} if who == "public" else {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="session")
def warning_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarningSite]:
    """A workspace with the made-up warnings and one user per role, served on loopback."""
    root = tmp_path_factory.mktemp("warnings") / "workspace"
    tokens: dict[str, str] = {}
    with Workspace.init(root) as ws:
        SqliteWarnings(ws.store).add(MADE_UP_WARNINGS)
        access = SqliteAccess(ws.store.path)
        for who, (role, party) in ROLES.items():
            _, tokens[who] = access.add_user(f"{who} (test)", role, party)
        access.close()
    settings = Settings(workspace=root, api_rate_per_s=0)
    with running_server(create_app(settings)) as url:
        yield WarningSite(root, url, tokens)


@pytest.fixture
def client(warning_site: WarningSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=warning_site.url, timeout=60) as c:
        yield c


def get_json(client: httpx.Client, site: WarningSite, who: str, path: str, **params: Any) -> Any:
    """GET ``path`` as ``who``; the JSON of a 200 answer (anything else fails the test)."""
    answer = client.get(path, params=params, headers=site.headers(who))
    assert answer.status_code == 200, answer.text
    return answer.json()
