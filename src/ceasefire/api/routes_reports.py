"""Published reports, coverage gaps and exports."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse, Response

from ceasefire.access.identity import Principal, Role
from ceasefire.access.policy import ReportWindow
from ceasefire.access.reports import audience, scoped_providers, scoped_warnings
from ceasefire.access.views import GapView
from ceasefire.api.auth import current_principal, require
from ceasefire.api.errors import ApiError
from ceasefire.api.models import ExportFilters, Paging, ReportOut, Window
from ceasefire.api.pagination import Page, paginate
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.routes_findings import verification_query
from ceasefire.api.state import ApiState, get_state
from ceasefire.reports.build import build_report
from ceasefire.reports.render import write_report
from ceasefire.timeutil import to_epoch_us
from ceasefire.verification.exports import findings_geojson, write_acled_csv
from ceasefire.verification.pipeline import window_gaps

router = APIRouter(prefix=API_PREFIX)

_MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
    ".png": "image/png",
}
_FILE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(\.[a-z]+)$")
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)


class ReportPaging(Paging):
    pass


def _latest_by_stem(reports: list[ReportWindow]) -> dict[str, ReportWindow]:
    """Each report name (file stem) with its latest published record."""
    out: dict[str, ReportWindow] = {}
    for r in reports:
        for name in r.files:
            stem = name.rsplit(".", 1)[0]
            if name.endswith((".html", ".pdf", ".md")):
                out[stem] = r
    return out


def _visible(state: ApiState, principal: Principal) -> dict[str, ReportWindow]:
    published = state.access.published_reports()
    allowed = {r.leaf_index for r in state.policy.reports(principal, published, datetime.now(UTC))}
    return {s: r for s, r in _latest_by_stem(published).items() if r.leaf_index in allowed}


@router.get("/reports", response_model=Page[ReportOut], tags=["reports"])
def reports(
    paging: Annotated[ReportPaging, Query()],
    principal: Annotated[Principal, Depends(current_principal)],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[ReportOut]:
    """Published reports, oldest window first (for the public, only windows that ended at
    least ``public_delay_hours`` ago)."""
    items = [
        ReportOut(
            name=stem,
            title=r.title,
            window_start=r.window_start,
            window_end=r.window_end,
            generated_at=r.generated_at,
            leaf_index=r.leaf_index,
            files=sorted(n for n in r.files if n.rsplit(".", 1)[0].startswith(stem)),
        )
        for stem, r in _visible(state, principal).items()
    ]
    return paginate(
        items,
        lambda i: (to_epoch_us(i.window_start), i.name),
        paging.limit,
        paging.cursor,
    )


def _sha256(path: FilePath) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _rendition(
    state: ApiState, principal: Principal, record: ReportWindow, stem: str, name: str
) -> FilePath:
    """The report as ``principal``'s audience may read it, built once per ledger size."""
    with state.lock:
        size = state.store.ledger.size()
        base = state.workspace.outputs / "renditions"
        target = base / str(size) / audience(principal)
        path = target / name
        if path.is_file():
            return path
        for old in base.glob("*") if base.is_dir() else ():
            if old.name != str(size):
                shutil.rmtree(old, ignore_errors=True)  # older ledger states: stale
        agreement_record, agreement = state.agreement_of(
            record.agreement_id, record.agreement_version
        )
        findings_in, gaps_in = scoped_providers(
            state.policy, principal, state.store, state.verification, agreement_record.key
        )
        data = build_report(
            state.store,
            agreement,
            agreement_record.key,
            record.window_start,
            record.window_end,
            findings_in=findings_in,
            gaps_in=gaps_in,
            title=record.title,
            warnings_in=scoped_warnings(state.policy, principal, state.store),
        )
        fmt = "md" if name.endswith(".png") else name.rsplit(".", 1)[1]
        write_report(data, target, stem, [fmt])
    if not path.is_file():
        raise ApiError(404, f"no report file {name!r}")
    return path


@router.get("/reports/{name}", tags=["reports"], response_class=Response)
def report_file(
    name: Annotated[str, Path(pattern=_FILE)],
    principal: Annotated[Principal, Depends(current_principal)],
    state: Annotated[ApiState, Depends(get_state)],
) -> Response:
    """A published report's file: ``daily-2023-01-06.html`` or ``2023-01-06.html`` (daily),
    ``.pdf``, ``.md`` and the pictures the Markdown shows. The mission reads the file as
    recorded in the ledger; others a rendition shaped for them (see docs/api.md)."""
    day = _DAY.match(name)
    if day:
        name = f"daily-{day.group(1)}{day.group(2)}"
    suffix = FilePath(name).suffix
    if suffix not in _MEDIA:
        raise ApiError(404, f"no report file {name!r}")
    visible = _visible(state, principal)
    stem = next((s for s in visible if name.startswith(s + ".") or name.startswith(s + "-")), None)
    if stem is None or name not in visible[stem].files:
        raise ApiError(404, f"no published report file {name!r}")
    record = visible[stem]
    if audience(principal) == "mission":
        path = state.workspace.outputs / name
        if not path.is_file():
            raise ApiError(404, f"{name} was published but is not in the workspace outputs")
        if _sha256(path) != record.files[name]:
            raise ApiError(
                409, f"{name} differs from the published file (ledger leaf {record.leaf_index})"
            )
    else:
        path = _rendition(state, principal, record, stem, name)
    return FileResponse(path, media_type=_MEDIA[suffix], filename=name)


class CoverageFilters(Window, Paging):
    pass


@router.get("/coverage", response_model=Page[GapView], tags=["verification"])
def coverage(
    filters: Annotated[CoverageFilters, Query()],
    principal: Annotated[
        Principal, Depends(require(Role.ANALYST, Role.CHIEF, Role.LIAISON, Role.GUARANTOR))
    ],
    state: Annotated[ApiState, Depends(get_state)],
) -> Page[GapView]:
    """Access denials and sensor outages overlapping the window (recorded, and monitors'
    movement-restriction reports)."""
    start, end = filters.since or _EARLIEST, filters.until or _LATEST
    with state.lock:
        gaps = window_gaps(state.store, state.verification, state.active_key(), start, end)
    views = state.policy.gaps(principal, gaps)
    return paginate(
        views,
        lambda g: (to_epoch_us(g.start), g.id, g.source_uid or ""),
        filters.limit,
        filters.cursor,
    )


@router.get("/exports/findings.geojson", tags=["exports"])
def export_geojson(
    filters: Annotated[ExportFilters, Query()],
    principal: Annotated[Principal, Depends(require(Role.ANALYST, Role.CHIEF))],
    state: Annotated[ApiState, Depends(get_state)],
) -> dict[str, Any]:
    """Findings as a GeoJSON FeatureCollection (as ``ceasefire export findings``)."""
    key = state.active_key()
    with state.lock:
        found = state.policy.mission_findings(
            principal, state.verification, verification_query(filters, key)
        )
    return findings_geojson(found)


@router.get("/exports/acled.csv", tags=["exports"], response_class=Response)
def export_acled(
    filters: Annotated[ExportFilters, Query()],
    principal: Annotated[Principal, Depends(require(Role.ANALYST, Role.CHIEF))],
    state: Annotated[ApiState, Depends(get_state)],
) -> Response:
    """Findings in ACLED's CSV layout (as ``ceasefire export findings --format acled-csv``)."""
    key = state.active_key()
    parties: dict[str, str] = {}
    names: dict[str, str] = {}
    with state.lock:
        found = state.policy.mission_findings(
            principal, state.verification, verification_query(filters, key)
        )
    if key is not None:
        _, agreement = state.active_agreement()
        parties = {p.code: p.name for p in agreement.parties}
        names = {a.code: a.name for a in agreement.geography.admin_areas}
    out = io.StringIO()
    write_acled_csv(found, out, parties, names)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
