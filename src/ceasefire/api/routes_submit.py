"""POST /field-reports and POST /evidence: monitors submit reports and their media.

Thin over the core: ``ceasefire.submissions`` validates a report with the field-report
adapter's own rules, and its single writer thread group-commits it durably (observation or
rejection, ledger leaf, idempotency row) before the answer is sent. The body is read as
bytes and validated by the core, not by FastAPI, so a refused report is still kept as a
rejection with its reasons; the OpenAPI document shows the strict ``FieldReport`` schema.

Answers to ``POST /field-reports`` (header ``Idempotency-Key`` required):

| status | when |
|---|---|
| 201 | accepted: stored now (``status: "accepted"``) |
| 200 | a repeat of a key with the same body (the first answer again, header ``Idempotent-Replayed: true``), or a report already stored with the same content (``status: "duplicate"``) |
| 409 | the key was used with another body (nothing stored); or the report's id belongs to a different report (kept as a rejection) |
| 422 | the report breaks the schema (kept as a rejection; ``fields`` names every problem) |
| 429 | the writer's queue is full: retry after ``Retry-After`` seconds |
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Header, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ceasefire.access.identity import Principal, Role
from ceasefire.api.auth import current_principal, require
from ceasefire.api.errors import ApiError, error_response
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState
from ceasefire.errors import CeasefireError
from ceasefire.evidence import EvidenceFiles, EvidenceItem, evidence_intake, record_evidence
from ceasefire.observations.sources.field_report import FieldReport, parse_submission
from ceasefire.settings import Settings
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.submissions_sqlite import SqliteSubmissions
from ceasefire.submissions import (
    GroupCommitSettings,
    InvalidIdempotencyKeyError,
    Outcome,
    SubmissionResult,
    SubmissionService,
    WriterBusyError,
    WriterClosedError,
)
from ceasefire.submissions.model import RECORD_FIELD

logger = logging.getLogger(__name__)

_SERVICE = "submissions"
_EVIDENCE = "evidence_files"
_JSON = "application/json"


def open_service(settings: Settings, state: ApiState) -> SubmissionService:
    """The submission service over the workspace's store, on a connection of its own."""
    return SubmissionService(
        SqliteSubmissions.open(state.store.path),
        parse_submission,
        id_field="report_id",
        batching=GroupCommitSettings(
            max_batch=settings.submit_batch_max,
            max_wait_s=settings.submit_batch_wait_ms / 1000.0,
            max_queue=settings.submit_queue_max,
        ),
        turn=state.write_turn,  # taken in turns with the audit log's writes
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app.state.ceasefire
    assert isinstance(state, ApiState)
    service = open_service(state.settings, state)
    setattr(app.state, _SERVICE, service)
    setattr(app.state, _EVIDENCE, EvidenceFiles(state.workspace.root / "evidence"))
    try:
        yield
    finally:
        # commits what is queued before the app's own shutdown closes the workspace
        await run_in_threadpool(service.close)


router = APIRouter(prefix=API_PREFIX, tags=["submissions"], lifespan=_lifespan)
_monitor = require(Role.MONITOR)


def _service(request: Request) -> SubmissionService:
    service = getattr(request.app.state, _SERVICE, None)
    if not isinstance(service, SubmissionService):
        raise ApiError(503, "submissions are not open (the server is starting or stopping)")
    return service


async def _in_writer(service: SubmissionService, fn: Any) -> Any:
    try:
        future = service.call(fn)
    except WriterBusyError as exc:
        raise ApiError(429, exc.message, headers={"Retry-After": "1"}) from None
    except WriterClosedError as exc:
        raise ApiError(503, exc.message, headers={"Retry-After": "5"}) from None
    return await asyncio.wrap_future(future)


# --- field reports -------------------------------------------------------------------------


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` inlined (the OpenAPI document has no
    ``$defs`` of ours to point into)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result = walk(schema)
    assert isinstance(result, dict)
    return result


_REPORT_SCHEMA = _inline_refs(FieldReport.model_json_schema())


class SubmissionOut(BaseModel):
    """The answer to an accepted (or duplicate) report."""

    uid: str = Field(description="The observation's public id, `field:<report_id>`.")
    status: str = Field(description="`accepted` (stored now) or `duplicate` (stored before).")
    leaf_index: int = Field(description="The observation's leaf in the evidence ledger.")
    body_sha256: str = Field(description="SHA-256 of the body as received (its `file_sha256`).")


def _field(path: str) -> str:
    return "body" if path == RECORD_FIELD else f"body.{path}"


def submission_response(result: SubmissionResult) -> Response:
    """The HTTP answer to a submission's result (the same for its replays)."""
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    if result.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE):
        assert result.uid is not None and result.leaf_index is not None
        fresh = result.outcome is Outcome.ACCEPTED and not result.replayed
        return JSONResponse(
            {
                "uid": result.uid,
                "status": result.outcome.value,
                "leaf_index": result.leaf_index,
                "body_sha256": result.body_sha256,
            },
            status_code=201 if fresh else 200,
            headers=headers,
        )
    status = 409 if result.outcome is Outcome.CONFLICT else 422
    fields = [{"field": _field(f), "message": m} for f, m in result.problems]
    first = fields[0]
    more = f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""
    message = (
        f"{first['field']}: {first['message']}{more}; the report was kept as a rejection"
        f" (ledger leaf {result.leaf_index})"
    )
    return error_response(status, message, fields=fields, headers=headers)


@router.post(
    "/field-reports",
    status_code=201,
    response_model=SubmissionOut,
    responses={
        200: {"model": SubmissionOut, "description": "A repeated key, or a duplicate report."},
        409: {"description": "Key reused with another body, or the report id is taken."},
        422: {"description": "The report breaks the schema (kept as a rejection)."},
        429: {"description": "Too many reports waiting; retry after `Retry-After`."},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {_JSON: {"schema": _REPORT_SCHEMA}}}
    },
)
async def submit_field_report(
    request: Request,
    principal: Annotated[Principal, Depends(_monitor)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="A fresh random value (e.g. a UUID) per report; repeat it to retry.",
        ),
    ] = None,
) -> Response:
    """Submit one field report (the schema of docs/sources.md), durably, exactly once."""
    return await _submit(request, principal, idempotency_key)


async def field_reports_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /field-reports`` as a bare ASGI app, called by the request guard.

    The intake's hot path: the same steps and answers as the declared route above (which
    stays for the OpenAPI document, the role table and as a fallback), without FastAPI's
    routing, dependency solving and exception middleware, which cost more CPU per report
    than storing it (docs/benchmarks.md). Errors go to the app's own exception handlers.
    """
    request = Request(scope, receive)
    try:
        principal = await _monitor(await current_principal(request, None))
        response = await _submit(request, principal, request.headers.get("idempotency-key"))
    except Exception as exc:
        response = await _error_answer(request, exc)
    await response(scope, receive, send)


async def _error_answer(request: Request, exc: Exception) -> Response:
    """The answer the app's exception handlers give ``exc`` (chosen by its class)."""
    handlers = request.app.exception_handlers
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            answer = await handler(request, exc)
            assert isinstance(answer, Response)
            return answer
    raise exc


FAST_PATHS: dict[tuple[str, str], ASGIApp] = {
    ("POST", API_PREFIX + "/field-reports"): field_reports_asgi
}
"""Routes of this module the request guard serves directly (see ``field_reports_asgi``)."""


async def _submit(request: Request, principal: Principal, idempotency_key: str | None) -> Response:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != _JSON:
        raise ApiError(415, f"send the report as {_JSON}")
    service = _service(request)
    body = await request.body()
    try:
        future = service.submit(principal.user_id, idempotency_key or "", body)
    except InvalidIdempotencyKeyError as exc:
        message = exc.message.removeprefix("Idempotency-Key: ")
        return error_response(
            422,
            exc.message,
            fields=[{"field": "header.Idempotency-Key", "message": message}],
        )
    except WriterBusyError as exc:
        raise ApiError(429, exc.message, headers={"Retry-After": "1"}) from None
    except WriterClosedError as exc:
        raise ApiError(503, exc.message, headers={"Retry-After": "5"}) from None
    # resolves only after the batch holding this report is committed (or failed: then the
    # error propagates and nothing of the batch was stored)
    return submission_response(await asyncio.wrap_future(future))


# --- evidence files ------------------------------------------------------------------------

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class EvidenceForm(BaseModel):
    """Custody metadata sent with an evidence file (multipart form fields)."""

    # Form fields are text by nature (a time arrives as a string), so this model parses;
    # it still refuses unknown fields and a capture time without an offset.
    model_config = ConfigDict(extra="forbid")

    file: UploadFile = Field(description="The photo, video or document, as captured.")
    captured_at: AwareDatetime = Field(description="When it was captured (ISO 8601 + offset).")
    device: ShortText = Field(description="The capturing device, e.g. 'Pixel 7 SN A1'.")
    captured_by: ShortText | None = Field(
        None, description="Who captured it (default: the uploading user's id)."
    )
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        None,
        description="The SHA-256 computed on the device at capture; bytes that differ "
        "are refused (409).",
    )
    media_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[A-Za-z0-9.+-]+$")] | None = (
        Field(None, description="Media type (default: the part's Content-Type).")
    )


@router.post(
    "/evidence",
    status_code=201,
    # the core's record is the answer: FastAPI serialises the dataclass as it is
    response_model=EvidenceItem,
    responses={
        409: {"description": "Taken in before, or the bytes differ from the stated hash."},
        413: {"description": "Larger than `CEASEFIRE_API_MAX_UPLOAD_BYTES`."},
    },
)
async def upload_evidence(
    request: Request,
    form: Annotated[EvidenceForm, Form(media_type="multipart/form-data")],
    principal: Annotated[Principal, Depends(require(Role.MONITOR))],
) -> EvidenceItem:
    """Take in an evidence file with its custody record (content-addressed, in the ledger)."""
    service = _service(request)
    files = getattr(request.app.state, _EVIDENCE)
    assert isinstance(files, EvidenceFiles)
    name = PurePath((form.file.filename or "upload").replace("\\", "/")).name[:200] or "upload"
    try:
        intake = evidence_intake(
            name,
            captured_by=form.captured_by or principal.user_id,
            device=form.device,
            captured_at=form.captured_at,
            sha256=form.sha256,
            added_by=principal.user_id,
            media_type=form.media_type or _media_type(form.file.content_type),
        )
        # hashing and fsyncing a large file happens off the event loop and off the writer
        stored = await run_in_threadpool(
            files.put_stream, form.file.file, name, intake.sha256_at_capture
        )
    finally:
        await form.file.close()
    item = await _in_writer(service, lambda: record_evidence(_store(service), stored, intake))
    assert isinstance(item, EvidenceItem)
    return item


def _store(service: SubmissionService) -> SQLiteStore:
    """The writer's own store (valid inside a job run by the writer thread)."""
    adapter = service.store_adapter
    if not isinstance(adapter, SqliteSubmissions):
        raise CeasefireError("evidence needs the SQLite store")
    return adapter.store


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return None if value in ("", "application/octet-stream") else value
