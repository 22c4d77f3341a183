"""Rendering a report: one self-contained HTML file, a PDF made from it, and Markdown."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ceasefire.errors import CeasefireError
from ceasefire.reports.model import ReportData

FORMATS = ("html", "pdf", "md")
# Markdown's inline syntax (emphasis, links, images, HTML, code, table cells), escaped in
# untrusted text: a liaison's reply must not forge a heading or decision, or fetch an image.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|#~{}&])")


def _md(text: str) -> str:
    """Untrusted text (replies, decisions, reasons, gap details) as one line of literal
    Markdown: line breaks collapsed (no new block can start) and metacharacters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("ceasefire.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def to_html(report: ReportData) -> str:
    """The report as one HTML page; pictures are embedded, nothing is fetched from elsewhere."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=report,
        map_b64=base64.b64encode(report.map_png).decode(),
        timeline_b64=base64.b64encode(report.timeline_png).decode(),
    )


def to_pdf(report: ReportData) -> bytes:
    """The report as PDF, rendered by WeasyPrint from the same HTML (offline, system Pango)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint loads Pango at import; a missing system library lands here
        raise CeasefireError(f"PDF output needs Pango (Debian: libpango-1.0-0): {exc}") from exc
    pdf = HTML(string=to_html(report)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def to_markdown(
    report: ReportData, map_name: str = "map.png", timeline_name: str = "timeline.png"
) -> str:
    """The report as Markdown; the two pictures are separate files named here."""
    lines = [
        f"# {report.title}",
        "",
        f"Window {report.window_start:%Y-%m-%d %H:%M} to {report.window_end:%Y-%m-%d %H:%M} UTC; "
        f"judged under {report.agreement}; generated {report.generated_at:%Y-%m-%d %H:%M} UTC.",
        "",
        "## Summary",
        "",
        *[f"- {line}" for line in report.summary],
        "",
        f"![Map of zones, the line of contact and findings]({map_name})",
        "",
        f"![Daily counts]({timeline_name})",
        "",
        "## Counts",
        "",
        "Each count is compared with the previous window of the same length and with the average "
        "of the seven windows before this one.",
    ]
    for table in report.tables:
        lines += [
            "",
            f"| {table.title} | now | before | change | 7-avg |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in table.rows:
            lines.append(
                f"| {row.label} | {row.current} | {row.previous} | {row.change:+d} | {row.average_7:.1f} |"
            )
        if not table.rows:
            lines.append("| none | | | | |")
    lines += ["", "## Corroborated and confirmed findings", ""]
    for f in report.findings:
        where = (
            f" at {f.lat:.4f} N {f.lon:.4f} E" if f.lon is not None and f.lat is not None else ""
        )
        lines += [
            f"### {f.finding_id}: {f.rule} ({f.severity}, {f.level}, grade {f.grade})",
            "",
            f"{f.observed_at:%Y-%m-%d %H:%M} UTC, zone {f.zone or 'none'}, {f.oblast or 'oblast unknown'}{where}. "
            f"Presumed responsible: **{f.responsible or 'not attributed'}** (confidence {f.confidence:.2f}).",
            "",
            *[f"- {_md(reason)}" for reason in f.reasons],
            *[f"- evidence `{e.uid}` ({e.role})" for e in f.evidence],
            *[f"- decision: {_md(d)}" for d in f.decisions],
            *[f"- reply: {_md(d)}" for d in f.replies],
            "",
        ]
    if not report.findings:
        lines += ["No corroborated or confirmed findings in this window.", ""]
    lines += _warnings_markdown(report)
    lines += ["## Coverage gaps", ""]
    if report.gaps:
        lines += ["| what | from | to | where | detail |", "|---|---|---|---|---|"]
        for g in report.gaps:
            end = f"{g.end:%Y-%m-%d %H:%M}" if g.end else "open"
            lines.append(
                f"| {_md(g.kind)} | {g.start:%Y-%m-%d %H:%M} | {end} | {_md(g.where)} | {_md(g.detail)} |"
            )
    else:
        lines.append("No access denials or sensor outages were recorded for this window.")
    lines += ["", f"Sources in this window: {', '.join(report.sources) or 'none'}.", ""]
    return "\n".join(lines)


def _warnings_markdown(report: ReportData) -> list[str]:
    """The Warnings section (none at all when the rendition carries no warnings)."""
    if report.warnings is None:
        return []
    lines = [
        "## Warnings",
        "",
        "Warnings valid in this window: probability of the event in the area over the validity "
        "window, lead time, and the signals that drove each. A warning is a forecast, not a "
        "finding.",
        "",
    ]
    if not report.warnings:
        return [*lines, "No warnings were valid in this window.", ""]
    lines += [
        "| area | event | probability | valid (UTC) | lead | drivers |",
        "|---|---|---:|---|---|---|",
    ]
    for w in report.warnings:
        drivers = "; ".join(w.drivers) or "none recorded"
        cells = (
            w.area,
            f"{w.event} ({w.signal})",
            f"{w.probability:.0%}",
            f"{w.valid_from:%Y-%m-%d %H:%M} to {w.valid_to:%Y-%m-%d %H:%M}",
            w.lead,
            f"{drivers} ({w.warning_id}, {w.model})",
        )
        # a "|" inside a cell would split it: escaped
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return [*lines, ""]


def write_report(
    report: ReportData, out_dir: Path, stem: str, formats: Iterable[str] = FORMATS
) -> dict[str, Path]:
    """Write the report in the asked formats into ``out_dir``; return the paths by format."""
    wanted = list(formats)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise CeasefireError(
            f"unknown report format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "html" in wanted:
        written["html"] = out_dir / f"{stem}.html"
        written["html"].write_text(to_html(report), encoding="utf-8")
    if "pdf" in wanted:
        written["pdf"] = out_dir / f"{stem}.pdf"
        written["pdf"].write_bytes(to_pdf(report))
    if "md" in wanted:
        map_name, timeline_name = f"{stem}-map.png", f"{stem}-timeline.png"
        (out_dir / map_name).write_bytes(report.map_png)
        (out_dir / timeline_name).write_bytes(report.timeline_png)
        written["md"] = out_dir / f"{stem}.md"
        written["md"].write_text(to_markdown(report, map_name, timeline_name), encoding="utf-8")
    return written
