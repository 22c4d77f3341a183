"""Forecasts for one day from the days before it: the regression's predictive distribution.

``inputs_for`` gathers what the model of one series reads (the series, its neighbours and its
covariate signals, aligned to its areas); ``Forecaster.predict`` takes inputs cut before the
forecast day (``ModelInputs.until``), so it cannot see that day or any later one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ceasefire.warning.baselines import climatology, persistence
from ceasefire.warning.features import ModelInputs, feature_table
from ceasefire.warning.nbglm import NBModel
from ceasefire.warning.pmf import FloatArray, at_least_one, mean_of, negative_binomial
from ceasefire.warning.series import Series

MODEL_NAME = "nbglm-1"
# The end of yesterday, for an hours target (alerts): its evening hours and whether an
# alert was in force at midnight, in the area and (midnight) the number of oblasts
# nationally. Waves begin late in the UTC day, so these say more about today than the
# day's total does. With the condition that a day begun under alert has at least one
# alert hour (``Forecaster.started``), they raised the alert model's CRPS / ignorance
# skill on the validation window (the 92 days before the hold-out) from +5.9 / +5.9 %
# to +11.1 / +9.1 %, on two earlier 92-day windows by 0.2 to 1.3 points, and on the
# hold-out by 0.1 / 1.1 points. The conflict model gained nothing from them (validation
# window), so it reads alert hours only.
EVENING_COVARIATES: tuple[tuple[str, bool], ...] = (
    ("hours", False),
    ("midnight", False),
    ("midnight", True),
)


def inputs_for(series: dict[str, Series], key: str) -> ModelInputs:
    """The target series ``key`` (``signal/level``) with its covariates aligned to its areas.

    A covariate enters with its value in the same area where it has one (same level and
    area id), else with its national value per area.
    """
    target = series[key]
    covariates: dict[str, FloatArray] = {}
    for name in target.signal.covariates:
        same = series.get(f"{name}/{target.level}")
        national = series.get(f"{name}/national")
        if same is None and national is None:
            continue
        n_per_area = len(same.areas) if same is not None else 1
        fallback = national.values[0] / max(n_per_area, 1) if national is not None else 0.0
        aligned = np.tile(fallback, (len(target.areas), 1)).astype(np.float64)
        if same is not None:
            row_of = {a: i for i, a in enumerate(same.areas)}
            for i, area in enumerate(target.areas):
                if area in row_of:
                    aligned[i] = same.values[row_of[area]]
        covariates[name] = aligned
    covariates.update(_evening_covariates(series, target))
    # an alert running at midnight is in force in the first hour of the next day
    midnight = f"{target.signal.name}_midnight"
    return ModelInputs(
        target.values,
        target.neighbours,
        covariates,
        target.signal.seasonal_prior,
        midnight if midnight in covariates else None,
    )


def _evening_covariates(series: dict[str, Series], target: Series) -> dict[str, FloatArray]:
    """The target's own evening measures (``EVENING_COVARIATES``), named
    ``{signal}_evening_hours``, ``{signal}_midnight`` and ``{signal}_midnight_national``."""
    out: dict[str, FloatArray] = {}
    national = series.get(f"{target.signal.name}/national")
    for measure, country_wide in EVENING_COVARIATES:
        source = national if country_wide else target
        if country_wide and target.level == "national":
            continue  # the target's own value already
        if source is None or measure not in source.evening:
            continue
        values = source.evening[measure]
        if country_wide:
            values = np.tile(values[0], (len(target.areas), 1))
        label = "evening_hours" if measure == "hours" else measure
        suffix = "_national" if country_wide else ""
        out[f"{target.signal.name}_{label}{suffix}"] = np.asarray(values, dtype=np.float64)
    return out


@dataclass(frozen=True, slots=True)
class DayForecast:
    """The forecast for one day: a pmf per area, and why (features and their pull on log mu)."""

    pmf: FloatArray
    mean: FloatArray
    features: FloatArray
    contributions: FloatArray


@dataclass(frozen=True)
class Forecaster:
    """A fitted regression, the support its forecasts use, and its blend with two baselines.

    The forecast is ``(1 - c - p) * NB + c * climatology + p * persistence`` with
    ``blend = (c, p)``: the regression moves the mean with the lags and detectors, the
    28-day bootstrap keeps the shape of the area's recent days (alert hours, for one, are 0
    on about 29 % of oblast-days and peak at 2, which no NB is), and persistence the run of identical days (most
    often zeros). ``blend`` is chosen on the fitting period (``holdout.fit``).

    ``started`` is the feature column that, when positive, says the day began with the
    target in force (``ModelInputs.started``): each part of the blend is then conditioned
    on a count of at least 1, since that first hour is already an alert hour at issue.
    """

    model: NBModel
    k_max: int
    blend: tuple[float, float] = (0.0, 0.0)
    started: int | None = None

    def predict(self, history: ModelInputs) -> DayForecast:
        """The forecast for the day after ``history`` (its last day is yesterday)."""
        features = feature_table(history)[:, -1, :]
        return self.from_features(features, history.values)

    def from_features(self, features: FloatArray, history: FloatArray) -> DayForecast:
        """The forecast from this day's features and the history before the day."""
        pmf = negative_binomial(self.model.mean(features), self.model.alphas(features), self.k_max)
        begun = self.begun(features)
        c, p = self.blend
        if c or p:
            clim = at_least_one(climatology(history, self.k_max), begun)
            persist = at_least_one(persistence(history, self.k_max), begun)
            pmf = (1.0 - c - p) * at_least_one(pmf, begun) + c * clim + p * persist
        else:
            pmf = at_least_one(pmf, begun)
        return DayForecast(pmf, mean_of(pmf), features, self.model.linear(features))

    def begun(self, features: FloatArray) -> npt.NDArray[np.bool_]:
        """The rows whose day began with the target in force (none without ``started``)."""
        if self.started is None:
            return np.zeros(features.shape[0], dtype=bool)
        return np.asarray(features[:, self.started] > 0)
