"""The four baselines every model must beat, as predictive distributions for the next day.

Each takes the history of a series before the forecast day (``history[a, d]``, the last
column being yesterday) and returns one pmf per area:

- ``zero``: nothing happens;
- ``climatology``: a bootstrap of the last 28 days (their empirical distribution);
- ``persistence``: tomorrow is today;
- ``weekly``: the same weekday in each of the last four weeks.

A point mass or a 28-sample bootstrap gives zero probability to outcomes it has not seen,
and the ignorance score of such an outcome is unbounded. So each baseline is mixed with a
geometric distribution with the 28-day mean (``spread``), its weight chosen per baseline and
per score (ignorance, CRPS) on the fitting period only (``holdout.tune``): each baseline gets
its best showing under each score rather than a handicap.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ceasefire.warning.pmf import FloatArray, empirical, geometric, mix, point_mass

WINDOW_DAYS = 28
SPREAD_WEIGHTS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)

Baseline = Callable[[FloatArray, int], FloatArray]


def _recent(history: FloatArray, days: int) -> FloatArray:
    """The last ``days`` columns, NaN-padded on the left when the history is shorter."""
    n_areas, n_days = history.shape
    out = np.full((n_areas, days), np.nan)
    take = min(days, n_days)
    if take:
        out[:, days - take :] = history[:, n_days - take :]
    return out


def recent_mean(history: FloatArray, days: int = WINDOW_DAYS) -> FloatArray:
    """Mean of the last ``days`` days of each area (0 without history)."""
    recent = _recent(history, days)
    seen = np.isfinite(recent).sum(axis=1)
    total = np.nansum(recent, axis=1)
    return np.where(seen > 0, total / np.maximum(seen, 1), 0.0)


def zero(history: FloatArray, k_max: int) -> FloatArray:
    return point_mass(np.zeros(history.shape[0]), k_max)


def climatology(history: FloatArray, k_max: int) -> FloatArray:
    return empirical(_recent(history, WINDOW_DAYS), k_max)


def persistence(history: FloatArray, k_max: int) -> FloatArray:
    last = history[:, -1] if history.shape[1] else np.zeros(history.shape[0])
    return point_mass(last, k_max)


def weekly(history: FloatArray, k_max: int) -> FloatArray:
    recent = _recent(history, WINDOW_DAYS)
    same_weekday = recent[:, 0::7]  # columns 0, 7, 14, 21: 28, 21, 14 and 7 days before
    return empirical(same_weekday, k_max)


BASELINES: dict[str, Baseline] = {
    "zero": zero,
    "climatology": climatology,
    "persistence": persistence,
    "weekly": weekly,
}


def spread(history: FloatArray, k_max: int) -> FloatArray:
    """The wide distribution mixed into every baseline: geometric with the 28-day mean."""
    return geometric(np.maximum(recent_mean(history), 0.5), k_max)


def baseline_forecast(name: str, history: FloatArray, k_max: int, weight: float) -> FloatArray:
    """Baseline ``name`` for the day after ``history``, mixed with ``weight`` of spread."""
    return mix(BASELINES[name](history, k_max), spread(history, k_max), weight)
