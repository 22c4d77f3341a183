"""What the regression sees at the start of each day: lags of the area, its neighbours,
the country and other signals, and the two detectors.

``feature_table(inputs)`` has one row per area and per day ``d = 0..N`` (one more than the
days given): row d is built from days ``0..d-1`` only, so the last row is the forecast
for the day after the data. Fitting and forecasting use the same function; the no-leakage
test checks that changing day d or later leaves rows ``0..d`` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ceasefire.warning.detectors import cusum, quiet_days
from ceasefire.warning.pmf import FloatArray

SEASON_LAG_DAYS = 365
SEASON_HALF_WIDTH = 7
BASE_FEATURES = (
    "own_lag1",
    "own_mean7",
    "own_mean28",
    "own_same_weekday",
    "own_active28",
    "own_mean90",
    "quiet_days",
    "cusum",
    "neighbours_lag1",
    "neighbours_mean7",
    "national_lag1",
)


@dataclass
class ModelInputs:
    """A target series and what else the model reads, on one day axis.

    ``covariates[name][a, d]`` is another signal aligned to the target's areas (its value
    in the same area, or its national value per area where it has no such area).
    ``started`` names the covariate whose value on day d, when positive, means the target
    is already in force as day d + 1 begins (an alert running at midnight): that day's
    count is then at least 1.
    """

    values: FloatArray
    neighbours: sparse.csr_array | None
    covariates: dict[str, FloatArray] = field(default_factory=dict)
    seasonal: bool = False
    started: str | None = None

    @property
    def n_days(self) -> int:
        return int(self.values.shape[1])

    def until(self, day: int) -> ModelInputs:
        """The same inputs cut before ``day`` (copies: nothing later can be read)."""
        return ModelInputs(
            self.values[:, :day].copy(),
            self.neighbours,
            {k: v[:, :day].copy() for k, v in self.covariates.items()},
            self.seasonal,
            self.started,
        )

    @property
    def feature_names(self) -> tuple[str, ...]:
        extra = ("last_year",) if self.seasonal else ()
        return BASE_FEATURES + extra + tuple(f"{c}_lag1" for c in sorted(self.covariates))

    @property
    def started_column(self) -> int | None:
        """The feature column of ``started`` (positive: the day began in force), if any."""
        if self.started is None or self.started not in self.covariates:
            return None
        return self.feature_names.index(f"{self.started}_lag1")


def _lagged(values: FloatArray, lag: int) -> FloatArray:
    """Column d holds ``values[:, d - lag]`` (NaN before the start); N + 1 columns."""
    n_areas, n_days = values.shape
    out = np.full((n_areas, n_days + 1), np.nan)
    if lag <= n_days:
        out[:, lag:] = values[:, : n_days + 1 - lag]
    return out


def window_mean(values: FloatArray, days: int, gap: int = 0) -> FloatArray:
    """Column d: mean of days ``d-gap-days .. d-gap-1`` that exist (0 when none do)."""
    n_areas, n_days = values.shape
    cum = np.zeros((n_areas, n_days + 1))
    np.cumsum(values, axis=1, out=cum[:, 1:])
    d = np.arange(n_days + 1)
    hi = np.clip(d - gap, 0, n_days)
    lo = np.clip(d - gap - days, 0, n_days)
    width = np.maximum(hi - lo, 1)
    return np.asarray((cum[:, hi] - cum[:, lo]) / width[None, :])


def _neighbour_mean(neighbours: sparse.csr_array | None, values: FloatArray) -> FloatArray:
    if neighbours is None:
        return np.zeros_like(values)
    return np.asarray(neighbours @ values)


def feature_table(inputs: ModelInputs) -> FloatArray:
    """Features ``[a, d, j]`` for days ``0..N`` from days before each (see module doc)."""
    values = inputs.values
    n_areas, n_days = values.shape
    lag1 = np.nan_to_num(_lagged(values, 1))
    same_weekday = np.stack([_lagged(values, k) for k in (7, 14, 21, 28)])
    seen = np.isfinite(same_weekday).sum(axis=0)
    weekday_mean = np.where(seen > 0, np.nansum(same_weekday, axis=0) / np.maximum(seen, 1), 0.0)
    mean28 = window_mean(values, 28)
    expected = window_mean(values, 28)[:, :n_days]  # the CUSUM reference for each day
    neighbour_values = _neighbour_mean(inputs.neighbours, values)
    national = values.sum(axis=0, keepdims=True) / max(n_areas, 1)
    columns = [
        lag1,
        window_mean(values, 7),
        mean28,
        weekday_mean,
        window_mean((values > 0).astype(np.float64), 28),
        window_mean(values, 90),
        quiet_days(values),
        cusum(values, expected),
        np.nan_to_num(_lagged(neighbour_values, 1)),
        window_mean(neighbour_values, 7),
        np.repeat(np.nan_to_num(_lagged(national, 1)), n_areas, axis=0),
    ]
    if inputs.seasonal:
        last_year = window_mean(
            values, 2 * SEASON_HALF_WIDTH + 1, SEASON_LAG_DAYS - SEASON_HALF_WIDTH
        )
        has_year = np.arange(n_days + 1) >= SEASON_LAG_DAYS + SEASON_HALF_WIDTH
        columns.append(np.where(has_year[None, :], last_year, mean28))
    for name in sorted(inputs.covariates):
        columns.append(np.nan_to_num(_lagged(inputs.covariates[name], 1)))
    return np.asarray(np.log1p(np.clip(np.stack(columns, axis=2), 0.0, None)), dtype=np.float64)
