"""Feeding the report from the verification records: findings as they stand after decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ceasefire.reports.build import FindingsIn, GapsIn
from ceasefire.reports.model import EvidenceLine, FindingView, GapView
from ceasefire.store.base import Store
from ceasefire.verification.coverage import CoverageGap
from ceasefire.verification.model import StoredFinding, VerificationQuery, VerificationRepository
from ceasefire.verification.pipeline import window_gaps
from ceasefire.verification.records import effective_state


def finding_view(finding: StoredFinding) -> FindingView:
    """A stored finding as the report shows it: level and attribution after analysts' decisions."""
    state = effective_state(
        finding.level, finding.responsible, finding.confidence, finding.decisions
    )
    return FindingView(
        finding_id=finding.finding_id,
        rule=finding.rule_id,
        kind=finding.kind,
        severity=finding.severity,
        level=state.level,
        grade=finding.grade,
        zone=finding.zone,
        oblast=finding.oblast,
        observed_at=finding.observed_at,
        lon=finding.lon,
        lat=finding.lat,
        responsible=state.responsible,
        confidence=state.confidence,
        reasons=finding.reasons + state.reasons,
        evidence=tuple(EvidenceLine(uid, role) for uid, role in finding.evidence),
        replies=tuple(
            f"{r.party} ({r.author}, {r.replied_at:%Y-%m-%d %H:%M} UTC): {r.text}"
            for r in finding.replies
        ),
        decisions=tuple(
            f"{d.action.value} by {d.analyst} at {d.decided_at:%Y-%m-%d %H:%M} UTC: {d.reason}"
            for d in finding.decisions
        ),
    )


def gap_view(gap: CoverageGap) -> GapView:
    where = gap.area or (
        f"{gap.lat:.4f} N {gap.lon:.4f} E" if gap.lon is not None and gap.lat is not None else ""
    )
    if gap.sensor:
        detail = f"sensor {gap.sensor} out"
    else:
        detail = (
            f"denied by {gap.denied_by or 'unknown'}; stated reason: {gap.reason or 'none given'}"
        )
    return GapView(str(gap.kind), gap.start, gap.end, where or "(not stated)", detail)


def providers(
    store: Store, repo: VerificationRepository, agreement_key: int
) -> tuple[FindingsIn, GapsIn]:
    """The two callables ``build_report`` needs, reading this agreement version's records."""

    def findings_in(start: datetime, end: datetime) -> Sequence[FindingView]:
        query = VerificationQuery(since=start, until=end, agreement_key=agreement_key)
        return [finding_view(f) for f in repo.findings(query)]

    def gaps_in(start: datetime, end: datetime) -> Sequence[GapView]:
        return [gap_view(g) for g in window_gaps(store, repo, agreement_key, start, end)]

    return findings_in, gaps_in
