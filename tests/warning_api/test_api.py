"""``/api/v1/warnings`` against a real server on loopback, one token per role.

Analysts, the chief and guarantors read warnings; monitors and both parties' liaisons are
refused (403) and the public is asked for a token (401). Every warning is MADE UP
(conftest.py); every expected list is computed from those records, not written down.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ceasefire.warning.model import WarningEvent, WarningRecord

from .conftest import WarningSite, get_json

Warnings = tuple[WarningRecord, ...]
READERS = ("analyst", "chief", "guarantor")
DENIED = ("monitor", "liaison_ua", "liaison_ru")


def _ordered(records: Warnings) -> list[str]:
    return [r.warning_id for r in sorted(records, key=lambda r: (r.valid_from, r.warning_id))]


@pytest.mark.parametrize("who", READERS)
def test_readers_get_every_warning_with_its_drivers(
    who: str, client: httpx.Client, warning_site: WarningSite, made_up_warnings: Warnings
) -> None:
    page = get_json(client, warning_site, who, "/api/v1/warnings")
    assert [w["warning_id"] for w in page["items"]] == _ordered(made_up_warnings)
    assert page["next_cursor"] is None
    by_id = {r.warning_id: r for r in made_up_warnings}
    for item in page["items"]:
        record = by_id[item["warning_id"]]
        expected = record.as_dict()
        assert item["area_id"] == expected["area_id"]
        assert item["event"] == expected["event"]
        assert item["probability"] == expected["probability"]
        assert item["lead_time_s"] == expected["lead_time_s"]
        assert item["drivers"] == expected["drivers"]
        assert isinstance(item["leaf_index"], int)


@pytest.mark.parametrize("who", DENIED)
def test_monitors_and_liaisons_are_refused(
    who: str, client: httpx.Client, warning_site: WarningSite, made_up_warnings: Warnings
) -> None:
    headers = warning_site.headers(who)
    assert client.get("/api/v1/warnings", headers=headers).status_code == 403
    one = made_up_warnings[0].warning_id
    answer = client.get(f"/api/v1/warnings/{one}", headers=headers)
    assert answer.status_code == 403
    assert one not in answer.text and "UA-14" not in answer.text


def test_the_public_needs_a_token(client: httpx.Client, made_up_warnings: Warnings) -> None:
    assert client.get("/api/v1/warnings").status_code == 401
    assert client.get(f"/api/v1/warnings/{made_up_warnings[0].warning_id}").status_code == 401


def test_one_warning_by_id(
    client: httpx.Client, warning_site: WarningSite, made_up_warnings: Warnings
) -> None:
    record = made_up_warnings[4]
    item = get_json(client, warning_site, "guarantor", f"/api/v1/warnings/{record.warning_id}")
    assert item["warning_id"] == record.warning_id
    assert item["area_name"] == record.area_name
    assert item["valid_from"].startswith(record.valid_from.strftime("%Y-%m-%dT%H:%M:%S"))
    missing = client.get(
        "/api/v1/warnings/W-0000000000000000", headers=warning_site.headers("analyst")
    )
    assert missing.status_code == 404


def test_filters_narrow_as_the_records_say(
    client: httpx.Client, warning_site: WarningSite, made_up_warnings: Warnings
) -> None:
    first = min(r.valid_from for r in made_up_warnings)
    since, until = first + timedelta(days=1, hours=6), first + timedelta(days=3)
    page = get_json(
        client,
        warning_site,
        "analyst",
        "/api/v1/warnings",
        since=since.isoformat(),
        until=until.isoformat(),
        area=["UA-14", "UA-09"],
        event="escalation",
        min_probability=0.4,
    )
    expected = [
        r
        for r in made_up_warnings
        if r.valid_to > since
        and r.valid_from < until
        and r.area_id in ("UA-14", "UA-09")
        and r.event is WarningEvent.ESCALATION
        and r.probability >= 0.4
    ]
    assert expected, "the made-up warnings should leave some to find"
    assert [w["warning_id"] for w in page["items"]] == _ordered(tuple(expected))


def test_pages_follow_the_cursor_to_the_end(
    client: httpx.Client, warning_site: WarningSite, made_up_warnings: Warnings
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 4}
        if cursor is not None:
            params["cursor"] = cursor
        page = get_json(client, warning_site, "chief", "/api/v1/warnings", **params)
        seen += [w["warning_id"] for w in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == _ordered(made_up_warnings)
    assert pages == -(-len(made_up_warnings) // 4)


@pytest.mark.parametrize(
    "params",
    [
        {"min_probability": "1.5"},
        {"min_probability": "nan"},
        {"event": "invasion"},
        {"since": "2023-01-06T00:00:00"},  # no offset
        {"colour": "red"},  # unknown parameter
        {"cursor": "not-a-cursor"},
    ],
)
def test_bad_filters_are_refused(
    params: dict[str, str], client: httpx.Client, warning_site: WarningSite
) -> None:
    answer = client.get("/api/v1/warnings", params=params, headers=warning_site.headers("analyst"))
    assert answer.status_code == 422, answer.text
