"""What a submission is, what became of it, and what the core needs from a store.

A submission is one report body sent by an authenticated user under an idempotency key. It
is validated before it is queued (``prepare.py``), so the writer thread only decides and
stores. Every submission ends in one ``Outcome``; a rejected one is kept too, with its
reasons, so nothing a monitor sent is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ceasefire.errors import ConflictError, InputError
from ceasefire.observations.model import Observation

Problem = tuple[str, str]
"""(field path, reason), e.g. ``("lat", "Input should be less than or equal to 90")``."""

RECORD_FIELD = "(record)"
"""The field a problem names when the body as a whole is unusable (not JSON, not UTF-8)."""


@dataclass(frozen=True, slots=True)
class Refused:
    """A body the report schema refuses, with every problem found."""

    problems: tuple[Problem, ...]

    def __post_init__(self) -> None:
        if not self.problems:
            raise ValueError("a refusal names at least one problem")

    @property
    def field(self) -> str:
        return self.problems[0][0]

    @property
    def reason(self) -> str:
        """The first problem's reason, saying how many more there are (as the file path does)."""
        more = len(self.problems) - 1
        return self.problems[0][1] + (f" (and {more} more problem(s))" if more else "")


ParseReport = Callable[[str, str], Observation | Refused]
"""(body text, submitter) -> the observation, or why the body is refused. The interface
wires in the source's own parser (``field_report.parse_submission``), so the file path and
the API accept and refuse the same things."""


class Outcome(StrEnum):
    """What became of a submission."""

    ACCEPTED = "accepted"  # stored now, with its ledger leaf
    DUPLICATE = "duplicate"  # the same report (same id, same content) was stored before
    REJECTED = "rejected"  # the schema refused it: kept as a rejection with its reasons
    CONFLICT = "conflict"  # its id is taken by a different report: kept as a rejection


@dataclass(frozen=True, slots=True)
class Submission:
    """One body from one user under one idempotency key, validated, waiting to be stored."""

    submitter: str
    key: str
    body: bytes
    body_sha256: str
    text: str  # the body decoded as UTF-8 (undecodable bytes replaced; ``body`` is exact)
    received_at_us: int
    parsed: Observation | Refused

    @property
    def uid(self) -> str | None:
        """The public id the report would have (``source:source_id``), if it parsed."""
        if isinstance(self.parsed, Refused):
            return None
        return f"{self.parsed.source}:{self.parsed.source_id}"


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """The answer to a submission; the same answer is given again for a repeated key."""

    outcome: Outcome
    uid: str | None  # the observation (accepted, duplicate, conflict); None if unparsed
    leaf_index: int | None  # the observation's ledger leaf, or the rejection's
    body_sha256: str
    problems: tuple[Problem, ...] = ()
    replayed: bool = False  # True when this is the stored first result of a repeated key


class IdempotencyConflictError(ConflictError):
    """The idempotency key was used before, by the same user, with a different body."""

    code = "idempotency_conflict"


class InvalidIdempotencyKeyError(InputError):
    """The Idempotency-Key is missing or malformed."""

    code = "idempotency_key_invalid"


@dataclass(frozen=True, slots=True)
class PriorSubmission:
    """What the store holds for an idempotency key already used."""

    body_sha256: str
    result: SubmissionResult


class Action(StrEnum):
    """What the store must do for one submission of a batch (decided by ``plan_batch``)."""

    STORE = "store"  # a new observation (+ its input and submission rows)
    REJECT = "reject"  # a new rejection (+ its input and submission rows)
    RECORD = "record"  # only the submission row (a duplicate of a stored report)
    REPLAY = "replay"  # nothing: the key's first result is the answer
    REFUSE = "refuse"  # nothing: the key was used with another body (IdempotencyConflictError)


@dataclass(frozen=True, slots=True)
class Plan:
    """The decision for one submission of a batch."""

    action: Action
    outcome: Outcome | None = None  # for STORE, REJECT and RECORD
    problems: tuple[Problem, ...] = ()
    replay: SubmissionResult | None = None  # for REPLAY of a key stored before this batch
    same_as: int | None = None  # for REPLAY of a key first seen earlier in this batch


Planner = Callable[
    [Sequence[Submission], Mapping[tuple[str, str], PriorSubmission], Mapping[str, str]],
    list[Plan],
]
"""(batch, prior submissions by (submitter, key), stored raw text by uid) -> one plan each."""


class SubmissionStore(Protocol):
    """What the submission core needs from storage (adapter: ``store.submissions_sqlite``)."""

    def commit(
        self, batch: Sequence[Submission], planner: Planner
    ) -> list[SubmissionResult | IdempotencyConflictError]:
        """In ONE transaction: look up the batch's keys and uids, let ``planner`` decide,
        write what it says (rows and ledger leaves), commit durably; one answer per item.
        Raises (and stores nothing) if any part fails."""
        ...

    def close(self) -> None: ...
