"""Warnings: issued forecasts of renewed or escalating activity, for the roles that may read them.

Who may read them is the access policy's decision (``Policy.may_read_warnings``:
analysts, the chief and guarantors); ``require`` only keeps everyone else out at the door.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from ceasefire.access.identity import Principal
from ceasefire.access.policy import WARNING_READERS
from ceasefire.api.auth import require
from ceasefire.api.models import Code, Paging, Window
from ceasefire.api.pagination import Page, decode_cursor, encode_cursor
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state
from ceasefire.store.warnings_sqlite import SqliteWarnings, StoredWarning, WarningQuery
from ceasefire.timeutil import from_epoch_us, to_epoch_us
from ceasefire.warning.model import WarningEvent

router = APIRouter(prefix=API_PREFIX, tags=["warnings"])

_READERS = tuple(sorted(WARNING_READERS))
WarningId = Annotated[str, Path(max_length=100)]


class WarningFilters(Window, Paging):
    """Warnings valid at some time in ``[since, until)``, by area, event and probability."""

    area: list[Code] = Field(
        default_factory=list, description="Only these areas (e.g. UA-14, cell25km:3:-2)."
    )
    event: list[WarningEvent] = Field(default_factory=list, description="Only these events.")
    min_probability: float | None = Field(
        None, ge=0.0, le=1.0, allow_inf_nan=False, description="Probability at least this."
    )


class DriverOut(BaseModel):
    """One signal that drove a warning: its latest value against the expected one."""

    signal: str
    area_id: str
    value: float
    expected: float
    note: str


class WarningOut(BaseModel):
    """A warning as issued, with the ledger leaf it was recorded as."""

    warning_id: str
    issued_at: datetime
    valid_from: datetime
    valid_to: datetime
    lead_time_s: float
    area_id: str
    area_name: str
    event: WarningEvent
    signal: str
    probability: float
    expected_count: float
    threshold: float
    model: str
    drivers: list[DriverOut]
    lon: float | None
    lat: float | None
    leaf_index: int | None


def warning_out(stored: StoredWarning) -> WarningOut:
    return WarningOut.model_validate({**stored.record.as_dict(), "leaf_index": stored.leaf_index})


@router.get("/warnings", response_model=Page[WarningOut])
def warnings(
    filters: Annotated[WarningFilters, Query()],
    principal: Annotated[Principal, Depends(require(*_READERS))],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[WarningOut]:
    """Warnings by start of validity, oldest first."""
    after = None
    if filters.cursor is not None:
        valid_from_us, warning_id = decode_cursor(filters.cursor, (int, str))
        after = (from_epoch_us(valid_from_us), warning_id)
    query = WarningQuery(
        since=filters.since,
        until=filters.until,
        area_ids=tuple(filters.area),
        events=tuple(filters.event),
        min_probability=filters.min_probability,
        limit=filters.limit + 1,  # one more than asked: is there a next page?
        after=after,
    )
    with state.lock:
        stored = SqliteWarnings(state.store).query(query)
    window = stored[: filters.limit]
    visible = {r.warning_id for r in state.policy.warnings(principal, [s.record for s in window])}
    cursor = None
    if len(stored) > filters.limit:  # the cursor follows the store's order, seen or not
        last = window[-1].record
        cursor = encode_cursor((to_epoch_us(last.valid_from), last.warning_id))
    items = [warning_out(s) for s in window if s.record.warning_id in visible]
    return Page[WarningOut](items=items, next_cursor=cursor)


@router.get("/warnings/{warning_id}", response_model=WarningOut)
def warning(
    warning_id: WarningId,
    principal: Annotated[Principal, Depends(require(*_READERS))],
    state: Annotated[ApiState, Depends(get_state)],
) -> WarningOut:
    """One warning, with the signals that drove it."""
    with state.lock:
        stored = SqliteWarnings(state.store).get(warning_id)
    state.policy.warning(principal, stored.record)
    return warning_out(stored)
