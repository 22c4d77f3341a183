"""The evidence ledger over HTTP: signed checkpoints and proofs that ``ceasefire-verify`` checks.

A proof reveals only hashes, and anyone holding a checkpoint may check it, so the
checkpoint, an inclusion proof by leaf index and a consistency proof are open to all (and
not audited). The *data* of a leaf is the record itself: it comes only with the proof of a
record the caller may read (a finding, an observation), and the policy decides which:

* the mission (analysts, the chief) reads every record, so its bundles carry ``leaf_data``;
* a monitor gets its own field reports, with their data;
* a liaison or guarantor gets the proof of a finding it may see, with the leaf hash only
  (the finding record names sources the policy shows them only as opaque references);
* everyone else: not found, as for the record itself.

Bundles are exactly those of ``ceasefire ledger proof``: ``ceasefire-verify inclusion
bundle.json --vkeys mission.vkeys`` checks them with the mission's public keys.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ceasefire.access.identity import Principal, Role
from ceasefire.api.audit import PUBLIC_TAG
from ceasefire.api.auth import require
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state
from ceasefire.errors import NotFoundError
from ceasefire.ledger_ops import (
    checkpoint_of,
    consistency_bundle,
    inclusion_bundle,
    latest_checkpoint,
)
from ceasefire.store.base import ObservationQuery

router = APIRouter(prefix=API_PREFIX)
_OPEN: list[str | Enum] = [PUBLIC_TAG, "ledger"]
_RECORDS: list[str | Enum] = ["ledger"]  # reads of restricted records: audited

_NOTE_TYPE = "text/plain; charset=utf-8"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckpointQuery(_Strict):
    published: bool = Field(
        False, description="The latest checkpoint published with its witnesses' quorum."
    )


class LeafQuery(_Strict):
    leaf: int = Field(ge=0, lt=2**53, description="Leaf index.")
    size: int | None = Field(
        None, ge=1, lt=2**53, description="Tree size of a stored checkpoint (default: latest)."
    )


class FindingLeafQuery(_Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Finding id."
    )
    size: int | None = Field(None, ge=1, lt=2**53)


class ObservationLeafQuery(_Strict):
    uid: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Observation uid (source:source_id)."
    )
    size: int | None = Field(None, ge=1, lt=2**53)


class ConsistencyQuery(_Strict):
    old: int = Field(ge=0, lt=2**53, description="Tree size of the older stored checkpoint.")
    new: int | None = Field(
        None, ge=0, lt=2**53, description="Tree size of the newer one (default: latest)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> ConsistencyQuery:
        if self.new is not None and self.old > self.new:
            raise ValueError("old must not be larger than new")
        return self


class InclusionBundle(BaseModel):
    """An inclusion proof bundle (docs/ledger.md#proof-bundles)."""

    type: Literal["inclusion"]
    checkpoint: str = Field(description="The signed checkpoint note the proof is against.")
    leaf_index: int
    proof: list[str] = Field(description="Base64 hashes, leaf to root.")
    leaf_hash: str = Field(description="Base64 RFC 6962 leaf hash.")
    leaf_data: str | None = Field(
        None, description="The record's canonical JSON, for callers who may read the record."
    )


class ConsistencyBundle(BaseModel):
    type: Literal["consistency"]
    old_checkpoint: str
    new_checkpoint: str
    proof: list[str]


def _inclusion(state: ApiState, leaf: int, size: int | None, with_data: bool) -> InclusionBundle:
    with state.lock:
        store = state.store
        checkpoint = checkpoint_of(store, size)
        bundle = inclusion_bundle(store, leaf, checkpoint, with_data=with_data)
    return InclusionBundle.model_validate(bundle)


@router.get("/ledger/checkpoint", response_class=PlainTextResponse, tags=_OPEN)
def checkpoint(
    query: Annotated[CheckpointQuery, Query()],
    state: Annotated[ApiState, Depends(get_state)],
) -> PlainTextResponse:
    """The latest signed checkpoint as a C2SP signed note (text/plain)."""
    with state.lock:
        found = latest_checkpoint(state.store, published_only=query.published)
    return PlainTextResponse(found.note, media_type=_NOTE_TYPE)


@router.get(
    "/ledger/proof/inclusion",
    response_model=InclusionBundle,
    response_model_exclude_none=True,
    tags=_OPEN,
)
def inclusion_by_leaf(
    query: Annotated[LeafQuery, Query()],
    state: Annotated[ApiState, Depends(get_state)],
) -> InclusionBundle:
    """The inclusion proof of a leaf against a stored checkpoint: hashes only, for anyone."""
    return _inclusion(state, query.leaf, query.size, with_data=False)


@router.get(
    "/ledger/proof/consistency",
    response_model=ConsistencyBundle,
    response_model_exclude_none=True,
    tags=_OPEN,
)
def consistency(
    query: Annotated[ConsistencyQuery, Query()],
    state: Annotated[ApiState, Depends(get_state)],
) -> ConsistencyBundle:
    """The proof that the stored checkpoint of size ``new`` extends the one of size ``old``."""
    with state.lock:
        new = query.new if query.new is not None else latest_checkpoint(state.store).size
        if query.old > new:
            raise NotFoundError(f"no stored checkpoint of size {query.old} before size {new}")
        bundle = consistency_bundle(state.store, query.old, new)
    return ConsistencyBundle.model_validate(bundle)


@router.get(
    "/ledger/proof/inclusion/finding",
    response_model=InclusionBundle,
    response_model_exclude_none=True,
    tags=_RECORDS,
)
def inclusion_of_finding(
    query: Annotated[FindingLeafQuery, Query()],
    principal: Annotated[
        Principal, Depends(require(Role.ANALYST, Role.CHIEF, Role.LIAISON, Role.GUARANTOR))
    ],
    state: Annotated[ApiState, Depends(get_state)],
) -> InclusionBundle:
    """The inclusion proof of a finding's current state, for a caller who may see it."""
    with state.lock:
        repo = state.verification
        state.policy.finding(principal, repo, query.id)  # not found unless visible
        leaf = repo.finding_leaf(query.id)
    return _inclusion(state, leaf, query.size, with_data=state.policy.is_mission(principal))


@router.get(
    "/ledger/proof/inclusion/observation",
    response_model=InclusionBundle,
    response_model_exclude_none=True,
    tags=_RECORDS,
)
def inclusion_of_observation(
    query: Annotated[ObservationLeafQuery, Query()],
    principal: Annotated[Principal, Depends(require(Role.MONITOR, Role.ANALYST, Role.CHIEF))],
    state: Annotated[ApiState, Depends(get_state)],
) -> InclusionBundle:
    """The inclusion proof of an observation, with its data, for a caller who may read it
    (as ``GET /observations``: the mission, and a monitor for its own reports)."""
    scoped = state.policy.observation_query(principal, ObservationQuery())
    with state.lock:
        ledger = state.store.ledger
        if scoped.submitter is not None and ledger.submitter_of(query.uid) != scoped.submitter:
            raise NotFoundError(f"no observation {query.uid!r}")  # as if it did not exist
        leaf = ledger.leaf_of_uid(query.uid)
    return _inclusion(state, leaf, query.size, with_data=True)
