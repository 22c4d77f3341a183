"""The router modules the app includes, in order: each exposes ``router: APIRouter``.

Add yours with a one-line edit. A module that cannot be imported yet (another part still
being written) is skipped with a warning in the log, so the app starts without it.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"
"""Prefix of every API route: routers carry their full paths (``APIRouter(prefix=API_PREFIX)``);
the dashboard is served at ``/``."""

ROUTERS: tuple[str, ...] = (
    "ceasefire.api.routes_meta",
    "ceasefire.api.routes_observations",
    "ceasefire.api.routes_findings",
    "ceasefire.api.routes_reports",
    "ceasefire.api.routes_audit",
    "ceasefire.api.routes_public",
    "ceasefire.api.routes_submit",
    "ceasefire.api.routes_ledger",
    "ceasefire.api.routes_warnings",
    "ceasefire.api.routes_web",
)
