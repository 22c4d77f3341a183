"""Field reports submitted through the API: idempotency keys, group commit, nothing lost.

``SubmissionService`` validates a body with the source's own parser (the rules of the file
path), queues it, and a single writer thread commits batches durably through a
``SubmissionStore`` (adapter: ``store.submissions_sqlite``); a caller's future resolves only
after its batch is committed. See docs/api.md (Submissions).
"""

from ceasefire.submissions.model import (
    IdempotencyConflictError,
    InvalidIdempotencyKeyError,
    Outcome,
    ParseReport,
    Refused,
    Submission,
    SubmissionResult,
    SubmissionStore,
)
from ceasefire.submissions.prepare import check_idempotency_key, prepare_submission
from ceasefire.submissions.service import GroupCommitSettings, SubmissionService
from ceasefire.submissions.writer import GroupCommitWriter, WriterBusyError, WriterClosedError

__all__ = [
    "GroupCommitSettings",
    "GroupCommitWriter",
    "IdempotencyConflictError",
    "InvalidIdempotencyKeyError",
    "Outcome",
    "ParseReport",
    "Refused",
    "Submission",
    "SubmissionResult",
    "SubmissionService",
    "SubmissionStore",
    "WriterBusyError",
    "WriterClosedError",
    "check_idempotency_key",
    "prepare_submission",
]
