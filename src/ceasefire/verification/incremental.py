"""Keeping incident ids stable as observations arrive late.

A fresh grouping names each incident after its earliest anchor. Once incidents are stored,
their ids must not move: an incident's id is fixed by its **first-accepted** member. So a
new grouping (over the stored anchors plus the new ones) is reconciled with what is stored:

- a component with no stored member is a **new** incident, with the canonical id;
- a component whose stored members all belong to one incident **extends** it (same id);
- a component joining stored members of several incidents is a **merge**: a new incident
  whose id is derived from the merged ids, recorded with a merge record pointing at each of
  them. The old incidents are never renumbered or edited; they are superseded.

Because adding observations only merges components, the partition of observations into
current incidents is always the one a fresh grouping of everything would give.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from ceasefire.verification.grouping import Grouping


def merged_id(ids: list[str]) -> str:
    """The id of the incident that merges ``ids`` (order-independent)."""
    text = "merge:" + ",".join(sorted(set(ids)))
    return "inc-" + hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(slots=True)
class IncidentPlan:
    """What a grouping run changes in the store."""

    component_id: list[str]  # final id of every component
    new: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    merges: dict[str, list[str]] = field(default_factory=dict)  # new id -> ids merged
    unchanged: list[str] = field(default_factory=list)
    founder: dict[str, str] = field(default_factory=dict)  # new incident id -> founding uid


def reconcile(grouping: Grouping, uids: list[str], stored: Mapping[str, str]) -> IncidentPlan:
    """Plan the run: ``stored`` maps a row's uid to its current incident (anchors only)."""
    plan = IncidentPlan(component_id=[""] * grouping.n_incidents)
    for k, rows in enumerate(grouping.members()):
        known = sorted({stored[uids[i]] for i in rows if uids[i] in stored})
        fresh = any(uids[i] not in stored for i in rows)
        if not known:
            plan.component_id[k] = grouping.incident_ids[k]
            plan.new.append(grouping.incident_ids[k])
            plan.founder[grouping.incident_ids[k]] = _founder(grouping, k, rows, uids)
        elif len(known) == 1:
            plan.component_id[k] = known[0]
            (plan.extended if fresh else plan.unchanged).append(known[0])
        else:
            new_id = merged_id(known)
            plan.component_id[k] = new_id
            plan.merges[new_id] = known
            plan.founder[new_id] = _founder(grouping, k, rows, uids)
    return plan


def _founder(grouping: Grouping, k: int, rows: list[int], uids: list[str]) -> str:
    """The uid whose hash is the canonical id of component ``k``."""
    for i in rows:
        if grouping.incident_ids[k] == _canonical(uids[i]):
            return uids[i]
    return uids[rows[0]]  # pragma: no cover - the canonical id always comes from a member


def _canonical(uid: str) -> str:
    from ceasefire.verification.grouping import incident_id_for

    return incident_id_for(uid)
