"""GET /public/findings: what the public may see of the record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ceasefire.access.views import PublicFindingView
from ceasefire.api.audit import PUBLIC_TAG
from ceasefire.api.models import PublicFilters
from ceasefire.api.pagination import Page, paginate
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state
from ceasefire.timeutil import to_epoch_us
from ceasefire.verification.model import VerificationQuery

router = APIRouter(prefix=API_PREFIX, tags=[PUBLIC_TAG])


@router.get("/public/findings", response_model=Page[PublicFindingView])
def public_findings(
    filters: Annotated[PublicFilters, Query()],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[PublicFindingView]:
    """Published findings (inside a published report's window, at least
    ``public_delay_hours`` old, not rejected), placed at the centre of their
    ``public_grid_m`` grid cell, with member counts by source type and no identities.
    The same for every caller, token or not."""
    key = state.active_key()
    query = VerificationQuery(
        since=filters.since,
        until=filters.until,
        zone=filters.zone,
        oblast=filters.oblast,
        agreement_key=key,
        level=None if filters.level is None else filters.level.value,
    )
    published = state.access.published_reports()
    with state.lock:
        views = state.policy.public_findings(
            state.verification, published, query, datetime.now(UTC)
        )
    return paginate(
        views, lambda v: (to_epoch_us(v.observed_at), v.finding_id), filters.limit, filters.cursor
    )
