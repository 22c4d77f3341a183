"""Reports as each audience may read them.

The mission (analysts, chief) reads the files exactly as written and recorded in the ledger.
A report file names every source observation and carries every party's replies, so the
other audiences read a rendition of the same window built by the same report code from
findings and gaps shaped by the policy: a liaison's with its party's findings and replies
only, a guarantor's with corroborated and confirmed findings, the public's with coarse
places and no replies, decisions or identities. Evidence appears as source type and opaque
reference (``firms #3fa2...``). Only the roles that may read warnings (``Policy``) get the
Warnings section; the others' renditions have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ceasefire.access.identity import MISSION_ROLES, Principal, Role
from ceasefire.access.policy import Policy
from ceasefire.access.views import FindingView as PolicyFindingView
from ceasefire.reports.build import FindingsIn, GapsIn, WarningsIn
from ceasefire.reports.from_verification import gap_view
from ceasefire.reports.from_warnings import stored_warnings, warnings_provider
from ceasefire.reports.model import EvidenceLine, FindingView, GapView
from ceasefire.store.base import Store
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.verification.coverage import CoverageGap
from ceasefire.verification.model import VerificationQuery, VerificationRepository
from ceasefire.verification.pipeline import window_gaps

WITHHELD_REASON = "withheld (the mission only)"


def audience(principal: Principal) -> str:
    """Which rendition a caller reads: ``mission``, ``liaison-P``, ``guarantor`` or ``public``
    (the public and monitors)."""
    if principal.role in MISSION_ROLES:
        return "mission"
    if principal.role is Role.LIAISON:
        return f"liaison-{principal.party}"
    if principal.role is Role.GUARANTOR:
        return "guarantor"
    return "public"


def _report_view(v: PolicyFindingView, public: bool) -> FindingView:
    return FindingView(
        finding_id=v.finding_id,
        rule=v.rule_id,
        kind=v.kind,
        severity=v.severity,
        level=v.level,
        grade=v.grade,
        zone=v.zone,
        oblast=v.oblast,
        observed_at=v.observed_at,
        lon=v.lon,
        lat=v.lat,
        responsible=v.responsible,
        confidence=v.confidence,
        # the public's reasons: computed ones only (no decisions), shaped by the policy
        reasons=v.reasons
        if not public
        else Policy.public_reasons(v.reasons[: len(v.reasons) - len(v.decisions)]),
        evidence=tuple(EvidenceLine(f"{e.source} #{e.ref}", e.role) for e in v.evidence),
        replies=()
        if public
        else tuple(
            f"{r.party} ({r.author}, {r.replied_at:%Y-%m-%d %H:%M} UTC): {r.text}"
            for r in v.replies
        ),
        decisions=()
        if public
        else tuple(
            f"{d.action} by {d.analyst} at {d.decided_at:%Y-%m-%d %H:%M} UTC: {d.reason}"
            for d in v.decisions
        ),
    )


def scoped_providers(
    policy: Policy,
    principal: Principal,
    store: Store,
    repo: VerificationRepository,
    agreement_key: int,
) -> tuple[FindingsIn, GapsIn]:
    """``build_report``'s two inputs, shaped for a non-mission caller."""
    public = Policy.reads_as_public(principal)
    # the public reads the published record (every finding not rejected), then shaped below:
    # no identities, replies or decisions, coarse places
    viewer = Principal("public-report", "public", Role.ANALYST, None) if public else principal

    def findings_in(start: datetime, end: datetime) -> Sequence[FindingView]:
        query = VerificationQuery(since=start, until=end, agreement_key=agreement_key)
        views = policy.findings(viewer, repo, query)
        if public:
            views = [v for v in views if v.level != "rejected"]
        out = [_report_view(v, public) for v in views]
        if public:
            places = policy.coarsen([v.lon for v in out], [v.lat for v in out])
            out = [replace(v, lon=x, lat=y) for v, (x, y) in zip(out, places, strict=True)]
        return out

    def gaps_in(start: datetime, end: datetime) -> Sequence[GapView]:
        gaps: list[CoverageGap] = window_gaps(store, repo, agreement_key, start, end)
        # the stated reason is a monitor's free text: the mission's files only (Policy.gaps)
        gaps = [replace(g, reason=WITHHELD_REASON) if g.reason else g for g in gaps]
        if public:
            places = policy.coarsen([g.lon for g in gaps], [g.lat for g in gaps])
            gaps = [
                replace(g, lon=x, lat=y, reported_by="", source_uid="")
                for g, (x, y) in zip(gaps, places, strict=True)
            ]
        return [gap_view(g) for g in gaps]

    return findings_in, gaps_in


def scoped_warnings(policy: Policy, principal: Principal, store: SQLiteStore) -> WarningsIn | None:
    """``build_report``'s ``warnings_in`` for a caller: None (no Warnings section at all) for
    a role that may not read warnings, else the warnings the policy lets it read."""
    if not policy.may_read_warnings(principal):
        return None
    read = stored_warnings(store)
    return warnings_provider(lambda start, end: policy.warnings(principal, read(start, end)))
