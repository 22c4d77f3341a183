"""Replay: run the whole pipeline over past data as if an agreement had been in force.

A replay creates a fresh workspace, loads the agreement, moves its effective time to the
start of the window (rules without their own ``after`` then apply from there; zone
deadlines keep theirs), ingests the given files, assesses zones, groups and judges the
window, issues and stores the early warnings of each UTC day in it (from the data before
that day, ``warning.issue``), and writes a report for the whole window and one for each
day, each with its Warnings section.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ceasefire.agreement.model import Agreement
from ceasefire.assess import assess_pending
from ceasefire.errors import CeasefireError
from ceasefire.ingest import IngestSummary, ingest_file
from ceasefire.observations.sources.base import Source
from ceasefire.reports.build import build_report
from ceasefire.reports.from_verification import providers
from ceasefire.reports.from_warnings import mission_warnings
from ceasefire.reports.publish import publish_report
from ceasefire.reports.render import FORMATS, write_report
from ceasefire.settings import Settings
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.store.warnings_sqlite import SqliteWarnings
from ceasefire.verification.pipeline import RunSummary, verify_window
from ceasefire.warning.issue import IssueResult, issue_day
from ceasefire.workspace import MARKER, Workspace
from ceasefire.zones.engine import ZoneEngine

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DayCount:
    """Findings of one UTC day by verification level, and how many observations it had."""

    day: str
    observations: int
    observations_by_source: dict[str, int]
    findings_by_level: dict[str, int]
    findings_by_rule: dict[str, int]
    warnings: int = 0  # warnings issued for the day


@dataclass(slots=True)
class ReplayResult:
    workspace: Path
    ingested: list[IngestSummary] = field(default_factory=list)
    verification: RunSummary | None = None
    reports: dict[str, Path] = field(default_factory=dict)
    days: list[DayCount] = field(default_factory=list)
    issued: list[IssueResult] = field(default_factory=list)  # the warnings issue of each day
    warning_seconds: float = 0.0  # time spent issuing and storing them

    @property
    def warnings(self) -> int:
        return sum(len(r.warnings) for r in self.issued)


def as_in_force_from(agreement: Agreement, start: datetime) -> Agreement:
    """The agreement with its effective time moved to ``start`` (zone deadlines unchanged)."""
    return replace(agreement, effective=start)


def _fresh(root: Path) -> Workspace:
    if root.exists():
        if not (root / MARKER).exists() and any(root.iterdir()):
            raise CeasefireError(f"{root} exists and is not a ceasefire workspace; choose another")
        shutil.rmtree(root)
    return Workspace.init(root)


def _days(start: datetime, end: datetime) -> Iterator[datetime]:
    """00:00 UTC of every day overlapping ``[start, end)``."""
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        yield day
        day += timedelta(days=1)


def _issue_warnings(
    ws: Workspace, start: datetime, end: datetime, settings: Settings, result: ReplayResult
) -> None:
    """Issue and store each day's warnings, as the mission would have at 00:00 UTC."""
    began = time.perf_counter()
    repo = SqliteWarnings(ws.store)
    for day in _days(start, end):
        issued = issue_day(ws, day.date(), settings)
        repo.add(issued.warnings)
        result.issued.append(issued)
    result.warning_seconds = time.perf_counter() - began


def replay(
    agreement_dir: Path,
    start: datetime,
    end: datetime,
    inputs: Sequence[tuple[Source, Path]],
    workspace_root: Path,
    *,
    formats: Sequence[str] = FORMATS,
    step: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> ReplayResult:
    """Replay ``[start, end)`` into a fresh workspace; reports go to ``WORKSPACE/outputs``.

    ``settings`` gives the warning settings (default: the environment's)."""
    if end <= start:
        raise CeasefireError("--to must be after --from")
    say = step or (lambda _what: None)
    result = ReplayResult(workspace_root)
    with _fresh(workspace_root) as ws:
        record, loaded = ws.load_agreement(agreement_dir)
        agreement = as_in_force_from(loaded, start)
        for source, path in inputs:
            say(f"ingesting {path.name} ({source.name})")
            result.ingested.append(ingest_file(ws.store, source, path))
        say("assessing zones")
        assess_pending(ws.store, ZoneEngine.build(agreement), record.key)
        say("grouping and judging")
        repo = SqliteVerification(ws.store)
        result.verification = verify_window(ws.store, repo, agreement, record.key, start, end)
        say("issuing the warnings of each day")
        _issue_warnings(ws, start, end, settings or Settings(workspace=ws.root), result)
        warnings_in = mission_warnings(ws.store)
        findings_in, gaps_in = providers(ws.store, repo, record.key)
        stem = f"replay-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"
        title = (
            f"Replay {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC "
            f"({agreement.id} v{agreement.version} as if in force)"
        )
        say("writing the window report")
        report = build_report(
            ws.store,
            agreement,
            record.key,
            start,
            end,
            findings_in=findings_in,
            gaps_in=gaps_in,
            title=title,
            warnings_in=warnings_in,
        )
        written = write_report(report, ws.outputs, stem, formats)
        # recorded in the replay's own ledger; never signed with the mission's key, since a
        # replay's log is not the mission's log and must not pass for a version of it
        publish_report(ws.store, report, record, written, None)
        result.reports.update(written)
        for day, issued in zip(_days(start, end), result.issued, strict=True):
            next_day = day + timedelta(days=1)
            say(f"writing the report of {day:%Y-%m-%d}")
            daily = build_report(
                ws.store,
                agreement,
                record.key,
                day,
                next_day,
                findings_in=findings_in,
                gaps_in=gaps_in,
                warnings_in=warnings_in,
            )
            written = write_report(daily, ws.outputs, f"daily-{day:%Y-%m-%d}", ["html"])
            publish_report(ws.store, daily, record, written, None)
            result.reports.update({f"{day:%Y-%m-%d}.{k}": v for k, v in written.items()})
            found = findings_in(day, next_day)
            by_level: dict[str, int] = {}
            by_rule: dict[str, int] = {}
            for f in found:
                by_level[f.level] = by_level.get(f.level, 0) + 1
                by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
            by_kind = next(t for t in daily.tables if t.dimension == "kind")
            observations = sum(row.current for row in by_kind.rows)
            by_source = next(t for t in daily.tables if t.dimension == "source")
            sources = {row.label: row.current for row in by_source.rows if row.current}
            result.days.append(
                DayCount(
                    f"{day:%Y-%m-%d}",
                    observations,
                    sources,
                    by_level,
                    by_rule,
                    len(issued.warnings),
                )
            )
    return result
