"""Checking a submission before it is queued: the idempotency key, the body, the report.

This runs in the request's own thread, so the single writer thread only decides and stores.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from ceasefire.observations.model import Observation, Origin
from ceasefire.submissions.model import (
    RECORD_FIELD,
    InvalidIdempotencyKeyError,
    ParseReport,
    Refused,
    Submission,
)

MAX_KEY_LENGTH = 200


def check_idempotency_key(key: str | None) -> str:
    """The key if it is 1-200 visible ASCII characters (a UUID is a good choice).

    >>> check_idempotency_key("3f1c9e0a-6f0e-4d8b-9d6a-2c7b1e5f4a10")
    '3f1c9e0a-6f0e-4d8b-9d6a-2c7b1e5f4a10'
    """
    if key is None or not key:
        raise InvalidIdempotencyKeyError(
            "Idempotency-Key: is required (a fresh random value, e.g. a UUID, per report)"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKeyError(
            f"Idempotency-Key: is {len(key)} characters long; at most {MAX_KEY_LENGTH}"
        )
    if not all("!" <= c <= "~" for c in key):
        raise InvalidIdempotencyKeyError(
            "Idempotency-Key: may hold visible ASCII characters only (no spaces)"
        )
    return key


def input_name(submitter: str, key: str) -> str:
    """The name a submission's body is kept under as an input (shown with its rejections)."""
    return f"submission {submitter} {key}"


def prepare_submission(
    parse: ParseReport, submitter: str, key: str, body: bytes, received_at_us: int
) -> Submission:
    """Validate ``body``; the result carries the observation, or why it is refused.

    The body is its own input file: its SHA-256 is the observation's ``file_sha256`` (a
    monitor can recompute it from what it sent) and the report is its row 1.
    """
    key = check_idempotency_key(key)
    sha = hashlib.sha256(body).hexdigest()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = body.decode("utf-8", errors="replace")
        parsed: Observation | Refused = Refused(
            ((RECORD_FIELD, f"is not valid UTF-8 (byte {exc.start})"),)
        )
    else:
        text = text.removeprefix("\ufeff")  # as for a file: a byte-order mark is not content
        try:
            parsed = parse(text, submitter)
        except ValueError as exc:  # the Observation's own invariants, as a last line of defence
            parsed = Refused(((RECORD_FIELD, str(exc)),))
    if isinstance(parsed, Observation):
        parsed = replace(parsed, origin=Origin(input_name(submitter, key), sha, 1))
    return Submission(submitter, key, body, sha, text, received_at_us, parsed)
