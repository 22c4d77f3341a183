"""Issuing the day's warnings from a workspace: the same model as the backtest, fitted on
the store's recent history, forecasting the day from the days before it.

For each signal whose sources delivered data covering the day before (``inputs.coverage``),
at each level of ``warning_levels`` (the country, the oblasts of the active agreement, the
25 km cells with any activity in the history window), and for each model of ``MODELS``: fit
the regression on the last ``warning_history_days`` days, choose the warning threshold on
those days (one false alarm per area per 30 days), forecast the day, and issue a warning
where the probability of the area's event (renewal after a quiet spell, or escalation)
reaches both that threshold and ``warning_min_probability``. Nothing after 00:00 UTC of the
day is read: the store is queried for observations complete by then.

A series not forecast is ``Skipped`` with the reason (logged, and printed by
``ceasefire warnings issue``): above all a signal whose data have not arrived, so that a day
without data is never read as a quiet day.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely

from ceasefire.agreement.model import Agreement
from ceasefire.settings import Settings
from ceasefire.warning.areas import NATIONAL, AreaIndex
from ceasefire.warning.detectors import CUSUM_ALARM
from ceasefire.warning.events import QUIET_DAYS, EventSetup, event_setup
from ceasefire.warning.features import ModelInputs
from ceasefire.warning.forecast import MODEL_NAME, DayForecast, Forecaster, inputs_for
from ceasefire.warning.holdout import Split, fit, tune
from ceasefire.warning.horizon import HORIZON_DAYS, fit_window, model_name
from ceasefire.warning.inputs import (
    SourceCoverage,
    coverage,
    records_from_store,
    source_outages,
)
from ceasefire.warning.metrics import exceedance
from ceasefire.warning.model import WarningEvent, WarningRecord, WarningSignal
from ceasefire.warning.nbglm import NotEnoughDataError
from ceasefire.warning.pmf import FloatArray
from ceasefire.warning.series import DayAxis, Series, build_series
from ceasefire.warning.signals import SIGNALS, Signal
from ceasefire.workspace import Workspace

logger = logging.getLogger(__name__)

MIN_FIT_DAYS = 14  # fewer days of a signal than this: no model, no warning
BURN_IN_DAYS = 7  # the first days of a record only feed the lags
MAX_DRIVERS = 4
PHRASES = {
    "own_lag1": "yesterday's count",
    "own_mean7": "mean of the last 7 days",
    "own_mean28": "mean of the last 28 days",
    "own_same_weekday": "same weekday over the last 4 weeks",
    "own_active28": "share of active days in the last 28",
    "own_mean90": "mean of the last 90 days",
    "quiet_days": "days quiet before today",
    "last_year": "same weeks a year earlier",
}
UNLIKE_A_COUNT = frozenset({"quiet_days", "own_active28"})
COVARIATE_PHRASES = {  # the measure part of a covariate's name ("" for the plain count)
    "evening_hours": "alert hours 18:00-24:00 UTC yesterday",
    "midnight": "alert in force at midnight",
    "midnight_national": "oblasts with an alert in force at midnight",
}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A signal or series not forecast, and why (``series`` is ``signal`` or ``signal/level``)."""

    series: str
    reason: str


@dataclass(slots=True)
class IssueResult:
    """The day's warnings, what was not forecast and why, and how long it took."""

    day: date
    warnings: list[WarningRecord] = field(default_factory=list)
    forecast: list[str] = field(default_factory=list)  # "model: signal/level" forecast
    seconds_by_series: dict[str, float] = field(default_factory=dict)  # per "model: series"
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Place:
    """An area as a warning names it: its name and a representative point."""

    name: str
    lon: float | None
    lat: float | None


@dataclass
class DayInputs:
    """Everything a (series, model) issuer reads for one day: known before 00:00 UTC."""

    day: date
    issued_at: datetime
    axis: DayAxis
    series: dict[str, Series]
    places: dict[str, Place]
    min_probability: float
    fitted: dict[str, FittedDay] = field(default_factory=dict)  # day models, by series


@dataclass(frozen=True)
class FittedDay:
    """The day model of one series, fitted on the history: shared by every model issued."""

    target: Series
    inputs: ModelInputs
    split: Split
    forecaster: Forecaster
    forecast: DayForecast


class NotIssuedError(Exception):
    """A series a model cannot forecast today; the message is the reason."""


SeriesModel = Callable[[DayInputs, str], list[WarningRecord]]
"""One model over one series (``signal/level``): the day's warnings, or NotIssuedError."""


def levels_of(settings: Settings) -> tuple[str, ...]:
    """The levels of ``warning_levels``, in a fixed order."""
    wanted = {part.strip() for part in settings.warning_levels.split(",") if part.strip()}
    return tuple(level for level in ("national", "oblast", "cell") if level in wanted)


def issue_warnings(workspace: Workspace, day: date) -> list[WarningRecord]:
    """Warnings for UTC day `day`, issued at 00:00 UTC of `day` from the observations in the workspace's store that were complete by then, under its active agreement."""
    return issue_day(workspace, day, Settings(workspace=workspace.root)).warnings


def issue_day(workspace: Workspace, day: date, settings: Settings) -> IssueResult:
    """The day's warnings at every level and from every model, with what was skipped and why."""
    started = clock.perf_counter()
    result = IssueResult(day)
    _, agreement = workspace.active_agreement()
    issued_at = datetime.combine(day, time(0), tzinfo=UTC)
    delivered = _delivered_signals(workspace, issued_at, result)
    inputs = _day_inputs(workspace, agreement, day, settings)
    for target in _targets(inputs, delivered, levels_of(settings)):
        for name, model in MODELS:
            began = clock.perf_counter()
            try:
                result.warnings += model(inputs, target)
                result.forecast.append(f"{name}: {target}")
            except NotIssuedError as why:
                result.skipped.append(Skipped(target, f"{name}: {why}"))
            result.seconds_by_series[f"{name}: {target}"] = clock.perf_counter() - began
    for s in result.skipped:
        logger.info("%s %s not forecast: %s", day, s.series, s.reason)
    result.warnings.sort(key=lambda w: (-w.probability, w.area_id, w.signal))
    result.seconds = clock.perf_counter() - started
    return result


def _delivered_signals(workspace: Workspace, issued_at: datetime, result: IssueResult) -> set[str]:
    """The signals whose every delivering source covers the day before; the rest skipped."""
    sources = sorted({s for signal in SIGNALS for s in signal.sources})
    known = coverage(workspace.store, sources)
    outages = source_outages(workspace.store, sources, issued_at - timedelta(days=1), issued_at)
    why = {s.name: _not_delivered(s, known, issued_at) or _out(s, outages) for s in SIGNALS}
    never = {s.name for s in SIGNALS if all(known[x].until is None for x in s.sources)}
    out = set()
    for signal in SIGNALS:
        # a covariate missing yesterday would read as calm too (one never recorded is not read)
        missing = [c for c in signal.covariates if why.get(c) and c not in never]
        reason = why[signal.name] or (
            f"reads {', '.join(missing)} yesterday, not delivered" if missing else ""
        )
        if reason:
            result.skipped.append(Skipped(signal.name, reason))
        else:
            out.add(signal.name)
    return out


def _not_delivered(signal: Signal, known: dict[str, SourceCoverage], issued_at: datetime) -> str:
    """Why ``signal`` cannot be forecast for the day starting at ``issued_at`` ('' if it can).

    Sources that never delivered are left aside (the series never had them); every source
    that did must cover up to ``issued_at``, or its silence would read as calm.
    """
    used = [known[s] for s in signal.sources if known[s].until is not None]
    if not used:
        return f"no data from {', '.join(signal.sources)} delivered yet"
    late = [c for c in used if not c.covers(issued_at)]
    if not late:
        return ""
    day_before = (issued_at - timedelta(days=1)).date()
    return f"data for {day_before} not delivered: " + "; ".join(
        f"{c.source}: {c.basis}" for c in late
    )


def _out(signal: Signal, outages: dict[str, str]) -> str:
    """A recorded outage of a source of ``signal`` on the day before, in words ('' if none)."""
    found = [f"{source}: {outages[source]}" for source in signal.sources if source in outages]
    return "; ".join(found)


def _day_inputs(
    workspace: Workspace, agreement: Agreement, day: date, settings: Settings
) -> DayInputs:
    issued_at = datetime.combine(day, time(0), tzinfo=UTC)
    records = records_from_store(workspace.store, issued_at)
    history = settings.warning_history_days
    axis = DayAxis(day - timedelta(days=history), history)
    index = AreaIndex(agreement)
    series = _active_cells(build_series(records, index, axis))
    return DayInputs(
        day,
        issued_at,
        axis,
        series,
        _places(agreement, index, series),
        settings.warning_min_probability,
    )


def _targets(inputs: DayInputs, delivered: set[str], levels: tuple[str, ...]) -> list[str]:
    """The series to forecast: delivered signals at the wanted levels (in ``SIGNALS`` order)."""
    return [
        key for key, s in inputs.series.items() if s.signal.name in delivered and s.level in levels
    ]


def _active_cells(series: dict[str, Series]) -> dict[str, Series]:
    """The cell series cut to the cells with any activity in the window: the others would
    only ever be forecast zero, and fitting on them costs most of the time."""
    out = dict(series)
    for key, s in series.items():
        if s.level != "cell":
            continue
        active = np.flatnonzero(s.values.sum(axis=1) > 0)
        # the neighbour rows keep their weights: a cut cell was all zero, so means are unchanged
        neighbours = None if s.neighbours is None else s.neighbours[active][:, active]
        out[key] = replace(
            s,
            areas=tuple(s.areas[i] for i in active.tolist()),
            neighbours=neighbours,
            values=s.values[active],
            onset_us=s.onset_us[active],
            evening={name: v[active] for name, v in s.evening.items()},
        )
    return out


def _places(agreement: Agreement, index: AreaIndex, series: dict[str, Series]) -> dict[str, Place]:
    """Name and point of every area a warning can be for."""
    out = {}
    for area in agreement.geography.admin_areas:
        point = shapely.point_on_surface(area.geometry_lonlat)
        out[area.code] = Place(area.name, float(point.x), float(point.y))
    out[NATIONAL] = _national_place(agreement)
    cells = sorted({a for s in series.values() if s.level == "cell" for a in s.areas})
    out.update(_cell_places(agreement, index, cells))
    return out


def _national_place(agreement: Agreement) -> Place:
    country = agreement.geography.country_lonlat
    if country is None:
        return Place("whole country", None, None)
    point = shapely.point_on_surface(country)
    return Place("whole country", float(point.x), float(point.y))


def _cell_places(agreement: Agreement, index: AreaIndex, cells: list[str]) -> dict[str, Place]:
    """Each cell at its centre (unprojected from the metric grid), named by where that is."""
    position = {name: i for i, name in enumerate(index.cells.ids)}
    size_km = f"{index.cell_m / 1000:g} km"
    out = {}
    for cell in cells:
        i = position[cell]
        lon, lat = index.cell_centre_lonlat(i)
        within = _cell_oblast(agreement, index, i)
        suffix = f", {within}" if within else ""
        out[cell] = Place(f"{size_km} cell at {lat:.2f} N {lon:.2f} E{suffix}", lon, lat)
    return out


def _cell_oblast(agreement: Agreement, index: AreaIndex, i: int) -> str:
    """The oblast holding cell ``i``'s centre, else the one covering most of it ('' if none:
    a cell of open sea)."""
    size = index.cell_m
    x0, y0 = float(index.cell_ix[i]) * size, float(index.cell_iy[i]) * size
    areas = agreement.geography.admin_areas
    k = int(index.locate_oblasts(np.array([x0 + size / 2]), np.array([y0 + size / 2]))[0])
    if k >= 0:
        return areas[k].name
    box = shapely.box(x0, y0, x0 + size, y0 + size)
    overlap = [float(shapely.area(shapely.intersection(a.geometry_m, box))) for a in areas]
    best = int(np.argmax(overlap))
    return areas[best].name if overlap[best] > 0 else ""


def _fitted_day(inputs: DayInputs, key: str) -> FittedDay:
    """The day regression of series ``key`` fitted on the history (once per series and day)."""
    if key in inputs.fitted:
        return inputs.fitted[key]
    target = inputs.series[key]
    axis = inputs.axis
    if target.first_day < 0:
        raise NotIssuedError(f"no records in the {axis.n} days before")
    fit_from = target.first_day + BURN_IN_DAYS
    if axis.n - fit_from < MIN_FIT_DAYS:
        raise NotIssuedError(
            f"recorded only from {axis.day(target.first_day)}: too few days to fit on"
        )
    if not target.areas:
        raise NotIssuedError("no area with any activity in the window")
    model_inputs = inputs_for(inputs.series, key)
    split = Split(fit_from, axis.n, axis.n)
    try:
        forecaster = fit(model_inputs, split, target.signal.cap)
    except NotEnoughDataError as exc:
        raise NotIssuedError(f"not enough data to fit ({exc})") from None
    fitted = FittedDay(target, model_inputs, split, forecaster, forecaster.predict(model_inputs))
    inputs.fitted[key] = fitted
    return fitted


@dataclass(frozen=True)
class Outlook:
    """One model's answer for every area of a series: the event probabilities, the events
    (``setup``), how many days they cover, and the expected count over those days."""

    model: str
    p: FloatArray
    setup: EventSetup
    days: int
    expected: FloatArray


def _warnings(
    inputs: DayInputs, fitted: FittedDay, o: Outlook, threshold: float
) -> list[WarningRecord]:
    """A record for each area whose probability reaches ``threshold`` (and the floor)."""
    target = fitted.target
    out = []
    for a in np.flatnonzero(o.p >= max(threshold, inputs.min_probability)).tolist():
        area = target.areas[a]
        place = inputs.places.get(area, Place(area, None, None))
        out.append(
            WarningRecord(
                issued_at=inputs.issued_at,
                valid_from=inputs.issued_at,
                valid_to=inputs.issued_at + timedelta(days=o.days),
                area_id=area,
                area_name=place.name,
                event=WarningEvent.RENEWAL if o.setup.renewal[a, 0] else WarningEvent.ESCALATION,
                signal=target.signal.name,
                probability=float(min(max(o.p[a], 0.0), 1.0)),
                expected_count=float(o.expected[a]),
                threshold=float(o.setup.threshold[a, 0]),
                model=o.model,
                drivers=drivers(
                    target, fitted.inputs, fitted.forecast, a, fitted.forecaster.model.names
                ),
                lon=place.lon,
                lat=place.lat,
            )
        )
    return out


def day_model(inputs: DayInputs, key: str) -> list[WarningRecord]:
    """The one-day regression (``nbglm``) over series ``key``: warnings for the day itself."""
    fitted = _fitted_day(inputs, key)
    tuned = tune(fitted.inputs, fitted.split, fitted.forecaster).warn_threshold
    setup = event_setup(fitted.inputs.values, np.array([inputs.axis.n]))
    p = exceedance(fitted.forecast.pmf, setup.threshold[:, 0])
    outlook = Outlook(MODEL_NAME, p, setup, 1, fitted.forecast.mean)
    return _warnings(inputs, fitted, outlook, tuned)


def window_model(inputs: DayInputs, key: str) -> list[WarningRecord]:
    """The direct multi-day model (``horizon``) over series ``key``: warnings for the next
    ``HORIZON_DAYS`` days from 00:00 of the day, on the same day model's features."""
    fitted = _fitted_day(inputs, key)
    try:
        window = fit_window(fitted.inputs, fitted.split, fitted.forecaster, HORIZON_DAYS)
    except NotEnoughDataError as exc:
        raise NotIssuedError(f"not enough data to fit ({exc})") from None
    p, setup = window.from_features(fitted.forecast.features, fitted.inputs.values)
    # expected: the window's total if every day were like the first
    outlook = Outlook(window.name, p, setup, HORIZON_DAYS, HORIZON_DAYS * fitted.forecast.mean)
    return _warnings(inputs, fitted, outlook, window.warn_threshold)


# Every model issued per series: (name, issuer), each a function of the same shape.
MODELS: tuple[tuple[str, SeriesModel], ...] = (
    (MODEL_NAME, day_model),
    (model_name(HORIZON_DAYS), window_model),
)


def drivers(
    target: Series,
    inputs: ModelInputs,
    forecast: DayForecast,
    a: int,
    names: tuple[str, ...],
) -> tuple[WarningSignal, ...]:
    """The signals that pushed area ``a``'s forecast up most, and the detectors that fired."""
    values = inputs.values[a]
    usual = float(values[-28:].mean()) if len(values) else 0.0
    raw = np.expm1(forecast.features[a])
    pull = forecast.contributions[a]
    area = target.areas[a]
    signal = target.signal.name
    out: list[WarningSignal] = []
    quiet = int(raw[names.index("quiet_days")])
    if quiet >= QUIET_DAYS:
        out.append(
            WarningSignal(signal, area, float(quiet), float(QUIET_DAYS), f"{quiet} days quiet")
        )
    statistic = float(raw[names.index("cusum")])
    if statistic >= CUSUM_ALARM:
        out.append(
            WarningSignal(
                signal,
                area,
                statistic,
                CUSUM_ALARM,
                f"escalation detector (CUSUM) at {statistic:.1f}, alarm at {CUSUM_ALARM:g}",
            )
        )
    for j in np.argsort(-pull).tolist():
        if len(out) >= MAX_DRIVERS or pull[j] <= 0:
            break
        found = _feature_driver(names[j], float(raw[j]), usual, signal, area, target, inputs)
        if found not in out:  # two features can point at the same neighbour's value
            out.append(found)
    return tuple(out)


def _feature_driver(
    name: str,
    value: float,
    usual: float,
    signal: str,
    area: str,
    target: Series,
    inputs: ModelInputs,
) -> WarningSignal:
    a = target.areas.index(area)
    if name.startswith("neighbours") and target.neighbours is not None:
        row = target.neighbours[[a]].toarray()[0]
        near = np.flatnonzero(row > 0)
        if len(near):
            top = int(near[np.argmax(inputs.values[near, -1])])
            return WarningSignal(
                signal,
                target.areas[top],
                float(inputs.values[top, -1]),
                float(inputs.values[top, -28:].mean()),
                f"neighbour {target.areas[top]} yesterday against its 28-day mean",
            )
    if name == "national_lag1":
        return WarningSignal(signal, "UA", value, usual, "country-wide level yesterday (per area)")
    if name.endswith("_lag1") and not name.startswith("own"):
        covariate = name.removesuffix("_lag1")
        # "alerts_midnight_national" -> family "alerts", measured for the whole country
        family, _, measure = covariate.partition("_")
        national = measure.endswith("national")
        return WarningSignal(
            family,
            NATIONAL if national else area,
            value,
            float(inputs.covariates[covariate][a, -28:].mean()),
            COVARIATE_PHRASES.get(measure, f"{family} yesterday"),
        )
    phrase = PHRASES.get(name, name.replace("_", " "))
    if name in UNLIKE_A_COUNT:  # a run length or a share: no count to hold against the mean
        return WarningSignal(signal, area, value, usual, phrase)
    return WarningSignal(signal, area, value, usual, f"{phrase} against the 28-day mean")
