"""Request models of the API: strict (no coercion: "12" is not a number) and closed
(``extra="forbid"``: an unknown field or query parameter is refused, not ignored).

Query strings are text by nature, so query models parse numbers and times from it, but
still refuse unknown parameters and times without an offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ceasefire.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from ceasefire.observations.taxonomy import Kind
from ceasefire.verification.levels import Level
from ceasefire.verification.records import Action

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:/-]{1,100}$")]
PartyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Window(BaseModel):
    """A time window: ``since`` inclusive, ``until`` exclusive, both with an offset."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(None, description="From this time, inclusive.")
    until: AwareDatetime | None = Field(None, description="Up to this time, exclusive.")


class Paging(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="`next_cursor` of the previous page."
    )


class ObservationFilters(Window, Paging):
    kind: list[Kind] = Field(default_factory=list, description="Any of these kinds.")
    source: list[Code] = Field(default_factory=list, description="From any of these sources.")
    zone: Code | None = Field(None, description="Inside this zone of the active agreement.")
    side: PartyCode | None = Field(None, description="On this party's side of the line.")
    oblast: Code | None = Field(None, description="In this oblast (ISO 3166-2, e.g. UA-14).")


class IncidentFilters(ObservationFilters):
    level: Level | None = Field(None, description="At this verification level.")


class FindingFilters(IncidentFilters):
    rule: Code | None = Field(None, description="Under this rule of the agreement.")


class ExportFilters(Window):
    kind: list[Kind] = Field(default_factory=list)
    source: list[Code] = Field(default_factory=list)
    zone: Code | None = None
    side: PartyCode | None = None
    oblast: Code | None = None
    level: Level | None = None
    rule: Code | None = None


class PublicFilters(Window, Paging):
    level: Level | None = None
    zone: Code | None = None
    oblast: Code | None = None


class AuditFilters(Window, Paging):
    user: Code | None = Field(None, description="Only this user id.")
    action: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="Only actions containing this text, e.g. `/findings`."
    )


class DecisionIn(BaseModel):
    """An analyst's decision: ``attribute`` names the party now held responsible."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # FastAPI validates the decoded JSON as Python objects, where strict mode would want an
    # Action instance: accept the enum's string values (and nothing else) here.
    action: Annotated[Action, Field(strict=False)]
    reason: Text
    party: PartyCode | None = None


class ReplyIn(BaseModel):
    """A party's reply to a finding concerning it, kept verbatim."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: Text


class Me(BaseModel):
    user_id: str
    name: str
    role: str
    party: str | None


class AgreementOut(BaseModel):
    key: int
    agreement_id: str
    version: int
    content_sha256: str
    effective: datetime
    loaded_at: datetime
    active: bool


class ReportOut(BaseModel):
    """A published report: its window, the files that can be fetched, its ledger leaf."""

    name: str
    title: str
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    leaf_index: int
    files: list[str]


class AuditOut(BaseModel):
    id: int
    at: datetime
    user_id: str
    role: str
    party: str | None
    action: str
    target: str
    params: dict[str, object]
    status: int
