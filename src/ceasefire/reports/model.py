"""What a report says, as plain records: built once, rendered to HTML, PDF and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CountRow:
    """One line of a count table: this window, the window before, the 7-window average."""

    label: str
    current: int
    previous: int
    average_7: float

    @property
    def change(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True, slots=True)
class CountTable:
    title: str
    dimension: str
    rows: tuple[CountRow, ...]


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One observation behind a finding, as a reader retraces it: its id and its role."""

    uid: str
    role: str


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding as the report shows it (built from the verification records)."""

    finding_id: str
    rule: str
    kind: str
    severity: str
    level: str
    grade: str
    zone: str
    oblast: str
    observed_at: datetime
    lon: float | None
    lat: float | None
    responsible: str
    confidence: float
    reasons: tuple[str, ...]
    evidence: tuple[EvidenceLine, ...] = ()
    replies: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GapView:
    """Where and when the mission could not see (access denial or sensor outage)."""

    kind: str
    start: datetime
    end: datetime | None
    where: str
    detail: str


@dataclass(frozen=True, slots=True)
class WarningLine:
    """A warning as the report shows it: where, what, how likely, how early, and why."""

    warning_id: str
    area: str  # "UA-14 Donetsk oblast"
    event: str  # renewal | escalation
    signal: str
    probability: float
    valid_from: datetime
    valid_to: datetime
    issued_at: datetime
    lead: str  # the planned lead time in words, e.g. "24 h"
    drivers: tuple[str, ...]
    model: str
    area_id: str = ""  # "UA-14", "cell25km:IX:IY" or "UA" (the whole country)
    lon: float | None = None  # the area's point, for the map
    lat: float | None = None


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything one report says."""

    title: str
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    agreement: str
    tables: tuple[CountTable, ...]
    findings: tuple[FindingView, ...]
    gaps: tuple[GapView, ...]
    summary: tuple[str, ...]
    map_png: bytes = b""
    timeline_png: bytes = b""
    sources: tuple[str, ...] = field(default_factory=tuple)
    # None: this rendition has no Warnings section (its audience may not read warnings)
    warnings: tuple[WarningLine, ...] | None = None
