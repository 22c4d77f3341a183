"""The OpenAPI document, with the API's one error shape on every operation.

FastAPI documents a 422 body of its own (``HTTPValidationError``) that this API never sends;
the handlers in ``errors.py`` answer every refusal with ``ErrorBody``. This module puts that
schema in the document for each status an operation can answer with, so a client generated
from it (and schemathesis, in the tests) reads refusals as they really are.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    field: str = Field(description="Where: `query.limit`, `body.lat`, `header.Idempotency-Key`.")
    message: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(title="ErrorDetail")

    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="A stable code: `validation_error`, `forbidden`, ...")
    message: str = Field(description="Safe to show; names the first field at fault.")
    fields: list[FieldProblem] = Field(
        default_factory=list, description="Every field at fault (422, and some 409)."
    )


class ErrorBody(BaseModel):
    """Every answer that is not 2xx."""

    error: ErrorDetail


_ALWAYS = {
    "401": "No valid token (bad, revoked or malformed), or this needs one.",
    "403": "The caller's role may not do this.",
    "404": "Not found, or not visible to the caller.",
    "422": "A parameter or the body is invalid; `fields` names each problem.",
    "429": "Too many requests for this token; retry after `Retry-After` seconds.",
}
_WRITES = {
    "400": "A malformed request (e.g. a bad Content-Length).",
    "409": "Conflicts with what is stored.",
    "413": "The body is larger than the limit.",
    "415": "The body is not of the media type this operation takes.",
    "503": "The server is starting or stopping; retry after `Retry-After` seconds.",
}
_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _with_errors(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas["ErrorBody"] = body
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = {**_ALWAYS, **(_WRITES if method in ("post", "put", "patch") else {})}
            for status, description in errors.items():
                documented = responses.get(status, {})
                responses[status] = {
                    "description": documented.get("description", description),
                    "content": {"application/json": {"schema": _REF}},
                }
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and /openapi.json) document the error shape; built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
