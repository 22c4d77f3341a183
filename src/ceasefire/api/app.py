"""The FastAPI application: ``create_app(settings)``.

The app opens the workspace once, includes every router listed in ``api/routers.py``, runs
``current_principal`` for every request, and wraps routes in the request guard (who calls,
abuse limits, audit trail: ``api/guard.py``). Routes stay thin: the core does the work, ``ceasefire.access.policy`` decides what
each caller sees.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

import ceasefire
from ceasefire.api.auth import TokenCache, current_principal
from ceasefire.api.checkpoint_schedule import CheckpointSchedule
from ceasefire.api.errors import install_error_handlers
from ceasefire.api.guard import FastPaths, RequestGuard
from ceasefire.api.introspect import api_routes
from ceasefire.api.openapi import install_openapi
from ceasefire.api.routers import API_PREFIX, ROUTERS
from ceasefire.api.state import ApiState
from ceasefire.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["API_PREFIX", "create_app"]

FastHandlers = dict[tuple[str, str], ASGIApp]


def _routers(names: tuple[str, ...]) -> list[tuple[APIRouter, FastHandlers]]:
    """Each available router, with the bare ASGI handlers its module offers (FAST_PATHS)."""
    routers: list[tuple[APIRouter, FastHandlers]] = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the module exists but something it imports is missing: say so
            logger.warning("router %s is not available; starting without it", name)
            continue
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{name} has no `router: APIRouter`")
        routers.append((router, dict(getattr(module, "FAST_PATHS", {}))))
    return routers


def _fast_paths(app: FastAPI, handlers: FastHandlers) -> FastPaths:
    """The declared route of each fast handler (a handler without one is not used)."""
    found: dict[tuple[str, str], tuple[BaseRoute, ASGIApp]] = {}
    for route in api_routes(app):
        for method in route.methods or ():
            handler = handlers.get((method, route.path))
            if handler is not None:
                found[(method, route.path)] = (route, handler)
    return found


def create_app(settings: Settings, *, routers: tuple[str, ...] = ROUTERS) -> FastAPI:
    """The API over the workspace of ``settings`` (opened now, closed on shutdown)."""
    schedule = CheckpointSchedule.from_settings(settings)  # refuses a missing key now
    state = ApiState.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What exists at startup (modules, routes, the agreement's geometry) lives as long as
        # the server: frozen, the collector's full passes stop walking it. They paused every
        # request for ~140 ms under the field-report load (docs/benchmarks.md).
        gc.collect()
        gc.freeze()
        if schedule is not None:
            schedule.start()  # CEASEFIRE_LEDGER_CHECKPOINT_EVERY
        try:
            yield
        finally:
            if schedule is not None:
                await run_in_threadpool(schedule.stop)
            gc.unfreeze()
            state.close()

    app = FastAPI(
        title="ceasefire",
        version=ceasefire.__version__,
        description="Ceasefire monitoring and verification API. See docs/api.md.",
        lifespan=lifespan,
        dependencies=[Depends(current_principal)],
        # The interactive docs load their scripts from a CDN: off. /openapi.json stays.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ceasefire = state
    app.state.tokens = TokenCache(state.access.principal_for_token, settings.api_token_cache_s)
    install_error_handlers(app)
    handlers: dict[tuple[str, str], ASGIApp] = {}
    for router, fast in _routers(routers):
        app.include_router(router)
        handlers.update(fast)
    install_openapi(app)
    # who calls, rate limit, body size and audit trail in one layer (see api/guard.py)
    app.add_middleware(
        RequestGuard,
        tokens=app.state.tokens,
        audit=state.access,
        rate_per_s=settings.api_rate_per_s,
        burst=settings.api_rate_burst,
        max_body=settings.api_max_body_bytes,
        max_upload=settings.api_max_upload_bytes,
        fast_paths=_fast_paths(app, handlers),
    )
    return app
