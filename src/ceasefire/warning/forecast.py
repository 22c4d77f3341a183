"""Forecasts for one day from the days before it: the regression's predictive distribution.

``inputs_for`` gathers what the model of one series reads (the series, its neighbours and its
covariate signals, aligned to its areas); ``Forecaster.predict`` takes inputs cut before the
forecast day (``ModelInputs.until``), so it cannot see that day or any later one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ceasefire.warning.baselines import climatology, persistence
from ceasefire.warning.features import ModelInputs, feature_table
from ceasefire.warning.nbglm import NBModel
from ceasefire.warning.pmf import FloatArray, mean_of, negative_binomial
from ceasefire.warning.series import Series

MODEL_NAME = "nbglm-1"


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
    return ModelInputs(target.values, target.neighbours, covariates, target.signal.seasonal_prior)


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
    28-day bootstrap keeps the shape of the area's recent days (alert hours, for one, are
    mostly 0 or many, which no NB is), and persistence the run of identical days (most
    often zeros). ``blend`` is chosen on the fitting period (``holdout.fit``).
    """

    model: NBModel
    k_max: int
    blend: tuple[float, float] = (0.0, 0.0)

    def predict(self, history: ModelInputs) -> DayForecast:
        """The forecast for the day after ``history`` (its last day is yesterday)."""
        features = feature_table(history)[:, -1, :]
        return self.from_features(features, history.values)

    def from_features(self, features: FloatArray, history: FloatArray) -> DayForecast:
        """The forecast from this day's features and the history before the day."""
        pmf = negative_binomial(self.model.mean(features), self.model.alphas(features), self.k_max)
        c, p = self.blend
        if c or p:
            pmf = (1.0 - c - p) * pmf + c * climatology(history, self.k_max)
            pmf += p * persistence(history, self.k_max)
        return DayForecast(pmf, mean_of(pmf), features, self.model.linear(features))
