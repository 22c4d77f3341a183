"""The daily report's Warnings section, and who gets it.

The workspace holds the example agreement and warnings MADE UP for these tests (model
``made-up-1``, driver notes saying so). The mission's report lists the warnings valid in its
window; renditions for other audiences have the section only when the access policy lets
their role read warnings (analysts, chief, guarantors), and otherwise not a trace of it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ceasefire.access.identity import PUBLIC, Principal, Role
from ceasefire.access.policy import Policy
from ceasefire.access.reports import scoped_warnings
from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.api import create_app
from ceasefire.api.testing import running_server
from ceasefire.cli import main
from ceasefire.errors import AccessDeniedError
from ceasefire.reports.build import WarningsIn, build_report
from ceasefire.reports.from_warnings import lead_text, mission_warnings
from ceasefire.reports.model import ReportData
from ceasefire.reports.render import to_html, to_markdown
from ceasefire.settings import Settings
from ceasefire.store.access_sqlite import SqliteAccess
from ceasefire.store.warnings_sqlite import SqliteWarnings
from ceasefire.warning.model import WarningEvent, WarningRecord, WarningSignal
from ceasefire.workspace import Workspace

DAY = datetime(2023, 1, 7, tzinfo=UTC)
NOTE = "MADE UP for the report tests"


def _made_up(
    area: str, name: str, start: datetime, hours: int, p: float, lead_h: int
) -> WarningRecord:
    """A MADE-UP warning (not a forecast of anything)."""
    return WarningRecord(
        issued_at=start - timedelta(hours=lead_h),
        valid_from=start,
        valid_to=start + timedelta(hours=hours),
        area_id=area,
        area_name=name,
        event=WarningEvent.RENEWAL if area == "UA-23" else WarningEvent.ESCALATION,
        signal="attacks",
        probability=p,
        expected_count=1.5,
        threshold=4.0,
        model="made-up-1",
        drivers=(WarningSignal("attacks", area, 7.0, 1.5, NOTE),),
        lon=36.0,
        lat=48.0,
    )


IN_WINDOW = (
    _made_up("UA-14", "Donetsk oblast", DAY, 24, 0.35, 24),
    _made_up(
        "UA-23", "Zaporizhzhia oblast", DAY + timedelta(hours=12), 24, 0.8, 36
    ),  # overlaps the end
    _made_up(
        "UA-09", "Luhansk oblast", DAY - timedelta(hours=6), 12, 0.55, 6
    ),  # overlaps the start
)
OUTSIDE = (
    _made_up("UA-14", "Donetsk oblast", DAY - timedelta(days=1), 24, 0.9, 24),  # ends at the start
    _made_up("UA-09", "Luhansk oblast", DAY + timedelta(days=1), 24, 0.9, 24),  # starts at the end
)  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("report-warnings") / "ws"
    with Workspace.init(root) as ws:
        ws.load_agreement(example_agreement_dir())
        SqliteWarnings(ws.store).add(IN_WINDOW + OUTSIDE)
        yield ws


def _build(ws: Workspace, warnings_in: WarningsIn | None) -> ReportData:
    record, agreement = ws.active_agreement()
    return build_report(
        ws.store,
        agreement,
        record.key,
        DAY,
        DAY + timedelta(days=1),
        findings_in=lambda a, b: [],
        gaps_in=lambda a, b: [],
        warnings_in=warnings_in,
    )


def test_the_mission_report_lists_the_warnings_valid_in_its_window(workspace: Workspace) -> None:
    report = _build(workspace, mission_warnings(workspace.store))
    assert report.warnings is not None
    expected = sorted(IN_WINDOW, key=lambda w: -w.probability)
    assert [w.warning_id for w in report.warnings] == [w.warning_id for w in expected]
    top = expected[0]
    assert any(top.area_id in line and f"{top.probability:.0%}" in line for line in report.summary)
    html, md = to_html(report), to_markdown(report)
    assert "<h2>Warnings</h2>" in html and "## Warnings" in md
    for w in IN_WINDOW:
        for text in (w.warning_id, f"{w.area_id} {w.area_name}", lead_text(w.lead_time_s)):
            assert text in html and text in md
        assert f"{100 * w.probability:.0f} %" in html and f"{w.probability:.0%}" in md
        assert w.event.value in html and w.event.value in md
        driver = w.drivers[0]
        assert f"{driver.value:g} against {driver.expected:.1f} expected ({NOTE})" in md
        assert NOTE in html
    for w in OUTSIDE:
        assert w.warning_id not in html and w.warning_id not in md


def test_a_window_without_warnings_says_so(workspace: Workspace) -> None:
    record, agreement = workspace.active_agreement()
    start = DAY + timedelta(days=30)
    report = build_report(
        workspace.store,
        agreement,
        record.key,
        start,
        start + timedelta(days=1),
        findings_in=lambda a, b: [],
        gaps_in=lambda a, b: [],
        warnings_in=mission_warnings(workspace.store),
    )
    assert report.warnings == ()
    assert "No warnings were valid in this window." in to_html(report)
    assert "No warnings were valid in this window." in to_markdown(report)


def _principal(role: Role, party: str | None = None) -> Principal:
    return PUBLIC if role is Role.PUBLIC else Principal(f"u-{role}", f"{role} (test)", role, party)


POLICY = Policy.from_settings(72, 10_000)


@pytest.mark.parametrize(
    ("role", "party"), [(Role.ANALYST, None), (Role.CHIEF, None), (Role.GUARANTOR, "US")]
)
def test_readers_renditions_carry_the_warnings(
    role: Role, party: str | None, workspace: Workspace
) -> None:
    warnings_in = scoped_warnings(POLICY, _principal(role, party), workspace.store)
    assert warnings_in is not None
    html = to_html(_build(workspace, warnings_in))
    assert "<h2>Warnings</h2>" in html
    assert all(w.warning_id in html for w in IN_WINDOW)


@pytest.mark.parametrize(
    ("role", "party"),
    [(Role.MONITOR, None), (Role.LIAISON, "UA"), (Role.LIAISON, "RU"), (Role.PUBLIC, None)],
)
def test_other_renditions_have_no_trace_of_warnings(
    role: Role, party: str | None, workspace: Workspace
) -> None:
    principal = _principal(role, party)
    assert scoped_warnings(POLICY, principal, workspace.store) is None
    with pytest.raises(AccessDeniedError):
        POLICY.warnings(principal, IN_WINDOW)
    report = _build(workspace, None)
    assert report.warnings is None
    html, md = to_html(report), to_markdown(report)
    assert "Warnings" not in html and "Warnings" not in md
    for w in IN_WINDOW:
        assert w.warning_id not in html and w.warning_id not in md


# --- end to end: the daily report command, then its file through the API per role --------


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["ceasefire", *args])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr()
    out, _ = capsys.readouterr()
    return out


def test_the_published_daily_report_reaches_each_role_as_the_policy_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root) as ws:
        ws.load_agreement(example_agreement_dir())
        SqliteWarnings(ws.store).add(IN_WINDOW + OUTSIDE)
        access = SqliteAccess(ws.store.path)
        tokens = {
            who: access.add_user(who, role, party)[1]
            for who, role, party in (
                ("analyst", "analyst", None),
                ("guarantor", "guarantor", "US"),
                ("liaison", "liaison", "UA"),
            )
        }
        access.close()
    out = _cli(monkeypatch, capsys, "report", "--day", f"{DAY:%Y-%m-%d}", "--format", "html",
               "-w", str(root))  # fmt: skip
    written = (root / "outputs" / f"daily-{DAY:%Y-%m-%d}.html").read_text(encoding="utf-8")
    assert "html:" in out and "<h2>Warnings</h2>" in written
    assert all(w.warning_id in written for w in IN_WINDOW)

    settings = Settings(workspace=root, api_rate_per_s=0, public_delay_hours=0)
    with running_server(create_app(settings)) as url, httpx.Client(base_url=url) as client:

        def page(who: str | None) -> str:
            headers = {} if who is None else {"Authorization": f"Bearer {tokens[who]}"}
            answer = client.get(f"/api/v1/reports/daily-{DAY:%Y-%m-%d}.html", headers=headers)
            assert answer.status_code == 200, answer.text
            return answer.text

        for who in ("analyst", "guarantor"):
            text = page(who)
            assert "<h2>Warnings</h2>" in text
            assert all(w.warning_id in text for w in IN_WINDOW)
        for other in ("liaison", None):
            text = page(other)
            assert "Warnings" not in text
            assert not any(w.warning_id in text for w in IN_WINDOW)
