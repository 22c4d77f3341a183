"""The agreement's rules judged on incidents: findings with zone, party, level and reasons.

Semantics (``docs/verification.md`` has the table):

- only **anchors** (members that locate the event) trigger a rule: an alert, a launch count
  or an oblast-wide report raises an incident's level but never makes a violation;
- a rule applies to an anchor whose kind is in ``rule.kinds`` and whose ``observed_at`` is at
  or after ``rule.after`` (default: the agreement's ``effective``). An anchor whose span
  starts before and ends after that moment is not judged: its timing is undetermined;
- ``where``: ``anywhere``; ``zones`` — the anchor's point is in one of the rule's zones
  (zones are closed sets, as in the zone engine); ``zone_prohibits_weapon`` — in a zone
  prohibiting the anchor's ``weapon_class``; ``zone_prohibits_kind`` — in a zone
  prohibiting its kind. A zone with ``demilitarised_after`` prohibits only from then on;
- one finding per (incident, rule); its zone is the first matching zone in the agreement's
  order (for ``anywhere``: the first zone containing the point, if any); its time is the
  earliest matching anchor's; its place the best-located matching anchor's;
- **thermal anomalies** (FIRMS fires) match no rule unless a rule lists
  ``thermal_anomaly`` itself: a fire is evidence in an incident, not a violation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ceasefire.agreement.model import Agreement, Rule, Zone
from ceasefire.store.base import StoredObservation
from ceasefire.verification.attribution import Attribution, attribute
from ceasefire.verification.levels import Verification


@dataclass(frozen=True, slots=True)
class Finding:
    """An incident judged against one rule of one agreement version."""

    finding_id: str
    incident_id: str
    agreement_id: str
    agreement_version: int
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
    verification: Verification
    attribution: Attribution
    matched: tuple[str, ...]  # uids of the anchors that matched the rule
    reasons: tuple[str, ...]


def finding_id_for(agreement: Agreement, rule_id: str, incident_id: str) -> str:
    """Deterministic id of the finding of ``rule_id`` on ``incident_id`` under ``agreement``."""
    text = f"{agreement.id}:{agreement.version}:{rule_id}:{incident_id}"
    return "fnd-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _prohibiting(zone: Zone, when: datetime) -> bool:
    return zone.demilitarised_after is None or when >= zone.demilitarised_after


def matching_zones(
    agreement: Agreement, rule: Rule, o: StoredObservation
) -> tuple[bool, tuple[str, ...], str]:
    """Whether ``rule``'s ``where`` holds for ``o``, the zones that make it hold, and why."""
    inside = [z for z in agreement.zones if z.id in set(o.zones)]
    if rule.where == "anywhere":
        return True, tuple(z.id for z in inside), "applies anywhere"
    if rule.where == "zones":
        hit = tuple(z.id for z in inside if z.id in rule.zones)
        return bool(hit), hit, f"inside zone {', '.join(hit)}" if hit else ""
    if rule.where == "zone_prohibits_weapon":
        hit = tuple(
            z.id
            for z in inside
            if o.weapon_class in z.prohibits_weapon_classes and _prohibiting(z, o.observed_at)
        )
        why = f"{o.weapon_class} is prohibited in zone {', '.join(hit)}" if hit else ""
        return bool(hit), hit, why
    if rule.where == "zone_prohibits_kind":
        hit = tuple(
            z.id for z in inside if o.kind in z.prohibits_kinds and _prohibiting(z, o.observed_at)
        )
        return bool(hit), hit, f"{o.kind} is prohibited in zone {', '.join(hit)}" if hit else ""
    raise ValueError(f"rule {rule.id}: unknown where {rule.where!r}")


def _best(located: Sequence[StoredObservation]) -> StoredObservation:
    return min(
        located,
        key=lambda o: (o.uncertainty_m or 0.0, o.observed_at, f"{o.source}:{o.source_id}"),
    )


def judge(
    agreement: Agreement,
    incident_id: str,
    anchors: Sequence[StoredObservation],
    members: Sequence[StoredObservation],
    verification: Verification,
) -> list[Finding]:
    """Every finding of the incident: one per rule some anchor breaks."""
    findings: list[Finding] = []
    for rule in agreement.rules:
        start = rule.after or agreement.effective
        matched: list[StoredObservation] = []
        zones: list[str] = []
        whys: list[str] = []
        for o in anchors:
            if o.kind not in rule.kinds or o.observed_at < start:
                continue
            ok, hit, why = matching_zones(agreement, rule, o)
            if ok:
                matched.append(o)
                zones.extend(z for z in hit if z not in zones)
                if why not in whys:
                    whys.append(why)
        if not matched:
            continue
        order = [z.id for z in agreement.zones]
        zones.sort(key=order.index)
        best = _best(matched)
        attribution = attribute(agreement, best, members)
        reasons = (
            f"rule {rule.id} ({rule.severity.value}): {', '.join(sorted(rule.kinds))}, "
            f"from {start.isoformat().replace('+00:00', 'Z')}",
            *(f"{len(matched)} matching observation(s): {w}" for w in whys),
            *verification.reasons,
            *attribution.reasons(),
        )
        findings.append(
            Finding(
                finding_id=finding_id_for(agreement, rule.id, incident_id),
                incident_id=incident_id,
                agreement_id=agreement.id,
                agreement_version=agreement.version,
                rule_id=rule.id,
                severity=rule.severity.value,
                kind=best.kind,
                zone=zones[0] if zones else "",
                zones=tuple(zones),
                observed_at=min(o.observed_at for o in matched),
                lon=best.lon,
                lat=best.lat,
                oblast=best.oblast,
                side=best.side,
                signed_distance_m=best.signed_distance_m,
                verification=verification,
                attribution=attribution,
                matched=tuple(sorted(f"{o.source}:{o.source_id}" for o in matched)),
                reasons=reasons,
            )
        )
    return findings
