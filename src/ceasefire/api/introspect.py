"""The routes an app serves, whatever FastAPI version holds them.

FastAPI 0.165 keeps an included router as one entry of ``app.routes`` (resolved lazily) and
offers ``fastapi.routing.iter_route_contexts`` to walk it; older versions copy every route
into ``app.routes``. The audit trail (which route did a refused request aim at?) and the
tests (does every route have a row in the role table?) need the flat list either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing
from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def route_contexts(app: Any) -> Iterator[tuple[BaseRoute, Any]]:
    """(the route as declared, an object whose ``matches(scope)`` routes as the app does)."""
    routes = getattr(getattr(app, "router", None), "routes", ())
    walk = getattr(routing, "iter_route_contexts", None)
    if walk is None:  # FastAPI before 0.165: the routes are flat already
        for route in routes:
            yield route, route
        return
    for context in walk(routes):
        yield context.original_route, context


def api_routes(app: FastAPI) -> list[routing.APIRoute]:
    """Every API route of ``app`` (in and out of the OpenAPI document), in order."""
    return [r for r, _ in route_contexts(app) if isinstance(r, routing.APIRoute)]


def matching_route(scope: Scope) -> BaseRoute | None:
    """The route a request aims at (for answers given before routing, e.g. 413 or 429)."""
    for route, matcher in route_contexts(scope.get("app")):
        match, _ = matcher.matches(scope)
        if match is Match.FULL:
            return route
    return None
