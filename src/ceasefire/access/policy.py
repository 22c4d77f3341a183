"""The access policy: the one place that decides what each caller may see and do.

Interfaces ask the policy for role-scoped queries and shaped views; they never test roles
themselves (beyond who may call an endpoint at all). The rules (docs/api.md#roles):

* monitor: its own field reports (observations it submitted: ``submitted_by`` is its user id);
* analyst, chief: the mission's whole record, source identities included;
* liaison of party P: findings concerning P (P is computed or effectively responsible, or
  the finding lies on P's side), incidents on P's side and the incidents of those findings
  (wherever they lie: a finding's ``incident_id`` never leads to a 404), P's replies only,
  coverage gaps; evidence only as source type and opaque reference;
* guarantor: corroborated and confirmed findings and incidents (and the incident of every
  finding it sees, e.g. one confirmed by decision), every party's replies,
  coverage gaps; evidence only as source type and opaque reference;
* public (and a monitor reading reports): published findings only (inside the window of a published report, at least
  ``public_delay`` old, not rejected), placed at the centre of a ``grid_m`` grid cell,
  member counts by source type, no replies, decisions or identities.

Warnings (docs/warnings.md) are read by analysts, the chief and guarantors only.

Anything not visible is reported as not found, so its existence is not revealed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from ceasefire.access.identity import MISSION_ROLES, PUBLIC, Principal, Role
from ceasefire.access.views import (
    DecisionView,
    EvidenceRef,
    FindingView,
    GapView,
    IncidentView,
    PublicFindingView,
    ReplyView,
)
from ceasefire.errors import AccessDeniedError, NotFoundError
from ceasefire.geo import DEFAULT_METRIC_CRS, project_xy, unproject_xy
from ceasefire.store.base import ObservationQuery
from ceasefire.verification.coverage import CoverageGap
from ceasefire.verification.model import (
    StoredFinding,
    StoredIncident,
    VerificationQuery,
    VerificationRepository,
)
from ceasefire.verification.records import effective_state
from ceasefire.warning.model import WarningRecord

GUARANTOR_LEVELS = frozenset({"corroborated", "confirmed"})
# Who reads warnings: the mission, and guarantor cells (TERMS: they see "verified findings,
# cases, warnings"). Not liaisons: TERMS gives them findings, notifications and cases, and a
# forecast of attacks handed to one belligerent tells it where the mission expects the other
# to strike and what the mission watches. Not monitors, not the public.
WARNING_READERS = frozenset({Role.ANALYST, Role.CHIEF, Role.GUARANTOR})
_REF_BYTES = 10
# Reasons as the public reads them (public_reasons): a distance to the line or a bearing of
# fire would place a finding far more precisely than its public grid cell.
_PUBLIC_REWRITES = (
    (re.compile(r"\d+(?:\.\d+)? km inside "), "inside "),
    (re.compile(r", within its uncertainty \(\d+ m\) of the line: "), ": "),
    (re.compile(r"fire came from bearing \d+°: .*? on (\w+)'s side$"), r"fire came from \1's side"),
    (re.compile(r"fire from \d+°: "), "fire "),
)
_PRECISE = re.compile(r"\d\s*(?:km|m)\b|°")


@dataclass(frozen=True, slots=True)
class ReportWindow:
    """A published report (a ``report`` record of the ledger): its window and files."""

    leaf_index: int
    title: str
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    files: dict[str, str]  # file name -> SHA-256 as recorded
    agreement_id: str = ""
    agreement_version: int = 0

    def holds(self, moment: datetime) -> bool:
        return self.window_start <= moment < self.window_end


def _deny(principal: Principal, what: str) -> AccessDeniedError:
    return AccessDeniedError(f"the {principal.role.value} role may not read {what}")


@dataclass(frozen=True, slots=True)
class Policy:
    """Role-scoped queries and views; see the module docstring for the rules."""

    public_delay: timedelta
    grid_m: float
    ref_key: bytes = b""
    crs: str = DEFAULT_METRIC_CRS

    def with_key(self, key: bytes) -> Policy:
        return replace(self, ref_key=key)

    # --- who -------------------------------------------------------------------------------

    @staticmethod
    def is_mission(principal: Principal) -> bool:
        return principal.role in MISSION_ROLES

    @staticmethod
    def reads_as_public(principal: Principal) -> bool:
        """Whether the caller reads published reports as the public does: the public, and a
        monitor (its role gives it its own reports, not the mission's record)."""
        return principal.role in (Role.PUBLIC, Role.MONITOR)

    @staticmethod
    def concerns(principal: Principal, finding: StoredFinding, responsible: str) -> bool:
        """Whether a finding concerns the liaison's party."""
        party = principal.party
        return party is not None and party in (finding.responsible, responsible, finding.side)

    # --- observations ----------------------------------------------------------------------

    def observation_query(self, principal: Principal, query: ObservationQuery) -> ObservationQuery:
        """``query`` narrowed to what the caller may read (raw observations hold identities)."""
        if self.is_mission(principal):
            return query
        if principal.role is Role.MONITOR:
            return replace(query, submitter=principal.user_id)
        raise _deny(principal, "raw observations")

    # --- findings --------------------------------------------------------------------------

    def _ref(self, uid: str) -> EvidenceRef:
        digest = hmac.new(self.ref_key, uid.encode(), hashlib.sha256).hexdigest()
        return EvidenceRef(uid.split(":", 1)[0], digest[: 2 * _REF_BYTES], "", None)

    def _evidence(
        self, principal: Principal, members: Sequence[tuple[str, str]]
    ) -> tuple[EvidenceRef, ...]:
        mission = self.is_mission(principal)
        out: list[EvidenceRef] = []
        for uid, role in members:
            ref = self._ref(uid)
            out.append(replace(ref, role=role, uid=uid if mission else None))
        return tuple(out)

    def sees_finding(
        self, principal: Principal, f: StoredFinding, level: str, responsible: str
    ) -> bool:
        """Whether ``principal`` may see ``f``, given its effective level and responsible."""
        role = principal.role
        if role is Role.LIAISON:
            return self.concerns(principal, f, responsible)
        if role is Role.GUARANTOR:
            return level in GUARANTOR_LEVELS
        return role in MISSION_ROLES

    def finding_view(self, principal: Principal, f: StoredFinding) -> FindingView | None:
        """The finding as ``principal`` may see it, or None when it may not see it at all."""
        state = effective_state(f.level, f.responsible, f.confidence, f.decisions)
        if not self.sees_finding(principal, f, state.level, state.responsible):
            return None
        role = principal.role
        mission = role in MISSION_ROLES
        replies = f.replies
        if role is Role.LIAISON:
            replies = tuple(r for r in replies if r.party == principal.party)
        return FindingView(
            finding_id=f.finding_id,
            incident_id=f.incident_id,
            rule_id=f.rule_id,
            severity=f.severity,
            kind=f.kind,
            zone=f.zone,
            zones=f.zones,
            observed_at=f.observed_at,
            lon=f.lon,
            lat=f.lat,
            oblast=f.oblast,
            side=f.side,
            signed_distance_m=f.signed_distance_m,
            level=state.level,
            computed_level=f.level,
            grade=f.grade,
            responsible=state.responsible,
            computed_responsible=f.responsible,
            confidence=state.confidence,
            # source identities stay inside the mission: others get the evidence's opaque refs
            matched=f.matched if mission else tuple(self._ref(uid).ref for uid in f.matched),
            reasons=f.reasons + state.reasons,
            evidence=self._evidence(principal, f.evidence),
            decisions=tuple(
                DecisionView(d.id, d.action.value, d.party, d.reason, d.analyst, d.decided_at)
                for d in f.decisions
            ),
            replies=tuple(
                ReplyView(r.id, r.party, r.text, r.author, r.replied_at) for r in replies
            ),
        )

    def findings(
        self, principal: Principal, repo: VerificationRepository, query: VerificationQuery
    ) -> list[FindingView]:
        """Findings matching ``query`` that ``principal`` may see; ``level`` is the effective
        level (after analysts' decisions)."""
        if principal.role not in (*MISSION_ROLES, Role.LIAISON, Role.GUARANTOR):
            raise _deny(principal, "findings")
        stored = repo.findings(replace(query, level=None, limit=None))
        views = [v for f in stored if (v := self.finding_view(principal, f)) is not None]
        if query.level is not None:
            views = [v for v in views if v.level == query.level]
        return views

    def finding(
        self, principal: Principal, repo: VerificationRepository, finding_id: str
    ) -> FindingView:
        view = self.finding_view(principal, repo.finding(finding_id))
        if view is None:
            raise NotFoundError(f"no current finding {finding_id!r}")
        return view

    def reply_target(
        self, principal: Principal, repo: VerificationRepository, finding_id: str
    ) -> StoredFinding:
        """The finding a liaison replies to: only one concerning its party."""
        if principal.role is not Role.LIAISON or principal.party is None:
            raise AccessDeniedError("only a party's liaison replies for the party")
        finding = repo.finding(finding_id)
        if self.finding_view(principal, finding) is None:
            raise NotFoundError(f"no current finding {finding_id!r}")
        return finding

    def mission_findings(
        self, principal: Principal, repo: VerificationRepository, query: VerificationQuery
    ) -> list[StoredFinding]:
        """Findings with every identity in them (exports): the mission only."""
        if not self.is_mission(principal):
            raise _deny(principal, "exports")
        return repo.findings(query)

    # --- incidents -------------------------------------------------------------------------

    def behind_findings(self, principal: Principal, repo: VerificationRepository) -> frozenset[str]:
        """For a liaison or a guarantor, the incidents of the findings it may see (it may read
        them too, so a finding's ``incident_id`` leads somewhere: a liaison's finding may lie
        across the line, a guarantor's may be confirmed by decision while its incident is
        still only reported); empty for any other role."""
        if principal.role is Role.LIAISON and principal.party is None:
            return frozenset()
        if principal.role not in (Role.LIAISON, Role.GUARANTOR):
            return frozenset()
        out: set[str] = set()
        for f in repo.findings(VerificationQuery()):
            state = effective_state(f.level, f.responsible, f.confidence, f.decisions)
            if self.sees_finding(principal, f, state.level, state.responsible):
                out.add(f.incident_id)
        return frozenset(out)

    def incident_view(
        self, principal: Principal, i: StoredIncident, behind: frozenset[str] = frozenset()
    ) -> IncidentView | None:
        """The incident as ``principal`` may see it, or None; ``behind``: the incidents of the
        findings a liaison or guarantor may see (``behind_findings``)."""
        s = i.state
        level = s.verification.level.value
        role = principal.role
        if role is Role.LIAISON:
            if principal.party is None:
                return None
            if s.side != principal.party and i.incident_id not in behind:
                return None
        elif role is Role.GUARANTOR:
            if level not in GUARANTOR_LEVELS and i.incident_id not in behind:
                return None
        elif role not in MISSION_ROLES:
            return None
        return IncidentView(
            incident_id=i.incident_id,
            start=s.start,
            end=s.end,
            lon=s.lon,
            lat=s.lat,
            uncertainty_m=s.uncertainty_m,
            oblast=s.oblast,
            side=s.side,
            signed_distance_m=s.signed_distance_m,
            level=level,
            grade=s.verification.grade,
            reasons=s.verification.reasons,
            kinds=s.kinds,
            sources=s.sources,
            members=s.members,
            evidence=self._evidence(principal, i.member_uids),
            merged_from=i.merged_from,
        )

    def incidents(
        self, principal: Principal, repo: VerificationRepository, query: VerificationQuery
    ) -> list[IncidentView]:
        if principal.role not in (*MISSION_ROLES, Role.LIAISON, Role.GUARANTOR):
            raise _deny(principal, "incidents")
        stored = repo.incidents(replace(query, limit=None))
        behind = self.behind_findings(principal, repo)
        return [v for i in stored if (v := self.incident_view(principal, i, behind)) is not None]

    def incident(
        self, principal: Principal, repo: VerificationRepository, incident_id: str
    ) -> IncidentView:
        for i in repo.incidents(VerificationQuery()):
            if i.incident_id == incident_id:
                view = self.incident_view(principal, i, self.behind_findings(principal, repo))
                if view is not None:
                    return view
                break
        raise NotFoundError(f"no current incident {incident_id!r}")

    # --- coverage --------------------------------------------------------------------------

    def gaps(self, principal: Principal, gaps: Sequence[CoverageGap]) -> list[GapView]:
        """Coverage gaps; who reported them (and from which record) and the stated reason
        (a monitor's free text) only for the mission."""
        if principal.role not in (*MISSION_ROLES, Role.LIAISON, Role.GUARANTOR):
            raise _deny(principal, "coverage records")
        mission = self.is_mission(principal)
        return [
            GapView(
                id=g.id,
                kind=g.kind.value,
                start=g.start,
                end=g.end,
                area=g.area,
                lon=g.lon,
                lat=g.lat,
                radius_m=g.radius_m,
                denied_by=g.denied_by,
                # free text a monitor wrote (notes of a movement_restriction report)
                reason=g.reason if mission else None,
                sensor=g.sensor,
                reported_by=g.reported_by if mission else None,
                source_uid=g.source_uid if mission else None,
            )
            for g in gaps
        ]

    # --- reports and the public ----------------------------------------------------------

    def public_cutoff(self, now: datetime) -> datetime:
        return now - self.public_delay

    def reports(
        self, principal: Principal, published: Sequence[ReportWindow], now: datetime
    ) -> list[ReportWindow]:
        """Published reports the caller may read: all, but for the public (and monitors) only
        those whose window ended at least ``public_delay`` ago."""
        if self.reads_as_public(principal):
            cutoff = self.public_cutoff(now)
            return [r for r in published if r.window_end <= cutoff]
        return list(published)

    def coarsen(
        self, lon: Sequence[float | None], lat: Sequence[float | None]
    ) -> list[tuple[float | None, float | None]]:
        """Each point moved to the centre of its ``grid_m`` cell in the metric projection."""
        known = [
            i
            for i, (x, y) in enumerate(zip(lon, lat, strict=True))
            if x is not None and y is not None
        ]
        out: list[tuple[float | None, float | None]] = [(None, None)] * len(lon)
        if not known:
            return out
        xs = np.array([lon[i] for i in known], dtype=np.float64)
        ys = np.array([lat[i] for i in known], dtype=np.float64)
        mx, my = project_xy(xs, ys, self.crs)
        g = self.grid_m
        cx = (np.floor(mx / g) + 0.5) * g
        cy = (np.floor(my / g) + 0.5) * g
        clon, clat = unproject_xy(cx, cy, self.crs)
        for j, i in enumerate(known):
            out[i] = (round(float(clon[j]), 5), round(float(clat[j]), 5))
        return out

    @staticmethod
    def public_reasons(reasons: Sequence[str]) -> tuple[str, ...]:
        """``reasons`` (computed ones; no decisions) as the public may read them: distances
        to the line and bearings taken out, and any reason still holding one left out."""
        out: list[str] = []
        for reason in reasons:
            for pattern, replacement in _PUBLIC_REWRITES:
                reason = pattern.sub(replacement, reason)
            if not _PRECISE.search(reason):  # fail closed on a wording not rewritten above
                out.append(reason)
        return tuple(out)

    def public_findings(
        self,
        repo: VerificationRepository,
        published: Sequence[ReportWindow],
        query: VerificationQuery,
        now: datetime,
    ) -> list[PublicFindingView]:
        """Findings the public may see: inside a published report's window, at least
        ``public_delay`` old, not rejected; coarse place, no identities."""
        cutoff = self.public_cutoff(now)
        windows = self.reports(PUBLIC, published, now)
        until = cutoff if query.until is None else min(cutoff, query.until)
        stored = repo.findings(replace(query, until=until, level=None, limit=None))
        chosen: list[tuple[StoredFinding, str, str]] = []
        for f in stored:
            if not any(w.holds(f.observed_at) for w in windows):
                continue
            state = effective_state(f.level, f.responsible, f.confidence, f.decisions)
            if state.level == "rejected":
                continue
            if query.level is not None and state.level != query.level:
                continue
            chosen.append((f, state.level, state.responsible))
        places = self.coarsen([f.lon for f, _, _ in chosen], [f.lat for f, _, _ in chosen])
        return [
            PublicFindingView(
                finding_id=f.finding_id,
                rule_id=f.rule_id,
                kind=f.kind,
                severity=f.severity,
                level=level,
                zone=f.zone,
                oblast=f.oblast,
                side=f.side,
                observed_at=f.observed_at,
                lon=lon,
                lat=lat,
                grid_m=self.grid_m,
                responsible=responsible,
                sources=dict(
                    sorted(Counter(uid.split(":", 1)[0] for uid, _ in f.evidence).items())
                ),
            )
            for (f, level, responsible), (lon, lat) in zip(chosen, places, strict=True)
        ]

    # --- warnings --------------------------------------------------------------------------

    @staticmethod
    def may_read_warnings(principal: Principal) -> bool:
        return principal.role in WARNING_READERS

    def warnings(
        self, principal: Principal, records: Sequence[WarningRecord]
    ) -> list[WarningRecord]:
        """The warnings among ``records`` the caller may read (all of them, for a reader)."""
        if not self.may_read_warnings(principal):
            raise _deny(principal, "warnings")
        return list(records)

    def warning(self, principal: Principal, record: WarningRecord) -> WarningRecord:
        """One warning, reported as not found to a caller who may not read it."""
        if not self.may_read_warnings(principal):
            raise NotFoundError(f"no warning {record.warning_id!r}")
        return record

    # --- the audit log ---------------------------------------------------------------------

    def audit_reader(self, principal: Principal) -> None:
        if not self.is_mission(principal):
            raise _deny(principal, "the audit log")

    @classmethod
    def from_settings(cls, public_delay_hours: float, public_grid_m: float) -> Policy:
        if not math.isfinite(public_grid_m) or public_grid_m <= 0:
            raise ValueError("public_grid_m must be a positive number")
        return cls(timedelta(hours=public_delay_hours), public_grid_m)
