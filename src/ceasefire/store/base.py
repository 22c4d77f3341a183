"""The storage contract. The core talks to a ``Store``; only adapters know SQL dialects.

Observations are append-only: the store never updates or deletes one. Identity is
(source, source's own id); writing the same observation again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ceasefire.agreement.model import Agreement
from ceasefire.observations.model import ObservationBatch, Rejection


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    """An agreement version as stored: its key in the store and what identifies its content."""

    key: int
    agreement_id: str
    version: int
    content_sha256: str
    effective: datetime
    loaded_at: datetime
    active: bool


@dataclass(frozen=True, slots=True)
class InputFileRecord:
    sha256: str
    name: str
    size: int
    source: str
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a batched write did: how many rows were new and how many were already there."""

    inserted: int
    duplicates: int


@dataclass(slots=True)
class PendingAssessment:
    """Observations not yet assessed under an agreement version, as columns."""

    rowids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    area: list[str | None]


@dataclass(slots=True)
class AssessmentRows:
    """Zone-engine answers for a set of stored observations (row i answers ``rowids[i]``)."""

    rowids: npt.NDArray[np.int64]
    signed_distance_m: npt.NDArray[np.float64]
    side: Sequence[str]
    oblast: Sequence[str]
    zone_ids: tuple[str, ...]
    in_zone: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ObservationQuery:
    """Filters for reading observations; every field left as None means 'any'."""

    since: datetime | None = None
    until: datetime | None = None
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    zone: str | None = None
    side: str | None = None
    oblast: str | None = None
    agreement_key: int | None = None
    limit: int | None = None
    offset: int = 0
    submitter: str | None = None  # only reports submitted through the API by this user id


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """An observation as read back, with where the zone engine placed it (if assessed)."""

    rowid: int
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
    attributes_json: str
    raw: str
    file_sha256: str
    file_row: int
    zones: tuple[str, ...] = ()
    signed_distance_m: float | None = None
    side: str = ""
    oblast: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One finished ingest run of a source: when it was received and how far its records reach.

    ``first_at``/``last_at`` bound the records the run stored first (``None`` when it stored
    none: an empty file, or only records already stored by an earlier run).
    """

    run: int
    source: str
    file_name: str
    received_at: datetime  # when the run finished
    accepted: int
    duplicates: int
    first_at: datetime | None
    last_at: datetime | None  # the latest moment any of its records covers (start or end)


@dataclass(frozen=True, slots=True)
class StoredRejection:
    source: str
    file_name: str
    file_sha256: str
    row: int
    field: str
    reason: str
    raw: str
    rejected_at: datetime


@dataclass(frozen=True, slots=True)
class ZoneCount:
    zone: str
    side: str
    count: int


@dataclass(slots=True)
class Summary:
    """Counts for a workspace at a glance."""

    observations_by_source: dict[str, int] = field(default_factory=dict)
    rejections_by_source: dict[str, int] = field(default_factory=dict)
    input_files: int = 0


class Store(Protocol):
    """What the core needs from storage. Implementations: ``store.sqlite.SQLiteStore``."""

    url: str

    def close(self) -> None: ...

    # agreements
    def save_agreement(self, agreement: Agreement, files: dict[str, bytes]) -> AgreementRecord: ...
    def agreements(self) -> list[AgreementRecord]: ...
    def active_agreement(self) -> AgreementRecord | None: ...
    def agreement_files(self, key: int) -> dict[str, bytes]: ...

    def bulk(self) -> AbstractContextManager[None]:
        """A context in which many writes follow each other (storage may batch its upkeep)."""
        ...

    # input files and observations
    def save_input_file(self, sha256: str, name: str, source: str, content: bytes) -> bool: ...
    def add_observations(self, batch: ObservationBatch, ingest_run: int) -> WriteResult: ...
    def add_rejections(self, rejections: Sequence[Rejection], ingest_run: int) -> WriteResult: ...
    def start_ingest_run(self, source: str, file_name: str, file_sha256: str) -> int: ...
    def finish_ingest_run(
        self, run: int, accepted: int, duplicates: int, rejected: int
    ) -> None: ...
    def query_observations(self, query: ObservationQuery) -> list[StoredObservation]: ...
    def count_observations(self, query: ObservationQuery) -> int: ...
    def rejections(
        self, source: str | None = None, limit: int | None = None
    ) -> list[StoredRejection]: ...
    def summary(self) -> Summary: ...

    # zone assessments
    def pending_assessment(self, agreement_key: int, limit: int) -> PendingAssessment: ...
    def save_assessments(self, agreement_key: int, rows: AssessmentRows) -> int: ...
    def zone_counts(self, agreement_key: int) -> list[ZoneCount]: ...
