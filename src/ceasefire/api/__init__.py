"""The HTTP interface: a thin FastAPI layer over the core (``create_app``)."""

from __future__ import annotations

from ceasefire.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
