"""GET /observations: observations with the CLI's filters, as the policy scopes them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ceasefire.access.identity import Principal, Role
from ceasefire.api.auth import require
from ceasefire.api.models import ObservationFilters
from ceasefire.api.pagination import CursorError, Page, decode_cursor, encode_cursor
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state
from ceasefire.store.base import ObservationQuery, StoredObservation

router = APIRouter(prefix=API_PREFIX, tags=["observations"])


class ObservationOut(BaseModel):
    uid: str
    source: str
    source_id: str
    observed_at: datetime
    observed_until: datetime | None
    kind: str
    lon: float | None
    lat: float | None
    uncertainty_m: float | None
    area: str | None
    weapon_class: str | None
    attributes: dict[str, Any]
    side: str
    oblast: str
    zones: list[str]
    signed_distance_m: float | None
    raw: str

    @classmethod
    def of(cls, o: StoredObservation) -> ObservationOut:
        return cls(
            uid=f"{o.source}:{o.source_id}",
            source=o.source,
            source_id=o.source_id,
            observed_at=o.observed_at,
            observed_until=o.observed_until,
            kind=o.kind,
            lon=o.lon,
            lat=o.lat,
            uncertainty_m=o.uncertainty_m,
            area=o.area,
            weapon_class=o.weapon_class,
            attributes=json.loads(o.attributes_json or "{}"),
            side=o.side,
            oblast=o.oblast,
            zones=list(o.zones),
            signed_distance_m=o.signed_distance_m,
            raw=o.raw,
        )


def observation_query(filters: ObservationFilters, agreement_key: int | None) -> ObservationQuery:
    """The store query of the API's filters (the same as ``ceasefire observations``)."""
    return ObservationQuery(
        since=filters.since,
        until=filters.until,
        kinds=tuple(k.value for k in filters.kind),
        sources=tuple(filters.source),
        zone=filters.zone,
        side=filters.side,
        oblast=filters.oblast,
        agreement_key=agreement_key,
    )


@router.get("/observations", response_model=Page[ObservationOut])
def observations(
    filters: Annotated[ObservationFilters, Query()],
    principal: Annotated[Principal, Depends(require(Role.MONITOR, Role.ANALYST, Role.CHIEF))],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[ObservationOut]:
    """Observations, oldest first: the mission sees all, a monitor its own reports."""
    offset = 0 if filters.cursor is None else int(decode_cursor(filters.cursor, [int])[0])
    if offset < 0:
        raise CursorError("query.cursor: not a cursor of this list")
    key = state.active_key()
    if key is None and (filters.zone or filters.side or filters.oblast):
        return Page[ObservationOut](items=[], next_cursor=None)  # nothing was placed yet
    query = state.policy.observation_query(principal, observation_query(filters, key))
    with state.lock:
        rows = state.store.query_observations(
            replace(query, limit=filters.limit + 1, offset=offset)
        )
    more = len(rows) > filters.limit
    items = [ObservationOut.of(o) for o in rows[: filters.limit]]
    return Page[ObservationOut](
        items=items, next_cursor=encode_cursor([offset + filters.limit]) if more else None
    )
