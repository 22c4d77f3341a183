"""The audit trail of the API: every write, and every read of restricted data.

Recorded once, by the request guard (``api/guard.py``), for every route (including other
parts' routers): who (the authenticated principal in the request scope), what (method, route
template, path and query parameters, answer status) and when. Reads of routes tagged ``public`` (open to
everyone: the map, agreements, the ledger, the public view) and reads by the public are not
recorded; writes always are, whoever tries them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from ceasefire.access.identity import PUBLIC, Principal, Role
from ceasefire.access.users import AuditEntry, AuditLog
from ceasefire.api.auth import PRINCIPAL_SCOPE_KEY
from ceasefire.api.introspect import matching_route

PUBLIC_TAG = "public"
"""Tag a route with this when reading it reveals nothing restricted (it is not audited)."""

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_PARAM_CHARS = 500  # an audit row records parameters, not payloads


def _params(scope: Scope) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in dict(scope.get("path_params", {})).items():
        params[str(key)] = str(value)[:_MAX_PARAM_CHARS]
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault("query", {}).setdefault(key[:100], []).append(value[:_MAX_PARAM_CHARS])
    return params


def should_audit(method: str, principal: Principal, tags: list[str]) -> bool:
    """Writes always; reads when a non-public caller reads a route not tagged public."""
    if method not in _READS:
        return True
    return principal.role is not Role.PUBLIC and PUBLIC_TAG not in tags


def record_request(log: AuditLog, scope: Scope, status: int) -> None:
    """Record a request answered with ``status`` in ``log`` if ``should_audit`` says so."""
    route = scope.get("route")
    if route is None:  # a middleware answered before routing (413, 429)
        route = matching_route(scope)
    if route is None:
        return  # no such route: nothing was read or written
    principal = scope.get(PRINCIPAL_SCOPE_KEY, PUBLIC)
    method = str(scope.get("method", "GET"))
    tags = [str(t) for t in getattr(route, "tags", None) or ()]
    if not should_audit(method, principal, tags):
        return
    log.record(
        AuditEntry(
            at=datetime.now(UTC),
            user_id=principal.user_id,
            role=principal.role.value,
            party=principal.party,
            action=f"{method} {getattr(route, 'path', '?')}",
            target=str(scope.get("path", "")),
            params=_params(scope),
            status=status,
        )
    )
