"""Issuing the day's warnings from a workspace: the same model as the backtest, fitted on
the store's recent history, forecasting the day from the days before it.

For each signal recorded up to the day before, per oblast of the active agreement: fit the
regression on the last ``warning_history_days`` days, choose the warning threshold on those
days (one false alarm per oblast per 30 days), forecast the day, and issue a warning where
the probability of the area's event (renewal after a quiet spell, or escalation) reaches
both that threshold and ``warning_min_probability``. Nothing after 00:00 UTC of the day is
read: the store is queried for observations complete by then.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely

from ceasefire.agreement.model import Agreement
from ceasefire.settings import Settings
from ceasefire.warning.areas import AreaIndex
from ceasefire.warning.detectors import CUSUM_ALARM
from ceasefire.warning.events import QUIET_DAYS, event_setup
from ceasefire.warning.features import ModelInputs
from ceasefire.warning.forecast import MODEL_NAME, DayForecast, inputs_for
from ceasefire.warning.holdout import Split, fit, tune
from ceasefire.warning.inputs import records_from_store
from ceasefire.warning.metrics import exceedance
from ceasefire.warning.model import WarningEvent, WarningRecord, WarningSignal
from ceasefire.warning.nbglm import NotEnoughDataError
from ceasefire.warning.series import DayAxis, Series, build_series
from ceasefire.workspace import Workspace

logger = logging.getLogger(__name__)

MIN_FIT_DAYS = 14  # fewer days of a signal than this: no model, no warning
BURN_IN_DAYS = 7  # the first days of a record only feed the lags
STALE_DAYS = 2  # a signal silent in the store for longer is no longer being recorded
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


def issue_warnings(workspace: Workspace, day: date) -> list[WarningRecord]:
    """Warnings for UTC day `day`, issued at 00:00 UTC of `day` from the observations in the workspace's store that were complete by then, under its active agreement."""
    return issue_with_settings(workspace, day, Settings(workspace=workspace.root))


def issue_with_settings(workspace: Workspace, day: date, settings: Settings) -> list[WarningRecord]:
    """``issue_warnings`` with explicit settings (history length, probability floor)."""
    _, agreement = workspace.active_agreement()
    issued_at = datetime.combine(day, time(0), tzinfo=UTC)
    records = records_from_store(workspace.store, issued_at)
    axis = DayAxis(
        day - timedelta(days=settings.warning_history_days), settings.warning_history_days
    )
    series = build_series(records, AreaIndex(agreement), axis)
    names = {a.code: a.name for a in agreement.geography.admin_areas}
    points = _representative_points(agreement)
    warnings: list[WarningRecord] = []
    for key, target in series.items():
        if target.level != "oblast" or target.first_day < 0:
            continue
        if target.last_day < axis.n - 1 - STALE_DAYS:
            logger.info("%s: last recorded %s, not issuing", key, axis.day(target.last_day))
            continue
        fit_from = target.first_day + BURN_IN_DAYS
        if axis.n - fit_from < MIN_FIT_DAYS:
            continue
        inputs = inputs_for(series, key)
        split = Split(fit_from, axis.n, axis.n)
        try:
            forecaster = fit(inputs, split, target.signal.cap)
        except NotEnoughDataError:
            continue
        threshold = max(
            tune(inputs, split, forecaster).warn_threshold, settings.warning_min_probability
        )
        forecast = forecaster.predict(inputs)
        setup = event_setup(inputs.values, np.array([axis.n]))
        p = exceedance(forecast.pmf, setup.threshold[:, 0])
        for a in np.flatnonzero(p >= threshold).tolist():
            area = target.areas[a]
            lon, lat = points.get(area, (None, None))
            warnings.append(
                WarningRecord(
                    issued_at=issued_at,
                    valid_from=issued_at,
                    valid_to=issued_at + timedelta(days=1),
                    area_id=area,
                    area_name=names.get(area, area),
                    event=WarningEvent.RENEWAL if setup.renewal[a, 0] else WarningEvent.ESCALATION,
                    signal=target.signal.name,
                    probability=float(min(max(p[a], 0.0), 1.0)),
                    expected_count=float(forecast.mean[a]),
                    threshold=float(setup.threshold[a, 0]),
                    model=MODEL_NAME,
                    drivers=drivers(target, inputs, forecast, a, forecaster.model.names),
                    lon=lon,
                    lat=lat,
                )
            )
    return sorted(warnings, key=lambda w: (-w.probability, w.area_id, w.signal))


def _representative_points(agreement: Agreement) -> dict[str, tuple[float, float]]:
    out = {}
    for area in agreement.geography.admin_areas:
        point = shapely.point_on_surface(area.geometry_lonlat)
        out[area.code] = (float(point.x), float(point.y))
    return out


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
        out.append(_feature_driver(names[j], float(raw[j]), usual, signal, area, target, inputs))
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
        return WarningSignal(
            covariate,
            area,
            value,
            float(inputs.covariates[covariate][a, -28:].mean()),
            f"{covariate} yesterday",
        )
    return WarningSignal(
        signal, area, value, usual, f"{name.replace('_', ' ')} against the 28-day mean"
    )
