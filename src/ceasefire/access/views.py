"""What a caller is shown: findings, incidents and gaps as the access policy shapes them.

Built only by ``ceasefire.access.policy``; interfaces serialise them as they are.
Fields a role may not see are ``None`` (source identities) or left out (other parties'
replies), never filled with something made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """One member observation: its source type and an opaque reference; ``uid`` only for the
    mission (analysts, chief)."""

    source: str
    ref: str
    role: str  # "locates" or "corroborates"
    uid: str | None = None


@dataclass(frozen=True, slots=True)
class DecisionView:
    id: int
    action: str
    party: str
    reason: str
    analyst: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ReplyView:
    id: int
    party: str
    text: str
    author: str
    replied_at: datetime


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding with its effective state (after decisions) and the computed one."""

    finding_id: str
    incident_id: str
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
    level: str
    computed_level: str
    grade: str
    responsible: str
    computed_responsible: str
    confidence: float
    matched: tuple[str, ...]
    reasons: tuple[str, ...]
    evidence: tuple[EvidenceRef, ...]
    decisions: tuple[DecisionView, ...]
    replies: tuple[ReplyView, ...]


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident_id: str
    start: datetime
    end: datetime
    lon: float | None
    lat: float | None
    uncertainty_m: float | None
    oblast: str
    side: str
    signed_distance_m: float | None
    level: str
    grade: str
    reasons: tuple[str, ...]
    kinds: tuple[str, ...]
    sources: tuple[str, ...]
    members: int
    evidence: tuple[EvidenceRef, ...]
    merged_from: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GapView:
    """An access denial or sensor outage; who reported it only for the mission."""

    id: int
    kind: str
    start: datetime
    end: datetime | None
    area: str
    lon: float | None
    lat: float | None
    radius_m: float | None
    denied_by: str
    reason: str | None  # a monitor's free text: the mission only
    sensor: str
    reported_by: str | None
    source_uid: str | None


@dataclass(frozen=True, slots=True)
class PublicFindingView:
    """A published finding as the public sees it: coarse place, no source identities."""

    finding_id: str
    rule_id: str
    kind: str
    severity: str
    level: str
    zone: str
    oblast: str
    side: str
    observed_at: datetime
    lon: float | None  # the centre of the grid cell holding the finding
    lat: float | None
    grid_m: float
    responsible: str
    sources: dict[str, int]  # member observations by source type
