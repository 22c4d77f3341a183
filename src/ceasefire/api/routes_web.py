"""The dashboard: ``/`` serves ``web/index.html``, ``/static/...`` its scripts, styles and the
vendored Leaflet, all from inside the package (no CDN, no tile server).

The page is static; everything it shows comes from the JSON API with the caller's token, so
these routes read nothing restricted (tagged public: not audited). A Content-Security-Policy
keeps the page to its own origin: scripts and requests only from here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from ceasefire.api.audit import PUBLIC_TAG

WEB_DIR = Path(str(files("ceasefire").joinpath("web")))
"""The dashboard's files (package data: index.html, app.js, app.css, vendor/leaflet)."""

# Leaflet positions map tiles and markers with inline styles, hence 'unsafe-inline' for
# styles only; scripts come from this origin alone.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=[PUBLIC_TAG])


class _PageStaticFiles(StaticFiles):
    """Static files with the page's headers: ``/static/index.html`` is the page too, and
    must not be framed or run scripts from elsewhere."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(PAGE_HEADERS)
        return response


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def dashboard() -> FileResponse:
    """The dashboard page."""
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=PAGE_HEADERS)


router.mount("/static", _PageStaticFiles(directory=WEB_DIR, check_dir=False), name="static")
