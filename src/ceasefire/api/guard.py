"""The request guard: one pure-ASGI middleware doing, per request, in this order,

1. who is calling (``auth.authenticate``, the token looked up once, through the cache);
2. the rate limit (``limits``: per user, per client address without a valid token); a
   refused request is answered 429 and not audited (a flood must not flood the audit log);
3. the body-size limit (``limits``): 400/413 before the route is reached, or 413 while
   the body streams;
4. the audit trail (``audit.record_request``) once the answer's status is known;

and then hands the request to the app, or straight to a route's bare ASGI handler when the
route offers one (``fast_paths``: the field-report intake, see ``routes_submit``).

One layer instead of three: each ASGI layer wraps ``receive``/``send`` once more per request,
which showed in the profile of the field-report load (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceasefire.access.users import AuditLog
from ceasefire.api.audit import record_request
from ceasefire.api.auth import TokenCache, authenticate
from ceasefire.api.errors import error_response
from ceasefire.api.limits import TokenBuckets, body_limit, declared_size, rate_key

FastPaths = Mapping[tuple[str, str], tuple[BaseRoute, ASGIApp]]
"""(method, path) -> (the declared route, for the audit trail; the handler serving it)."""


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens: TokenCache,
        audit: AuditLog,
        rate_per_s: float,
        burst: int,
        max_body: int,
        max_upload: int,
        fast_paths: FastPaths | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.audit = audit
        self.buckets = TokenBuckets(rate_per_s, burst)
        self.max_body = max_body
        self.max_upload = max_upload
        self.fast_paths = dict(fast_paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller = authenticate(scope, self.tokens)
        wait = self.buckets.take(rate_key(scope, caller))
        if wait > 0:
            retry = str(math.ceil(wait))
            refused = error_response(
                429, f"too many requests; retry in {retry} s", headers={"Retry-After": retry}
            )
            await refused(scope, receive, send)
            return

        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._limited(scope, caller, receive, send_status)
        finally:
            record_request(self.audit, scope, status)

    async def _limited(self, scope: Scope, caller: object, receive: Receive, send: Send) -> None:
        limit = body_limit(scope, caller, self.max_body, self.max_upload)
        too_large = f"request body larger than {limit} bytes"
        size = declared_size(scope)
        if size is not None and size < 0:
            await error_response(400, "bad Content-Length")(scope, receive, send)
            return
        if size is not None and size > limit:
            await error_response(413, too_large)(scope, receive, send)
            return
        seen = 0  # counted even with a Content-Length: the limit must not rest on the server

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # an HTTPException passes through FastAPI's body reading to the handlers
                    raise HTTPException(413, too_large)
            return message

        fast = self.fast_paths.get((scope.get("method", ""), scope.get("path", "")))
        if fast is not None and not scope.get("root_path"):
            scope["route"] = fast[0]  # what FastAPI's routing would have set
            await fast[1](scope, counted, send)
            return
        await self.app(scope, counted, send)
