"""Incidents and findings as GeoJSON and as CSV in ACLED's 33-column layout.

ACLED's columns are filled only where our data says something true; the rest stay empty
(we do not know fatalities, ACLED's actor codes or its interaction codes). Mapping:
``event_id_cnty`` our finding or incident id; ``event_date``/``year`` the UTC date;
``time_precision`` 1; ``event_type``/``sub_event_type`` from the kind's ACLED category in
``taxonomy.KIND_TABLE`` (empty for kinds ACLED does not code, such as satellite fires);
``actor1`` the presumed responsible party's name (empty when undetermined); ``admin1`` the
oblast's name; ``latitude``/``longitude`` the best-located member; ``geo_precision`` 1 / 2 /
3 for an uncertainty up to 2 km / 15 km / more (ACLED's town / near town / region);
``source`` the sources of the members; ``notes`` the reasons; ``tags`` level, grade, rule
and zone; ``civilian_targeting`` and ``disorder_type`` from the kind.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from ceasefire.observations.taxonomy import KIND_TABLE, Kind
from ceasefire.verification.model import StoredFinding, StoredIncident
from ceasefire.verification.records import effective_state

ACLED_COLUMNS: tuple[str, ...] = (
    "id", "iso", "event_id_cnty", "event_date", "year", "time_precision", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "source_scale", "notes", "fatalities", "timestamp", "geo_precision", "source",
    "civilian_targeting", "disorder_type", "tags", "actor_dyad",
)  # fmt: skip
_FORCE = {str(i.kind): i.is_use_of_force for i in KIND_TABLE}
_ACLED = {str(i.kind): i.acled for i in KIND_TABLE}
_ORDER = [str(i.kind) for i in KIND_TABLE]


def _iso(value: Any) -> str:
    return str(value.isoformat()).replace("+00:00", "Z")


def _event_types(kind: str) -> tuple[str, str]:
    text = _ACLED.get(kind, "")
    if ":" not in text or text.startswith("("):
        return "", ""
    event, sub = text.split(":", 1)
    return event.strip(), sub.strip().split(" / ")[0]


def _geo_precision(uncertainty_m: float | None) -> str:
    if uncertainty_m is None:
        return ""
    return "1" if uncertainty_m <= 2_000 else "2" if uncertainty_m <= 15_000 else "3"


def _row(
    event_id: str,
    when: Any,
    kind: str,
    party: str,
    oblast: str,
    lon: float | None,
    lat: float | None,
    uncertainty_m: float | None,
    sources: Sequence[str],
    notes: Sequence[str],
    tags: str,
    parties: Mapping[str, str],
    oblast_names: Mapping[str, str],
) -> dict[str, str]:
    event, sub = _event_types(kind)
    in_ukraine = oblast.startswith("UA")
    return {
        **dict.fromkeys(ACLED_COLUMNS, ""),
        "iso": "804" if in_ukraine else "",
        "event_id_cnty": event_id,
        "event_date": when.strftime("%Y-%m-%d"),
        "year": str(when.year),
        "time_precision": "1",
        "event_type": event,
        "sub_event_type": sub,
        "actor1": parties.get(party, party),
        "region": "Europe" if in_ukraine else "",
        "country": "Ukraine" if in_ukraine else "",
        "admin1": oblast_names.get(oblast, oblast),
        "latitude": "" if lat is None else f"{lat:.5f}",
        "longitude": "" if lon is None else f"{lon:.5f}",
        "notes": "; ".join(notes),
        "geo_precision": _geo_precision(uncertainty_m),
        "source": "; ".join(sorted(set(sources))),
        "civilian_targeting": "Civilian targeting"
        if kind == Kind.VIOLENCE_AGAINST_CIVILIANS
        else "",
        "disorder_type": "Political violence"
        if _FORCE.get(kind, False)
        else "Strategic developments",
        "tags": tags,
    }


def _main_kind(kinds: Sequence[str]) -> str:
    known = [k for k in kinds if k in _ORDER]
    return min(known, key=_ORDER.index) if known else (kinds[0] if kinds else "")


def write_acled_csv(
    items: Sequence[StoredFinding] | Sequence[StoredIncident],
    out: TextIO,
    parties: Mapping[str, str] | None = None,
    oblast_names: Mapping[str, str] | None = None,
) -> int:
    """Write findings or incidents as ACLED-layout CSV; returns the number of rows."""
    parties = parties or {}
    oblast_names = oblast_names or {}
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in items:
        if isinstance(item, StoredFinding):
            sources = [uid.split(":", 1)[0] for uid, _ in item.evidence]
            state = effective_state(item.level, item.responsible, item.confidence, item.decisions)
            row = _row(
                item.finding_id,
                item.observed_at,
                item.kind,
                state.responsible,
                item.oblast,
                item.lon,
                item.lat,
                None,
                sources,
                (*item.reasons, *state.reasons),
                f"verification: {state.level}; grade: {item.grade}; rule: {item.rule_id}; "
                f"severity: {item.severity}; zone: {item.zone}; incident: {item.incident_id}",
                parties,
                oblast_names,
            )
        else:
            s = item.state
            row = _row(
                item.incident_id,
                s.start,
                _main_kind(s.kinds),
                "",
                s.oblast,
                s.lon,
                s.lat,
                s.uncertainty_m,
                s.sources,
                s.verification.reasons,
                f"verification: {s.verification.level.value}; grade: {s.verification.grade}; "
                f"members: {s.members}",
                parties,
                oblast_names,
            )
        writer.writerow(row)
    return len(items)


def _point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    if lon is None or lat is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def findings_geojson(findings: Sequence[StoredFinding]) -> dict[str, Any]:
    """Findings as a FeatureCollection, with reasons, decisions, replies and evidence."""
    features = []
    for f in findings:
        state = effective_state(f.level, f.responsible, f.confidence, f.decisions)
        features.append(
            {
                "type": "Feature",
                "id": f.finding_id,
                "geometry": _point(f.lon, f.lat),
                "properties": {
                    "finding_id": f.finding_id,
                    "incident_id": f.incident_id,
                    "rule": f.rule_id,
                    "severity": f.severity,
                    "kind": f.kind,
                    "zone": f.zone or None,
                    "zones": list(f.zones),
                    "observed_at": _iso(f.observed_at),
                    "oblast": f.oblast or None,
                    "side": f.side or None,
                    "signed_distance_m": f.signed_distance_m,
                    "level": state.level,
                    "computed_level": f.level,
                    "grade": f.grade,
                    "responsible": state.responsible or None,
                    "confidence": state.confidence,
                    "decision_reasons": list(state.reasons),
                    "reasons": list(f.reasons),
                    "evidence": [{"uid": u, "role": r} for u, r in f.evidence],
                    "decisions": [
                        {
                            "action": d.action.value,
                            "party": d.party or None,
                            "reason": d.reason,
                            "analyst": d.analyst,
                            "decided_at": _iso(d.decided_at),
                        }
                        for d in f.decisions
                    ],
                    "replies": [
                        {"party": r.party, "text": r.text, "replied_at": _iso(r.replied_at)}
                        for r in f.replies
                    ],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def incidents_geojson(incidents: Sequence[StoredIncident]) -> dict[str, Any]:
    """Incidents as a FeatureCollection (null geometry never occurs: incidents are located)."""
    features = []
    for i in incidents:
        s = i.state
        features.append(
            {
                "type": "Feature",
                "id": i.incident_id,
                "geometry": _point(s.lon, s.lat),
                "properties": {
                    "incident_id": i.incident_id,
                    "start": _iso(s.start),
                    "end": _iso(s.end),
                    "uncertainty_m": s.uncertainty_m,
                    "oblast": s.oblast or None,
                    "side": s.side or None,
                    "signed_distance_m": s.signed_distance_m,
                    "level": s.verification.level.value,
                    "grade": s.verification.grade,
                    "kinds": list(s.kinds),
                    "sources": list(s.sources),
                    "reasons": list(s.verification.reasons),
                    "members": [{"uid": u, "role": r} for u, r in i.member_uids],
                    "merged_from": list(i.merged_from),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def dump_geojson(collection: dict[str, Any], out: TextIO) -> None:
    json.dump(collection, out, ensure_ascii=False)
    out.write("\n")
