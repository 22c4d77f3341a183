"""Which days are fitted and which are held out, and everything fitted on the former only.

The held-out period is the last ``holdout_days`` days of the target's record; fitting uses
the days before it, from the first day on which the target and every covariate it reads
were recorded (plus a burn-in for the lags). Nothing here reads a held-out day: each
function first cuts the inputs at ``holdout_from``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ceasefire.errors import CeasefireError
from ceasefire.warning import baselines
from ceasefire.warning.events import event_setup, happened
from ceasefire.warning.features import ModelInputs, feature_table
from ceasefire.warning.forecast import Forecaster
from ceasefire.warning.metrics import exceedance, threshold_for_budget
from ceasefire.warning.nbglm import fit_nb
from ceasefire.warning.pmf import FloatArray, at_least_one
from ceasefire.warning.series import Series

BURN_IN_DAYS = 28
DEFAULT_HOLDOUT_DAYS = 92
FALSE_ALARMS_PER_AREA_PER_30_DAYS = 1.0


@dataclass(frozen=True, slots=True)
class Split:
    """Days ``[fit_from, holdout_from)`` are fitted; ``[holdout_from, end)`` are scored."""

    fit_from: int
    holdout_from: int
    end: int


def split_for(
    series: dict[str, Series], key: str, holdout_days: int = DEFAULT_HOLDOUT_DAYS
) -> Split:
    """The split of series ``key``; an error if too little is left to fit on."""
    target = series[key]
    if target.first_day < 0:
        raise CeasefireError(f"series {key} has no records")
    starts = [target.first_day]
    for name in target.signal.covariates:
        covariate = series.get(f"{name}/national")
        if covariate is not None and covariate.first_day >= 0:
            starts.append(covariate.first_day)
    end = target.last_day  # the last day of a file is cut short by its end: left out
    split = Split(max(starts) + BURN_IN_DAYS, end - holdout_days, end)
    if split.holdout_from - split.fit_from < BURN_IN_DAYS:
        raise CeasefireError(
            f"series {key}: only {split.holdout_from - split.fit_from} days to fit on before "
            f"the {holdout_days}-day hold-out; use a shorter hold-out"
        )
    return split


def support_for(values: FloatArray, cap: int | None) -> int:
    """The largest count a pmf represents: the cap, or well past the largest count seen."""
    if cap is not None:
        return cap
    seen = float(np.nanmax(values)) if values.size else 0.0
    return max(int(math.ceil(1.5 * seen)) + 10, 20)


BLEND_STEPS = np.round(np.arange(0.0, 0.91, 0.1), 2)
TUNING_STRIDE = 2  # every other fitting day is enough to choose a few weights


def _best_weight(main: FloatArray, other: FloatArray, weights: tuple[float, ...]) -> float:
    """The mixing weight of ``other`` with the lowest mean ignorance at the outcomes."""
    scores = [float(np.mean(-np.log2((1 - w) * main + w * other + 1e-300))) for w in weights]
    return weights[int(np.argmin(scores))]


def _best_blend(nb: FloatArray, clim: FloatArray, persist: FloatArray) -> tuple[float, float]:
    """The (climatology, persistence) weights with the lowest mean ignorance at the outcomes."""
    best, choice = float("inf"), (0.0, 0.0)
    for c in BLEND_STEPS.tolist():
        for p in BLEND_STEPS.tolist():
            if c + p > 0.9 + 1e-9:
                continue
            mixed = (1 - c - p) * nb + c * clim + p * persist
            score = float(np.mean(-np.log2(mixed + 1e-300)))
            if score < best - 1e-12:
                best, choice = score, (c, p)
    return choice


def fit(inputs: ModelInputs, split: Split, cap: int | None) -> Forecaster:
    """Fit the regression on the fitting days (inputs cut before the hold-out), then its
    blend with climatology and persistence on every other fitting day."""
    seen = inputs.until(split.holdout_from)
    full = feature_table(seen)
    table = full[:, split.fit_from : split.holdout_from, :]
    y = seen.values[:, split.fit_from : split.holdout_from]
    model = fit_nb(table.reshape(-1, table.shape[2]), y.reshape(-1), seen.feature_names)
    regression = Forecaster(model, support_for(seen.values, cap), started=seen.started_column)
    rows = np.arange(seen.values.shape[0])
    parts: dict[str, list[FloatArray]] = {"nb": [], "clim": [], "persist": []}
    for d in range(split.fit_from, split.holdout_from, TUNING_STRIDE):
        k = np.minimum(seen.values[:, d], regression.k_max).astype(np.int64)
        history = seen.values[:, :d]
        begun = regression.begun(full[:, d, :])  # conditioned as the blend's forecasts are
        clim = at_least_one(baselines.climatology(history, regression.k_max), begun)
        persist = at_least_one(baselines.persistence(history, regression.k_max), begun)
        parts["nb"].append(regression.from_features(full[:, d, :], history).pmf[rows, k])
        parts["clim"].append(clim[rows, k])
        parts["persist"].append(persist[rows, k])
    blend = _best_blend(*(np.concatenate(parts[name]) for name in ("nb", "clim", "persist")))
    return Forecaster(model, regression.k_max, blend, regression.started)


@dataclass(frozen=True, slots=True)
class Tuning:
    """Choices made on the fitting period: each baseline's spread weight for ignorance and
    for CRPS, and the model's warning threshold."""

    spread_weight: dict[str, float]
    crps_weight: dict[str, float]
    warn_threshold: float


def _crps_parts(pmf: FloatArray, spread: FloatArray, y: FloatArray) -> FloatArray:
    """Sums (a.a, a.b, b.b) over every case and k, with a and b the CDF errors of the
    baseline and of the spread: the CRPS of their mixture with weight w is
    ``(1-w)^2 aa + 2w(1-w) ab + w^2 bb`` (plus a part past K that no weight changes)."""
    below = (y[:, None] <= np.arange(pmf.shape[1])[None, :]).astype(np.float64)
    a = np.cumsum(pmf, axis=1) - below
    b = np.cumsum(spread, axis=1) - below
    return np.array([(a * a).sum(), (a * b).sum(), (b * b).sum()])


def _best_crps_weight(parts: FloatArray) -> float:
    aa, ab, bb = parts.tolist()
    weights = (0.0, *baselines.SPREAD_WEIGHTS)
    scores = [(1 - w) ** 2 * aa + 2 * w * (1 - w) * ab + w**2 * bb for w in weights]
    return weights[int(np.argmin(scores))]


def tune(inputs: ModelInputs, split: Split, forecaster: Forecaster) -> Tuning:
    """Choose each baseline's spread weight for ignorance and for CRPS (best mean score
    under each) and the model's warning threshold (most warnings with at most one false
    alarm per area per 30 days), on every other fitting day."""
    seen = inputs.until(split.holdout_from)
    full = feature_table(seen)
    days = np.arange(split.fit_from, split.holdout_from, TUNING_STRIDE)
    k_max = forecaster.k_max
    p_at_y: dict[str, list[FloatArray]] = {name: [] for name in baselines.BASELINES}
    crps_parts = {name: np.zeros(3) for name in baselines.BASELINES}
    p_spread: list[FloatArray] = []
    p_event: list[FloatArray] = []
    rows = np.arange(seen.values.shape[0])
    setup = event_setup(seen.values, days)
    for i, d in enumerate(days.tolist()):
        history = seen.values[:, :d]
        y = np.minimum(seen.values[:, d], k_max).astype(np.int64)
        spread = baselines.spread(history, k_max)
        for name, baseline in baselines.BASELINES.items():
            pmf = baseline(history, k_max)
            p_at_y[name].append(pmf[rows, y])
            crps_parts[name] += _crps_parts(pmf, spread, seen.values[:, d])
        p_spread.append(spread[rows, y])
        forecast = forecaster.from_features(full[:, d, :], history)
        p_event.append(exceedance(forecast.pmf, setup.threshold[:, i]))
    spread_y = np.concatenate(p_spread)
    weights = {
        name: _best_weight(np.concatenate(parts), spread_y, baselines.SPREAD_WEIGHTS)
        for name, parts in p_at_y.items()
    }
    crps_weights = {name: _best_crps_weight(parts) for name, parts in crps_parts.items()}
    event = happened(seen.values[:, days], setup)
    # column-major like p_event: day by day, every area within a day
    event_flat = event.T.reshape(-1)
    budget = int(FALSE_ALARMS_PER_AREA_PER_30_DAYS * len(rows) * len(days) / 30)
    threshold = threshold_for_budget(np.concatenate(p_event), event_flat, budget)
    return Tuning(weights, crps_weights, threshold)
