"""The log's side of C2SP tlog-witness: sending ``add-checkpoint`` requests over HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WitnessResponse:
    """What a witness answered: HTTP status and body text (0 and the reason if unreachable)."""

    status: int
    body: str


def post_add_checkpoint(url: str, body: bytes, timeout: float = 10.0) -> WitnessResponse:
    """POST ``body`` to ``<url>/add-checkpoint``; never raises for an HTTP or network error."""
    request = urllib.request.Request(
        url.rstrip("/") + "/add-checkpoint",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return WitnessResponse(int(response.status), response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        exc.close()
        return WitnessResponse(int(exc.code), text)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        return WitnessResponse(0, f"unreachable: {reason}")
