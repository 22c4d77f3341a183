"""Abuse limits, applied before a request reaches any route: rate and body size.

* Rate: a token bucket per authenticated user, and per client address for every request
  without a valid token (no token, a malformed, unknown or revoked one), refilled at
  ``api_rate_per_s`` up to ``api_rate_burst``; an empty bucket is 429 with ``Retry-After``.
  Keying refused tokens on the address means a client cannot get a fresh bucket by sending a
  new made-up token each time; at most ``max_buckets`` buckets are kept (least recently used
  forgotten), so memory stays bounded whatever clients send.
* Body size: more than ``api_max_body_bytes`` (``api_max_upload_bytes`` for evidence
  uploads by a monitor, the one role that may upload) is 413, by ``Content-Length`` before
  reading or while streaming without one.

Both are applied by the request guard (``api/guard.py``).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from starlette.types import Scope

from ceasefire.access.identity import Principal, Role

UPLOAD_PATHS = ("/api/v1/evidence",)
MAX_BUCKETS = 100_000  # least recently used buckets beyond this are forgotten


class TokenBuckets:
    """Token buckets by key, at most ``max_buckets`` of them. ``take`` returns 0 or the
    seconds to wait. Used from the event loop only (no lock needed)."""

    def __init__(self, rate_per_s: float, burst: int, max_buckets: int = MAX_BUCKETS) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def rate_key(scope: Scope, caller: object) -> str:
    """Whose bucket a request draws from: the authenticated user's, else its client address
    (``caller`` is what ``auth.authenticate`` found: a principal or a refusal)."""
    if isinstance(caller, Principal) and caller.user_id != "public":
        return "u:" + caller.user_id
    client = scope.get("client")
    return "a:" + (str(client[0]) if client else "unknown")


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower case, as ASGI servers give them)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def body_limit(scope: Scope, caller: object, max_body: int, max_upload: int) -> int:
    """The largest body this request may send: ``max_upload`` only for an evidence upload by
    a monitor (the one role that may upload), so nobody else can make the server read 50 MiB
    only to refuse it."""
    path = str(scope.get("path", ""))
    uploader = isinstance(caller, Principal) and caller.role is Role.MONITOR
    return max_upload if uploader and path.startswith(UPLOAD_PATHS) else max_body


def declared_size(scope: Scope) -> int | None:
    """The ``Content-Length`` declared, None if none, -1 if it is not a number."""
    declared = header(scope, b"content-length")
    if declared is None:
        return None
    try:
        size = int(declared)
    except ValueError:
        return -1
    return size if size >= 0 else -1
