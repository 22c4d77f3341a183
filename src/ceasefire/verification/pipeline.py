"""One verification run: group a window's observations into incidents and judge them.

``verify_window(store, repo, agreement, key, start, end)`` reads the stored observations of
``[start - margin, end + margin)`` with their zone assessment under the agreement version
(plus the whole time range of any stored incident they belong to), groups them, reconciles
the result with the stored incidents (ids never move, see ``incremental.py``), and writes,
for every incident with a locating member inside ``[start, end)``, its state and its
findings. Incidents reaching past the margin are completed by the runs of later windows
(grouping only ever merges). Re-running a window changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ceasefire.agreement.model import Agreement
from ceasefire.geo import project_xy
from ceasefire.observations.model import NO_TIME
from ceasefire.store.base import ObservationQuery, Store, StoredObservation
from ceasefire.timeutil import from_epoch_us, to_epoch_us
from ceasefire.verification.coverage import CoverageGap, gap_from_observation, gaps_in
from ceasefire.verification.findings import judge
from ceasefire.verification.grouping import GroupingInput, group
from ceasefire.verification.incremental import reconcile
from ceasefire.verification.levels import MemberFacts, verify
from ceasefire.verification.model import IncidentState, RunOutput, VerificationRepository
from ceasefire.verification.tolerances import GroupingParams

logger = logging.getLogger(__name__)

DEFAULT_MARGIN = timedelta(days=2)
LOCATES = "locates"
CORROBORATES = "corroborates"


@dataclass(frozen=True, slots=True)
class RunSummary:
    observations: int
    incidents: int
    new: int
    extended: int
    merges: int
    findings: int
    new_states: int
    new_finding_states: int


def _uid(o: StoredObservation) -> str:
    return f"{o.source}:{o.source_id}"


def grouping_input(rows: Sequence[StoredObservation], crs: str) -> GroupingInput:
    """Columns for the grouping from stored observations (projected to ``crs``)."""
    nan = float("nan")
    lon = np.array([nan if o.lon is None else o.lon for o in rows], dtype=np.float64)
    lat = np.array([nan if o.lat is None else o.lat for o in rows], dtype=np.float64)
    x, y = project_xy(lon, lat, crs)
    return GroupingInput(
        uid=[_uid(o) for o in rows],
        source=[o.source for o in rows],
        kind=[o.kind for o in rows],
        start_us=np.array([to_epoch_us(o.observed_at) for o in rows], dtype=np.int64),
        end_us=np.array(
            [NO_TIME if o.observed_until is None else to_epoch_us(o.observed_until) for o in rows],
            dtype=np.int64,
        ),
        x=x,
        y=y,
        uncertainty_m=np.array(
            [nan if o.uncertainty_m is None else o.uncertainty_m for o in rows], dtype=np.float64
        ),
        oblast=[o.oblast or (o.area or "").split("/", 1)[0] for o in rows],
    )


def incident_state(
    incident_id: str, anchors: Sequence[StoredObservation], members: Sequence[StoredObservation]
) -> IncidentState:
    """Summary of an incident: span, best location, level and grade."""
    best = min(anchors, key=lambda o: (o.uncertainty_m or 0.0, o.observed_at, _uid(o)))
    anchor_ids = {id(o) for o in anchors}
    verification = verify(MemberFacts(o.source, o.kind, id(o) in anchor_ids) for o in members)
    return IncidentState(
        incident_id=incident_id,
        start=min(o.observed_at for o in anchors),
        end=max(o.observed_until or o.observed_at for o in anchors),
        lon=best.lon,
        lat=best.lat,
        uncertainty_m=best.uncertainty_m,
        oblast=best.oblast,
        side=best.side,
        signed_distance_m=best.signed_distance_m,
        verification=verification,
        kinds=tuple(sorted({o.kind for o in members})),
        sources=tuple(sorted({o.source for o in members})),
        members=len(members),
    )


def _load(
    store: Store, repo: VerificationRepository, key: int, since: datetime, until: datetime
) -> list[StoredObservation]:
    rows = store.query_observations(ObservationQuery(since=since, until=until, agreement_key=key))
    stored = repo.memberships([o.rowid for o in rows])
    span = repo.member_time_range(sorted(set(stored.values())))
    if span is not None and (span[0] < to_epoch_us(since) or span[1] >= to_epoch_us(until)):
        since = min(since, from_epoch_us(span[0]))
        until = max(until, from_epoch_us(span[1] + 1))
        rows = store.query_observations(
            ObservationQuery(since=since, until=until, agreement_key=key)
        )
    return rows


def verify_window(
    store: Store,
    repo: VerificationRepository,
    agreement: Agreement,
    agreement_key: int,
    start: datetime,
    end: datetime,
    *,
    params: GroupingParams | None = None,
    margin: timedelta = DEFAULT_MARGIN,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunSummary:
    """Group and judge ``[start, end)`` under ``agreement`` (see the module docstring)."""
    params = params or GroupingParams()
    step = progress or (lambda _what, _done, _total: None)
    step("reading observations", 0, 4)
    rows = _load(store, repo, agreement_key, start - margin, end + margin)
    stored_by_row = repo.memberships([o.rowid for o in rows])
    stored = {_uid(o): stored_by_row[o.rowid] for o in rows if o.rowid in stored_by_row}
    step("grouping", 1, 4)
    inp = grouping_input(rows, agreement.geography.crs)
    grouping = group(inp, params)
    plan = reconcile(grouping, inp.uid, stored)
    step("judging", 2, 4)
    lo, hi = to_epoch_us(start), to_epoch_us(end)
    attached: dict[int, list[int]] = {}
    for row, comp in zip(
        grouping.attach_row.tolist(), grouping.attach_component.tolist(), strict=True
    ):
        attached.setdefault(comp, []).append(row)
    output = RunOutput(
        agreement_key=agreement_key,
        window_start=start,
        window_end=end,
        params_json=params.as_json(),
        observations=len(rows),
    )
    for k, anchor_rows in enumerate(grouping.members()):
        if not any(lo <= int(inp.start_us[i]) < hi for i in anchor_rows):
            continue
        incident_id = plan.component_id[k]
        if incident_id in plan.founder:
            output.founders[incident_id] = plan.founder[incident_id]
        if incident_id in plan.merges:
            output.merges[incident_id] = plan.merges[incident_id]
        elif incident_id in plan.extended:
            output.extended += 1
        anchors = [rows[i] for i in anchor_rows]
        corroborators = [rows[i] for i in attached.get(k, [])]
        members = anchors + corroborators
        output.members.extend((incident_id, o.rowid, LOCATES) for o in anchors)
        output.members.extend((incident_id, o.rowid, CORROBORATES) for o in corroborators)
        state = incident_state(incident_id, anchors, members)
        output.states.append(state)
        output.findings.extend(judge(agreement, incident_id, anchors, members, state.verification))
    step("writing", 3, 4)
    new_states, new_finding_states, _ = repo.apply(output)
    step("done", 4, 4)
    summary = RunSummary(
        observations=len(rows),
        incidents=len(output.states),
        new=len(output.founders) - len(output.merges),
        extended=output.extended,
        merges=len(output.merges),
        findings=len(output.findings),
        new_states=new_states,
        new_finding_states=new_finding_states,
    )
    logger.info("verification run %s..%s: %s", start, end, summary)
    return summary


def params_from(
    link_slack_m: float, locate_max_m: float, corroborate_max_m: float, tolerances_json: str
) -> GroupingParams:
    """Grouping parameters from the settings' values."""
    from ceasefire.verification.tolerances import parse_tolerance_overrides

    return GroupingParams(
        tolerances=parse_tolerance_overrides(tolerances_json),
        link_slack_m=link_slack_m,
        locate_max_m=locate_max_m,
        corroborate_max_m=corroborate_max_m,
    )


def window_gaps(
    store: Store,
    repo: VerificationRepository,
    agreement_key: int | None,
    start: datetime,
    end: datetime,
) -> list[CoverageGap]:
    """Every coverage gap overlapping ``[start, end)``: recorded gaps and monitors'
    ``movement_restriction`` reports (a report of a denial is a denial)."""
    recorded = repo.gaps(start, end)
    reports = store.query_observations(
        ObservationQuery(
            since=start - DEFAULT_MARGIN,
            until=end,
            kinds=("movement_restriction",),
            agreement_key=agreement_key,
        )
    )
    derived = [gap_from_observation(o) for o in reports]
    return gaps_in([*recorded, *derived], start, end)
