"""Every route the server answers is documented in docs/api.md (datasette's habit)."""

from __future__ import annotations

from pathlib import Path

from ceasefire.api.introspect import api_routes

from .conftest import Served

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_route_is_in_docs_api_md(api_server: Served) -> None:
    text = API_MD.read_text(encoding="utf-8")
    routes = {
        f"`{method} {route.path}`"
        for route in api_routes(api_server.app)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert len(routes) >= 20
    assert sorted(r for r in routes if r not in text) == []


def test_the_anchors_other_docs_link_to_exist() -> None:
    headings = {
        line.lstrip("#").strip().lower().replace(" ", "-")
        for line in API_MD.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    }
    assert {"tokens", "roles", "submissions", "errors", "limits", "the-audit-log"} <= headings
