"""Who is calling: the bearer token looked up by its SHA-256, and who may call a route.

``authenticate`` reads the ``Authorization`` header once per request (the request guard calls
it first, so the rate limit can key on the user); ``current_principal``, an app-wide
dependency, hands its answer to routes: no header means the public principal; a bad,
malformed or revoked token is 401. ``require(*roles)`` lets a route say who may call it at
all; what each caller then sees is decided by the access policy (``ceasefire.access.policy``).

Live tokens are remembered in memory for ``api_token_cache_s`` seconds (``TokenCache``), so
a busy client costs no SQLite lookup per request; a token revoked by ``ceasefire users
revoke`` (another process) is therefore refused at most that long after the revocation.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import Scope

from ceasefire.access.identity import PUBLIC, Principal, Role, hash_token, looks_like_token
from ceasefire.api.errors import ApiError

PRINCIPAL_SCOPE_KEY = "ceasefire.principal"
"""The authenticated caller, put in the request scope (read by the audit trail)."""
AUTH_SCOPE_KEY = "ceasefire.auth"
"""What ``authenticate`` found: a ``Principal``, or an ``AuthRefusal``."""

# Declares the bearer scheme in the OpenAPI document; the header is parsed below so that a
# malformed one is a 401 rather than silently public.
_bearer = HTTPBearer(auto_error=False, description="An API token: `Bearer cf_...`.")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_MAX_CACHED = 10_000  # live tokens remembered at most (only looked-up, valid ones enter)


@dataclass(frozen=True, slots=True)
class AuthRefusal:
    """Why a request's credentials are refused (answered with 401 by ``current_principal``)."""

    message: str


class TokenCache:
    """The principals of live tokens, each remembered for ``ttl_s`` seconds.

    Only tokens that were found enter (an unknown token is looked up every time, and the
    rate limit keys such requests on the client's address), keyed by the token's SHA-256,
    and at most ``max_entries`` of them, so memory stays bounded. ``ttl_s=0`` looks every
    token up on every request. Used from the event loop only (no lock needed).
    """

    def __init__(
        self,
        lookup: Callable[[str], Principal | None],
        ttl_s: float,
        max_entries: int = _MAX_CACHED,
    ) -> None:
        self._lookup = lookup
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}

    def principal(self, token: str, now: float | None = None) -> Principal | None:
        """The token's principal, or None if it is unknown, malformed or revoked."""
        if not looks_like_token(token):
            return None
        if self.ttl_s <= 0:
            return self._lookup(token)
        now = time.monotonic() if now is None else now
        key = hash_token(token)
        hit = self._entries.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        found = self._lookup(token)
        if found is None:
            self._entries.pop(key, None)
            return None
        if len(self._entries) >= self.max_entries:
            self._prune(now)
        self._entries[key] = (found, now + self.ttl_s)
        return found

    def _prune(self, now: float) -> None:
        live = {k: v for k, v in self._entries.items() if v[1] > now}
        if len(live) >= self.max_entries:  # all live: forget the oldest half
            live = dict(sorted(live.items(), key=lambda kv: kv[1][1])[len(live) // 2 :])
        self._entries = live

    def clear(self) -> None:
        """Forget every remembered token (the next request of each is looked up)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def authenticate(scope: Scope, tokens: TokenCache) -> Principal | AuthRefusal:
    """The caller of a request, from its ``Authorization`` header; stored in the scope."""
    found = scope.get(AUTH_SCOPE_KEY)
    if isinstance(found, Principal | AuthRefusal):
        return found
    header: bytes | None = None
    for name, value in scope.get("headers", ()):
        if name == b"authorization":  # ASGI servers lower-case header names
            header = bytes(value)
            break
    result: Principal | AuthRefusal
    if header is None:
        result = PUBLIC
    else:
        scheme, _, token = header.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            result = AuthRefusal("Authorization must be 'Bearer <token>'")
        else:
            result = tokens.principal(token) or AuthRefusal("unknown or revoked token")
    scope[AUTH_SCOPE_KEY] = result
    if isinstance(result, Principal):
        scope[PRINCIPAL_SCOPE_KEY] = result  # read by the audit trail
    return result


def token_cache(request: Request) -> TokenCache:
    """The app's token cache (kept in ``app.state.tokens`` by ``create_app``)."""
    tokens = request.app.state.tokens
    assert isinstance(tokens, TokenCache)
    return tokens


async def current_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller: public without a token, the token's user with one (401 if it is bad).

    ``async`` on purpose, as every dependency of the API: FastAPI runs a plain ``def``
    dependency in its thread pool, and the hops cost more than the lookup itself."""
    found = authenticate(request.scope, token_cache(request))
    if isinstance(found, AuthRefusal):
        raise ApiError(401, found.message, headers=_CHALLENGE)
    return found


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that returns the caller if its role is one of ``roles``, else 401/403."""
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role in allowed:
            return principal
        if principal.role is Role.PUBLIC:
            raise ApiError(401, "this needs a token", headers=_CHALLENGE)
        raise ApiError(403, f"the {principal.role.value} role may not do this")

    dependency.__name__ = "require_" + "_".join(sorted(r.value for r in allowed))
    return dependency
