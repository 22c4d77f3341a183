"""Records the verification stage writes and reads: incident and finding states, queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ceasefire.verification.coverage import CoverageGap
from ceasefire.verification.findings import Finding
from ceasefire.verification.levels import Verification
from ceasefire.verification.records import Decision, Reply


@dataclass(frozen=True, slots=True)
class IncidentState:
    """An incident as it stands after a run (a new row whenever anything changed)."""

    incident_id: str
    start: datetime
    end: datetime
    lon: float | None
    lat: float | None
    uncertainty_m: float | None
    oblast: str
    side: str
    signed_distance_m: float | None
    verification: Verification
    kinds: tuple[str, ...]
    sources: tuple[str, ...]
    members: int


@dataclass(slots=True)
class RunOutput:
    """Everything one grouping-and-judging run adds to the store."""

    agreement_key: int
    window_start: datetime
    window_end: datetime
    params_json: str
    observations: int
    founders: dict[str, str] = field(default_factory=dict)  # new incident -> founding uid
    merges: dict[str, list[str]] = field(default_factory=dict)
    extended: int = 0
    members: list[tuple[str, int, str]] = field(default_factory=list)  # (incident, rowid, role)
    states: list[IncidentState] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class VerificationQuery:
    """Filters for incidents and findings (those of ``ceasefire observations``, and more)."""

    since: datetime | None = None
    until: datetime | None = None
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    zone: str | None = None
    side: str | None = None
    oblast: str | None = None
    agreement_key: int | None = None
    rule: str | None = None
    level: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class StoredIncident:
    incident_id: str
    state: IncidentState
    founder_uid: str
    member_uids: tuple[tuple[str, str], ...]  # (uid, role)
    merged_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding's latest computed state, with the decisions and replies pointing at it."""

    finding_id: str
    incident_id: str
    agreement_key: int
    rule_id: str
    severity: str
    kind: str
    zone: str
    zones: tuple[str, ...]
    observed_at: datetime
    lon: float | None
    lat: float | None
    oblast: str
    side: str
    signed_distance_m: float | None
    level: str  # as computed from the evidence
    grade: str
    responsible: str
    confidence: float
    matched: tuple[str, ...]
    reasons: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]  # every member (uid, role): the reader's trail
    decisions: tuple[Decision, ...] = ()
    replies: tuple[Reply, ...] = ()


class VerificationRepository(Protocol):
    """What the verification stage needs from storage (``store.verification_sqlite``)."""

    def memberships(self, rowids: list[int]) -> dict[int, str]: ...
    def member_time_range(self, incident_ids: list[str]) -> tuple[int, int] | None: ...
    def apply(self, output: RunOutput) -> tuple[int, int, int]: ...
    def incidents(self, query: VerificationQuery) -> list[StoredIncident]: ...
    def findings(self, query: VerificationQuery) -> list[StoredFinding]: ...
    def finding(self, finding_id: str) -> StoredFinding: ...
    def add_decision(self, decision: Decision) -> Decision: ...
    def add_reply(self, reply: Reply) -> Reply: ...
    def add_gap(self, gap: CoverageGap) -> CoverageGap: ...
    def gaps(self, start: datetime | None, end: datetime | None) -> list[CoverageGap]: ...
