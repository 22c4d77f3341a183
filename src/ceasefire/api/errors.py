"""The one JSON error shape of the API, and the handlers that produce it.

Every non-2xx answer is ``{"error": {"status", "code", "message", "fields"?}}``, built by
``error_body``. HTTP statuses live here only: ``CeasefireError`` subclasses are mapped to a
status by class, so the core never knows about HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ceasefire.errors import (
    AccessDeniedError,
    CeasefireError,
    ConflictError,
    InputError,
    NotFoundError,
    StoreError,
)

logger = logging.getLogger(__name__)

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


class ApiError(Exception):
    """Raised by routes and dependencies for an HTTP answer other than 2xx."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.headers = dict(headers or {})


def error_body(
    status: int,
    message: str,
    code: str | None = None,
    fields: Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """The JSON body of every error answer."""
    error: dict[str, Any] = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
    }
    if fields is not None:
        error["fields"] = [dict(f) for f in fields]
    return {"error": error}


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    fields: Sequence[Mapping[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, message, code, fields), status_code=status, headers=headers
    )


def _status_of(exc: CeasefireError) -> int:
    """HTTP status of a core error, chosen by its class."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, AccessDeniedError):
        return 403
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, StoreError):
        return 500  # the store failed: not the caller's doing
    return 400


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """pydantic's errors as ``{"field": "query.limit", "message": "..."}`` items."""
    out: list[dict[str, str]] = []
    for e in errors:
        loc = ".".join(str(part) for part in e.get("loc", ()))
        out.append({"field": loc or "request", "message": str(e.get("msg", "invalid"))})
    return out


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = field_errors(exc.errors())
    first = fields[0] if fields else {"field": "request", "message": "invalid"}
    message = f"{first['field']}: {first['message']}"
    if len(fields) > 1:
        message += f" (and {len(fields) - 1} more)"
    return error_response(422, message, "validation_error", fields)


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.code, headers=exc.headers)


async def _on_ceasefire_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CeasefireError)
    status = _status_of(exc)
    field = getattr(exc, "field", None)
    fields = [{"field": field, "message": exc.message}] if isinstance(field, str) else None
    return error_response(status, exc.message, CODES.get(status, exc.code), fields)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, detail, headers=exc.headers)


async def _on_anything(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error; it has been logged", "server_error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: one per exception class, all producing ``error_body``."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(CeasefireError, _on_ceasefire_error)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_anything)
