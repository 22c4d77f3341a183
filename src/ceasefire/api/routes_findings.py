"""Incidents and findings (as the policy shapes them), analysts' decisions, parties' replies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from ceasefire.access.identity import Principal, Role
from ceasefire.access.views import DecisionView, FindingView, IncidentView, ReplyView
from ceasefire.api.auth import require
from ceasefire.api.models import (
    DecisionIn,
    ExportFilters,
    FindingFilters,
    IncidentFilters,
    ReplyIn,
)
from ceasefire.api.pagination import Page, paginate
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state
from ceasefire.errors import InputError
from ceasefire.timeutil import to_epoch_us
from ceasefire.verification.model import VerificationQuery
from ceasefire.verification.records import Action, Decision, Reply

router = APIRouter(prefix=API_PREFIX, tags=["verification"])

_READERS = (Role.ANALYST, Role.CHIEF, Role.LIAISON, Role.GUARANTOR)
FindingId = Annotated[str, Path(max_length=200)]


def verification_query(
    filters: IncidentFilters | FindingFilters | ExportFilters, agreement_key: int | None
) -> VerificationQuery:
    """The verification query of the API's filters (those of ``ceasefire findings``, also
    used by the exports)."""
    return VerificationQuery(
        since=filters.since,
        until=filters.until,
        kinds=tuple(k.value for k in filters.kind),
        sources=tuple(filters.source),
        zone=filters.zone,
        side=filters.side,
        oblast=filters.oblast,
        agreement_key=agreement_key,
        level=None if filters.level is None else filters.level.value,
        rule=getattr(filters, "rule", None),
    )


def _no_place(filters: IncidentFilters, key: int | None) -> bool:
    """Zone, side and oblast filters need an agreement: without one nothing matches."""
    return key is None and bool(filters.zone or filters.side or filters.oblast)


@router.get("/incidents", response_model=Page[IncidentView])
def incidents(
    filters: Annotated[IncidentFilters, Query()],
    principal: Annotated[Principal, Depends(require(*_READERS))],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[IncidentView]:
    """Incidents by start time, as the caller may see them."""
    key = state.active_key()
    if _no_place(filters, key):
        return Page[IncidentView](items=[])
    with state.lock:
        views = state.policy.incidents(
            principal, state.verification, verification_query(filters, key)
        )
    return paginate(
        views, lambda v: (to_epoch_us(v.start), v.incident_id), filters.limit, filters.cursor
    )


@router.get("/incidents/{incident_id}", response_model=IncidentView)
def incident(
    incident_id: FindingId,
    principal: Annotated[Principal, Depends(require(*_READERS))],
    state: Annotated[ApiState, Depends(get_state)],
) -> IncidentView:
    with state.lock:
        return state.policy.incident(principal, state.verification, incident_id)


@router.get("/findings", response_model=Page[FindingView])
def findings(
    filters: Annotated[FindingFilters, Query()],
    principal: Annotated[Principal, Depends(require(*_READERS))],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[FindingView]:
    """Findings by time, with evidence, reasons, decisions and replies as the caller may see
    them; ``level`` filters on the level after analysts' decisions."""
    key = state.active_key()
    if _no_place(filters, key):
        return Page[FindingView](items=[])
    with state.lock:
        views = state.policy.findings(
            principal, state.verification, verification_query(filters, key)
        )
    return paginate(
        views, lambda v: (to_epoch_us(v.observed_at), v.finding_id), filters.limit, filters.cursor
    )


@router.get("/findings/{finding_id}", response_model=FindingView)
def finding(
    finding_id: FindingId,
    principal: Annotated[Principal, Depends(require(*_READERS))],
    state: Annotated[ApiState, Depends(get_state)],
) -> FindingView:
    with state.lock:
        return state.policy.finding(principal, state.verification, finding_id)


class DecisionPartyError(InputError):
    """``party`` is missing from an attribution, given without one, or not a party."""

    field = "body.party"


def _check_party(state: ApiState, body: DecisionIn) -> None:
    """``attribute`` names a party of the active agreement; the other actions name none."""
    if body.action is not Action.ATTRIBUTE:
        if body.party is not None:
            raise DecisionPartyError("body.party: is given with `attribute` only")
        return
    _, agreement = state.active_agreement()
    if body.party not in agreement.party_codes:
        raise DecisionPartyError(
            f"body.party: give the party held responsible, one of {', '.join(agreement.party_codes)}"
        )


@router.post("/findings/{finding_id}/decisions", response_model=DecisionView, status_code=201)
def decide(
    finding_id: FindingId,
    body: DecisionIn,
    principal: Annotated[Principal, Depends(require(Role.ANALYST, Role.CHIEF))],
    state: Annotated[ApiState, Depends(get_state)],
) -> DecisionView:
    """Record an analyst's decision (confirm, reject, attribute to a party) on a finding."""
    _check_party(state, body)
    decision = Decision(
        finding_id=finding_id,
        action=Action(body.action),
        reason=body.reason,
        analyst=principal.name,
        decided_at=datetime.now(UTC),
        party=body.party or "",
    )
    with state.lock:
        stored = state.verification.add_decision(decision)
    return DecisionView(
        stored.id,
        stored.action.value,
        stored.party,
        stored.reason,
        stored.analyst,
        stored.decided_at,
    )


@router.post("/findings/{finding_id}/replies", response_model=ReplyView, status_code=201)
def reply(
    finding_id: FindingId,
    body: ReplyIn,
    principal: Annotated[Principal, Depends(require(Role.LIAISON))],
    state: Annotated[ApiState, Depends(get_state)],
) -> ReplyView:
    """Record the caller's party's reply to a finding concerning it."""
    with state.lock:
        target = state.policy.reply_target(principal, state.verification, finding_id)
        stored = state.verification.add_reply(
            Reply(
                finding_id=target.finding_id,
                party=principal.party or "",
                text=body.text,
                author=principal.name,
                replied_at=datetime.now(UTC),
            )
        )
    return ReplyView(stored.id, stored.party, stored.text, stored.author, stored.replied_at)
