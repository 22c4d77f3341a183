"""Building a report's content from the store: counts, comparisons, findings, gaps, pictures.

The OSCE Special Monitoring Mission's daily report counted violations per area and compared
them with the day before; ours does that for any window (a UTC day by default): each count
is shown with the previous window of the same length and the average of the seven windows
before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from ceasefire.agreement.model import Agreement
from ceasefire.reports.charts import daily_series, findings_map_png, timeline_png
from ceasefire.reports.model import (
    CountRow,
    CountTable,
    FindingView,
    GapView,
    ReportData,
    WarningLine,
)
from ceasefire.store.base import ObservationQuery, Store, StoredObservation

FindingsIn = Callable[[datetime, datetime], Sequence[FindingView]]
GapsIn = Callable[[datetime, datetime], Sequence[GapView]]
WarningsIn = Callable[[datetime, datetime], Sequence[WarningLine]]

HISTORY_WINDOWS = 7
TIMELINE_DAYS = 14


def _windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The report window first, then the seven windows of the same length before it."""
    length = end - start
    return [(start - i * length, end - i * length) for i in range(HISTORY_WINDOWS + 1)]


def _table(title: str, dimension: str, per_window: list[Counter[str]]) -> CountTable:
    labels = sorted(set().union(*per_window), key=lambda k: (-per_window[0][k], k))
    rows = tuple(
        CountRow(
            label=label,
            current=per_window[0][label],
            previous=per_window[1][label],
            average_7=sum(c[label] for c in per_window[1:]) / HISTORY_WINDOWS,
        )
        for label in labels
    )
    return CountTable(title, dimension, rows)


def _observations(
    store: Store, key: int, start: datetime, end: datetime
) -> list[StoredObservation]:
    return store.query_observations(ObservationQuery(since=start, until=end, agreement_key=key))


def build_report(
    store: Store,
    agreement: Agreement,
    agreement_key: int,
    start: datetime,
    end: datetime,
    *,
    findings_in: FindingsIn,
    gaps_in: GapsIn,
    title: str | None = None,
    warnings_in: WarningsIn | None = None,
) -> ReportData:
    """The content of a report for the window [start, end) under one agreement version.

    ``warnings_in`` gives the warnings valid in the window; without it the report has no
    Warnings section (a rendition for an audience that may not read warnings).
    """
    windows = _windows(start, end)
    names = {area.code: f"{area.code} {area.name}" for area in agreement.geography.admin_areas}

    def oblast_label(code: str) -> str:
        return names.get(code, code)

    findings_per_window = [list(findings_in(a, b)) for a, b in windows]
    observations_per_window = [_observations(store, agreement_key, a, b) for a, b in windows]

    def finding_counts(key: Callable[[FindingView], str]) -> list[Counter[str]]:
        return [Counter(key(f) for f in fs) for fs in findings_per_window]

    def observation_counts(key: Callable[[StoredObservation], str]) -> list[Counter[str]]:
        return [Counter(key(o) for o in os) for os in observations_per_window]

    tables = (
        _table("Violations (findings) by rule", "rule", finding_counts(lambda f: f.rule)),
        _table("Violations (findings) by kind", "finding kind", finding_counts(lambda f: f.kind)),
        _table(
            "Violations (findings) by zone", "zone", finding_counts(lambda f: f.zone or "(no zone)")
        ),
        _table(
            "Violations (findings) by oblast",
            "oblast",
            finding_counts(lambda f: oblast_label(f.oblast) if f.oblast else "(unknown)"),
        ),
        _table("Observations by kind", "kind", observation_counts(lambda o: o.kind)),
        _table("Observations by source", "source", observation_counts(lambda o: o.source)),
        _table(
            "Observations by oblast",
            "oblast",
            observation_counts(
                lambda o: oblast_label(o.oblast or (o.area or "(outside)").split("/")[0])
            ),
        ),
    )

    findings = tuple(sorted(findings_per_window[0], key=lambda f: (f.observed_at, f.finding_id)))
    shown = tuple(f for f in findings if f.level in ("corroborated", "confirmed"))
    gaps = tuple(gaps_in(start, end))
    label = title or _default_title(start, end)
    # the days up to the window's last one: at least TIMELINE_DAYS, the whole window if longer
    timeline_end = _day(end - timedelta(microseconds=1)) + timedelta(days=1)
    timeline_start = min(_day(start), timeline_end - timedelta(days=TIMELINE_DAYS))
    timeline_days = (timeline_end - timeline_start).days
    timeline_obs = _observations(store, agreement_key, timeline_start, timeline_end)
    timeline_findings = findings_in(timeline_start, timeline_end)
    days, series = daily_series(
        [o.observed_at for o in timeline_obs] + [f.observed_at for f in timeline_findings],
        [o.source for o in timeline_obs] + ["findings"] * len(timeline_findings),
        timeline_start,
        timeline_days,
    )
    summary: tuple[str, ...] = (
        f"{len(findings)} finding(s) in the window, {len(shown)} corroborated or confirmed; "
        f"{sum(1 for f in findings if f.severity == 'serious')} serious.",
        f"{len(observations_per_window[0])} observation(s) from "
        f"{len({o.source for o in observations_per_window[0]})} source(s).",
        f"{len(gaps)} coverage gap(s): places and times the mission could not see."
        if gaps
        else "No coverage gaps were recorded for the window.",
    )
    warnings = None if warnings_in is None else _warnings(warnings_in(start, end))
    if warnings is not None:
        summary += (_warnings_summary(warnings),)
    return ReportData(
        title=label,
        window_start=start,
        window_end=end,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        agreement=f"{agreement.id} version {agreement.version}",
        tables=tables,
        findings=shown,
        gaps=gaps,
        summary=summary,
        map_png=findings_map_png(agreement, shown, _map_title(label, warnings), warnings or ()),
        timeline_png=timeline_png(
            days, series, (start, end), "Observations per day by source, and findings (UTC)"
        ),
        sources=tuple(sorted({o.source for o in observations_per_window[0]})),
        warnings=warnings,
    )


def _map_title(label: str, warnings: Sequence[WarningLine] | None) -> str:
    if warnings:
        return f"{label}: corroborated and confirmed findings, and warnings"
    return f"{label}: corroborated and confirmed findings"


def _warnings(lines: Sequence[WarningLine]) -> tuple[WarningLine, ...]:
    """Most likely first; then by start of validity."""
    return tuple(sorted(lines, key=lambda w: (-w.probability, w.valid_from, w.warning_id)))


def _warnings_summary(warnings: Sequence[WarningLine]) -> str:
    if not warnings:
        return "No warnings were valid in the window."
    top = warnings[0]
    return (
        f"{len(warnings)} warning(s) valid in the window; the most likely: {top.event} "
        f"in {top.area}, probability {top.probability:.0%}."
    )


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _default_title(start: datetime, end: datetime) -> str:
    if end - start == timedelta(days=1) and start == _day(start):
        return f"Daily report {start:%Y-%m-%d}"
    return f"Report {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
