"""GET /audit: the audit log, for analysts and the chief."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ceasefire.access.identity import Principal, Role
from ceasefire.access.users import AuditQuery
from ceasefire.api.auth import require
from ceasefire.api.models import AuditFilters, AuditOut
from ceasefire.api.pagination import CursorError, Page, decode_cursor, encode_cursor
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state

router = APIRouter(prefix=API_PREFIX, tags=["audit"])


@router.get("/audit", response_model=Page[AuditOut])
def audit(
    filters: Annotated[AuditFilters, Query()],
    principal: Annotated[Principal, Depends(require(Role.ANALYST, Role.CHIEF))],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[AuditOut]:
    """Audited requests (every write, every read of restricted data), oldest first."""
    state.policy.audit_reader(principal)
    after = 0 if filters.cursor is None else int(decode_cursor(filters.cursor, [int])[0])
    if after < 0:
        raise CursorError("query.cursor: not a cursor of this list")
    entries = state.access.entries(
        AuditQuery(
            since=filters.since,
            until=filters.until,
            user=filters.user,
            action=filters.action,
            after_id=after,
            limit=filters.limit + 1,
        )
    )
    page = entries[: filters.limit]
    more = len(entries) > filters.limit
    return Page[AuditOut](
        items=[AuditOut.model_validate(e, from_attributes=True) for e in page],
        next_cursor=encode_cursor([page[-1].id]) if more else None,
    )
