"""Warnings for the next several days: will an area's event (renewal after a quiet spell, or
escalation) happen on any of the next ``horizon`` days?

A *direct* model: a logistic regression, at each origin t, of the event over days
``t .. t+horizon-1`` on what is known at 00:00 UTC of t: the day-ahead regression's features
of t, its probability of the event on day t, the kind of event and its threshold (fixed from
the days before t for the whole window). Direct rather than a chain of one-day forecasts: a
chain would feed each day's forecast into the next and treat the days as independent, while
attack waves cluster.

Fitting uses only origins whose whole window ends before the hold-out, and the warning
thresholds are chosen on *cross-fitted* probabilities (each block of origins predicted by a
model fitted on the other blocks, windows overlapping the block left out), so they are not
chosen on the model's own fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, signal, special, stats

from ceasefire.warning.baselines import climatology
from ceasefire.warning.events import (
    EventSetup,
    IntArray,
    earlier_runs,
    window_outcome,
    window_setup,
)
from ceasefire.warning.features import ModelInputs, feature_table
from ceasefire.warning.forecast import Forecaster
from ceasefire.warning.holdout import FALSE_ALARMS_PER_AREA_PER_30_DAYS, Split
from ceasefire.warning.metrics import (
    BoolArray,
    threshold_for_budget,
    threshold_for_precision,
)
from ceasefire.warning.nbglm import MIN_ROWS, NotEnoughDataError
from ceasefire.warning.pmf import FloatArray

HORIZON_DAYS = 7
TARGET_PRECISION = 0.5
RIDGE = 1e-2  # stronger than the NB's: ~35 columns, a few hundred events per series
CROSS_FIT_BLOCKS = 4
FIT_STRIDE = 2  # every other origin: neighbouring windows share most of their days
LOGIT_CLIP = 12.0
# ~35 columns: with only a few weeks of origins the regression separates the events and
# says 0.98 where it knows little (seen on the two months of the shipped samples)
MIN_ORIGINS = 60


def model_name(horizon: int) -> str:
    """The name warnings of this model carry, e.g. ``logit-7d-1``."""
    return f"logit-{horizon}d-1"


@dataclass(frozen=True)
class LogitModel:
    """A fitted logistic regression on standardised features."""

    names: tuple[str, ...]
    centre: FloatArray
    scale: FloatArray
    intercept: float
    coef: FloatArray

    def linear(self, features: FloatArray) -> FloatArray:
        """Each feature's contribution to the log-odds (rows x features)."""
        z = (features - self.centre) / self.scale
        return np.asarray(z * self.coef, dtype=np.float64)

    def probability(self, features: FloatArray) -> FloatArray:
        eta = self.intercept + self.linear(features).sum(axis=1)
        return np.asarray(special.expit(eta), dtype=np.float64)


def _loss(theta: FloatArray, z: FloatArray, y: FloatArray) -> tuple[float, FloatArray]:
    eta = theta[0] + z @ theta[1:]
    # log(1 + e^eta) - y eta, written to stay finite for large |eta|
    loss = np.logaddexp(0.0, eta) - y * eta
    residual = special.expit(eta) - y
    n = len(y)
    grad = np.empty_like(theta)
    grad[0] = residual.sum()
    grad[1:] = z.T @ residual + 2.0 * RIDGE * n * theta[1:]
    return float(loss.sum()) + RIDGE * n * float(theta[1:] @ theta[1:]), grad


def fit_logit(features: FloatArray, y: BoolArray, names: tuple[str, ...]) -> LogitModel:
    """Fit a ridge-penalised logistic regression of ``y`` on ``features`` (rows x features)."""
    ok = np.isfinite(features).all(axis=1)
    features, target = features[ok], y[ok].astype(np.float64)
    if len(target) < MIN_ROWS or target.sum() == 0 or target.sum() == len(target):
        raise NotEnoughDataError(
            f"{len(target)} area-origins with {int(target.sum())} events: too few to fit"
        )
    centre = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (features - centre) / scale
    start = np.zeros(features.shape[1] + 1)
    rate = float(target.mean())
    start[0] = np.log(rate / (1.0 - rate))
    result = optimize.minimize(
        _loss, start, args=(z, target), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    theta = np.asarray(result.x, dtype=np.float64)
    return LogitModel(names, centre, scale, float(theta[0]), theta[1:])


def nb_total_exceedance(
    mu: FloatArray, alpha: FloatArray, threshold: FloatArray, horizon: int
) -> FloatArray:
    """P(total of ``horizon`` days >= threshold) if each day were NB2 with day t's mean and
    dispersion, independently: the sum is then NB with ``horizon`` times the size."""
    size = horizon / alpha
    mu = horizon * mu
    p = np.asarray(stats.nbinom.sf(threshold - 1, size, size / (size + mu)), dtype=np.float64)
    return np.clip(p, 0.0, 1.0)


def _logit(p: FloatArray) -> FloatArray:
    return np.asarray(np.clip(special.logit(np.clip(p, 1e-9, 1 - 1e-9)), -LOGIT_CLIP, LOGIT_CLIP))


def window_feature_names(day_names: tuple[str, ...]) -> tuple[str, ...]:
    return (
        *day_names,
        *(f"renewal_x_{n}" for n in day_names),
        "renewal",
        "threshold",
        "day_model_window_logit",
        "renewal_x_day_model_window_logit",
        "climatology_window_logit",
        "recent_runs_logit",
    )


def window_features(
    day: Forecaster,
    features: FloatArray,
    history: FloatArray,
    setup: EventSetup,
    column: int,
    horizon: int,
) -> FloatArray:
    """The window model's features for every area at one origin (``setup`` column), from
    the day model's features of the origin and the values before it (``history``)."""
    threshold = setup.threshold[:, column].astype(np.float64)
    renewal = setup.renewal[:, column].astype(np.float64)[:, None]
    # the chance if every day of the window were like day t and independent: a first guess
    p_total = nb_total_exceedance(
        day.model.mean(features), day.model.alphas(features), threshold, horizon
    )
    logit = _logit(p_total)[:, None]
    # the two references the backtest holds the model to, so that it can lean on them
    clim = climatology(history, day.k_max)
    as_climatology = _logit(total_exceedance(clim, horizon, setup.threshold[:, column]))[:, None]
    recent = _logit(recent_run_rate(history, horizon, setup.threshold[:, column]))[:, None]
    return np.hstack(
        [
            features,
            renewal * features,
            renewal,
            np.log1p(threshold)[:, None],
            logit,
            renewal * logit,
            as_climatology,
            recent,
        ]
    )


def recent_run_rate(history: FloatArray, horizon: int, threshold: IntArray) -> FloatArray:
    """Per area: the share of the last quarter's ``horizon``-day runs (ended within
    ``history``) whose total reached ``threshold``; 0 where there is no such run."""
    runs = earlier_runs(history, np.array([history.shape[1]]), horizon)[:, 0, :]
    seen = np.isfinite(runs).sum(axis=1)
    reached = (np.nan_to_num(runs, nan=-1.0) >= threshold[:, None]).sum(axis=1)
    return np.asarray(reached / np.maximum(seen, 1), dtype=np.float64)


def total_exceedance(day_pmf: FloatArray, horizon: int, threshold: IntArray) -> FloatArray:
    """P(sum of ``horizon`` independent draws from each row of ``day_pmf`` >= threshold)."""
    width = int(threshold.max()) if len(threshold) else 1
    # counts at or above the largest threshold never matter below it; a support shorter
    # than the threshold is padded (its last bin, "K and above", taken as K)
    part = np.zeros((day_pmf.shape[0], width))
    take = min(width, day_pmf.shape[1])
    part[:, :take] = day_pmf[:, :take]
    total = part
    for _ in range(horizon - 1):
        total = signal.fftconvolve(total, part, axes=1)[:, :width]
    below = np.cumsum(np.clip(total, 0.0, None), axis=1)  # P(S <= k) for k < width
    column = np.clip(threshold - 1, 0, width - 1)
    p_below = np.where(threshold > 0, below[np.arange(len(threshold)), column], 0.0)
    return np.asarray(np.clip(1.0 - p_below, 0.0, 1.0), dtype=np.float64)


@dataclass(frozen=True)
class WindowForecaster:
    """The window model with its two warning thresholds chosen on cross-fitted probabilities:
    at most one false alarm per area per 30 origins, and the lowest with precision >= 0.5."""

    day: Forecaster
    model: LogitModel
    horizon: int
    warn_threshold: float
    precise_threshold: float

    @property
    def name(self) -> str:
        return model_name(self.horizon)

    def predict(self, history: ModelInputs) -> tuple[FloatArray, EventSetup]:
        """Probability of each area's event over the ``horizon`` days after ``history``."""
        features = feature_table(history)[:, -1, :]
        return self.from_features(features, history.values)

    def from_features(
        self, features: FloatArray, history: FloatArray
    ) -> tuple[FloatArray, EventSetup]:
        """As ``predict``, from the origin's day features and the values before it."""
        setup = window_setup(history, np.array([history.shape[1]]), self.horizon)
        x = window_features(self.day, features, history, setup, 0, self.horizon)
        return self.model.probability(x), setup


def _cross_fitted(x: FloatArray, y: BoolArray, origin: FloatArray, gap: int) -> FloatArray:
    """Each row's probability from a model fitted on the other blocks of origins, leaving out
    the origins within ``gap`` days of the block (their windows share days with it)."""
    out = np.full(len(y), np.nan)
    edges = np.quantile(origin, np.linspace(0, 1, CROSS_FIT_BLOCKS + 1))
    names = tuple(str(j) for j in range(x.shape[1]))
    for b in range(CROSS_FIT_BLOCKS):
        low, high = edges[b], edges[b + 1]
        inside = (origin >= low) & ((origin < high) if b < CROSS_FIT_BLOCKS - 1 else True)
        train = (origin < low - gap) | (origin > high + gap)
        try:
            out[inside] = fit_logit(x[train], y[train], names).probability(x[inside])
        except NotEnoughDataError:
            continue  # a block with no events elsewhere stays unscored
    return out


def fit_window(
    inputs: ModelInputs, split: Split, day: Forecaster, horizon: int = HORIZON_DAYS
) -> WindowForecaster:
    """Fit the window model on origins whose whole window ends before the hold-out."""
    seen = inputs.until(split.holdout_from)
    full = feature_table(seen)
    origins = np.arange(split.fit_from, split.holdout_from - horizon + 1, FIT_STRIDE)
    if len(origins) < MIN_ORIGINS:
        raise NotEnoughDataError(
            f"{len(origins)} fitting origins (one every {FIT_STRIDE} days) for the {horizon}-day "
            f"model; it needs {MIN_ORIGINS}"
        )
    setup = window_setup(seen.values, origins, horizon)
    hit, _ = window_outcome(seen.values, origins, horizon, setup)
    # rows origin by origin, every area within an origin
    x = np.vstack(
        [
            window_features(day, full[:, t, :], seen.values[:, :t], setup, i, horizon)
            for i, t in enumerate(origins)
        ]
    )
    y = hit.T.reshape(-1)
    origin_of_row = np.repeat(origins, seen.values.shape[0]).astype(np.float64)
    model = fit_logit(x, y, window_feature_names(seen.feature_names))
    crossed = _cross_fitted(x, y, origin_of_row, horizon)
    scored = np.isfinite(crossed)
    budget = int(FALSE_ALARMS_PER_AREA_PER_30_DAYS * scored.sum() / 30)
    return WindowForecaster(
        day,
        model,
        horizon,
        threshold_for_budget(crossed[scored], y[scored], budget),
        threshold_for_precision(crossed[scored], y[scored], TARGET_PRECISION),
    )
