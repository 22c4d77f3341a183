"""The report: counts against the previous window and the 7-window average, and rendering."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.demo import sample_path
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.reports.build import build_report
from ceasefire.reports.model import EvidenceLine, FindingView, GapView, ReportData
from ceasefire.reports.render import to_html, to_markdown, write_report
from ceasefire.store.base import ObservationQuery
from ceasefire.workspace import Workspace

DAY = datetime(2023, 1, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("report") / "ws"
    ws = Workspace.init(root)
    ws.load_agreement(example_agreement_dir())
    ingest_file(ws.store, get_source("alerts"), sample_path("air_raid_alerts_official_window.csv"))
    ingest_file(ws.store, get_source("firms"), sample_path("firms_ukraine_2023_window.csv"))
    return ws


def _finding(when: datetime, n: int, level: str = "corroborated") -> FindingView:
    """A finding record as the verification stage would hand it over (test input)."""
    return FindingView(
        finding_id=f"F-{n}",
        rule="no-fire",
        kind="shelling",
        severity="serious",
        level=level,
        grade="B2",
        zone="artillery",
        oblast="UA-14",
        observed_at=when,
        lon=37.9,
        lat=48.2,
        responsible="RU",
        confidence=0.7,
        reasons=("impact 6.2 km inside the side held by UA",),
        evidence=(EvidenceLine("firms:x", "locates"),),
        replies=("RU: denies; says it was a UA mortar",),
    )


def _build(ws: Workspace, findings: list[FindingView], gaps: list[GapView]) -> ReportData:
    record, agreement = ws.active_agreement()
    return build_report(
        ws.store,
        agreement,
        record.key,
        DAY,
        DAY + timedelta(days=1),
        findings_in=lambda a, b: [f for f in findings if a <= f.observed_at < b],
        gaps_in=lambda a, b: [g for g in gaps if a <= g.start < b],
    )


def test_counts_compare_with_the_day_before_and_the_7_day_average(workspace: Workspace) -> None:
    report = _build(workspace, [], [])
    by_kind = {t.title: t for t in report.tables}["Observations by kind"]
    alerts = {r.label: r for r in by_kind.rows}["air_raid_alert"]

    def count(start: datetime) -> int:
        query = ObservationQuery(
            since=start, until=start + timedelta(days=1), kinds=("air_raid_alert",)
        )
        return workspace.store.count_observations(query)

    assert alerts.current == count(DAY) > 0
    assert alerts.previous == count(DAY - timedelta(days=1))
    assert alerts.average_7 == pytest.approx(
        sum(count(DAY - timedelta(days=i)) for i in range(1, 8)) / 7
    )


def test_findings_gaps_and_counts_reach_every_format(workspace: Workspace, tmp_path: Path) -> None:
    findings = [
        _finding(DAY + timedelta(hours=3), 1),
        _finding(DAY + timedelta(hours=5), 2, level="reported"),  # counted, not listed
        _finding(DAY - timedelta(hours=2), 3),  # the day before
    ]
    gaps = [
        GapView(
            "access denied", DAY + timedelta(hours=8), None, "Horlivka checkpoint", "RU: 'security'"
        )
    ]
    report = _build(workspace, findings, gaps)
    rules = {t.title: t for t in report.tables}["Violations (findings) by rule"]
    assert [(r.label, r.current, r.previous) for r in rules.rows] == [("no-fire", 2, 1)]
    kinds = {t.title: t for t in report.tables}["Violations (findings) by kind"]
    assert [(r.label, r.current, r.previous) for r in kinds.rows] == [("shelling", 2, 1)]
    assert [f.finding_id for f in report.findings] == ["F-1"]

    html = to_html(report)
    assert "F-1" in html and "F-2" not in html and "impact 6.2 km" in html and "Horlivka" in html
    assert "RU: denies" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), (
        "the report must load nothing from elsewhere"
    )
    markdown = to_markdown(report)
    assert "| no-fire | 2 | 1 | +1 |" in markdown and "Horlivka checkpoint" in markdown

    written = write_report(report, tmp_path, "daily")
    assert written["pdf"].read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "daily-map.png").read_bytes()[:4] == b"\x89PNG"
    info = subprocess.run(
        ["pdfinfo", str(written["pdf"])], capture_output=True, text=True, check=True
    )
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert pages >= 2, "map, timeline, tables and findings take more than one A4 page"
    text = subprocess.run(
        ["pdftotext", str(written["pdf"]), "-"], capture_output=True, text=True, check=True
    )
    assert "F-1" in text.stdout and "Horlivka" in text.stdout


def test_untrusted_text_cannot_shape_the_markdown(workspace: Workspace) -> None:
    """A reply, a decision's reason and a gap's details are text written by someone (a
    liaison, an analyst, a monitor): in Markdown they stay one line of literal text, so a
    made-up hostile reply can forge no heading or decision and fetch no remote image."""
    hostile = (
        "MADE UP hostile reply\n\n## Decision: rejected by the chief\n"
        "![tracker](https://attacker.example/pixel.png) <img src=https://attacker.example/i> "
        "[click](https://attacker.example) | forged cell | **bold**"
    )
    finding = replace(
        _finding(DAY + timedelta(hours=3), 1),
        replies=(hostile,),
        decisions=("confirmed by MADE-UP analyst\n# Forged heading",),
    )
    gap = GapView("access denied", DAY + timedelta(hours=8), None, "MADE UP | place\n# x", hostile)
    markdown = to_markdown(_build(workspace, [finding], [gap]))
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert not [h for h in headings if "Forged" in h or "Decision" in h], headings
    # the report's own two pictures are its only images; nothing links or loads elsewhere
    assert re.findall(r"(?<!\\)!\[", markdown) == ["![", "!["]
    assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(https?:", markdown)
    assert "MADE UP hostile reply" in markdown  # still shown, as text
    gap_rows = [line for line in markdown.splitlines() if line.startswith("| access denied")]
    assert len(gap_rows) == 1 and len(re.findall(r"(?<!\\)\|", gap_rows[0])) == 6
