"""The two warning events, defined for each area and day from the days before it only.

- **renewal**: the area has been quiet (count 0) for at least ``QUIET_DAYS`` days and
  activity resumes: the day's count is at least 1;
- **escalation**: the area is not quiet and the day's count exceeds the 90th percentile
  of its last 28 days: at least ``floor(q90) + 1``.

Exactly one of the two applies to an area on a day, so an area-day has one event threshold
and the event probability is ``P(Y >= threshold)`` under the forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ceasefire.warning.pmf import FloatArray

QUIET_DAYS = 7
ESCALATION_WINDOW = 28
ESCALATION_QUANTILE = 0.9
WINDOW_HISTORY = 91  # days of earlier runs a multi-day escalation is measured against

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class EventSetup:
    """For each (area, day) asked about: the event that applies and its count threshold."""

    threshold: IntArray  # the event is "count >= threshold"
    renewal: BoolArray  # True: renewal after a quiet spell; False: escalation


def event_setup(values: FloatArray, days: IntArray) -> EventSetup:
    """The events of days ``days`` (each from the days before it), shape (areas, len(days)).

    >>> v = np.array([[0.0] * 10, [5.0] * 10])
    >>> s = event_setup(v, np.array([10]))
    >>> s.renewal.ravel().tolist(), s.threshold.ravel().tolist()
    ([True, False], [1, 6])
    """
    n_areas, n_days = values.shape
    padded = np.concatenate([np.full((n_areas, ESCALATION_WINDOW), np.nan), values], axis=1)
    # window for day d: padded columns d .. d + WINDOW - 1 (= original days d - WINDOW .. d - 1)
    offsets = np.arange(ESCALATION_WINDOW)
    windows = padded[:, days[:, None] + offsets[None, :]]  # areas x days x window
    recent = windows[:, :, -QUIET_DAYS:]
    seen = np.isfinite(recent).sum(axis=2)
    quiet = (seen == QUIET_DAYS) & (np.nansum(recent, axis=2) == 0)
    # a day without any earlier day (the first) reads as a window of zeros
    has_window = np.isfinite(windows).any(axis=2, keepdims=True)
    q = np.nanquantile(np.where(has_window, windows, 0.0), ESCALATION_QUANTILE, axis=2)
    threshold = np.where(quiet, 1, np.floor(q).astype(np.int64) + 1)
    return EventSetup(threshold.astype(np.int64), quiet)


def happened(actual: FloatArray, setup: EventSetup) -> BoolArray:
    """Whether each area-day's event occurred, given its actual counts."""
    return np.asarray(actual >= setup.threshold, dtype=np.bool_)


def earlier_runs(values: FloatArray, origins: IntArray, horizon: int) -> FloatArray:
    """The totals of every ``horizon``-day run that ended before each origin, within the
    last ``WINDOW_HISTORY`` days: areas x origins x runs, NaN where a run would start before
    the first day."""
    n_areas, n_days = values.shape
    cum = np.zeros((n_areas, n_days + 1))
    np.cumsum(np.nan_to_num(values), axis=1, out=cum[:, 1:])
    totals = cum[:, horizon:] - cum[:, : n_days + 1 - horizon]  # the run starting on day s
    padded = np.concatenate([np.full((n_areas, WINDOW_HISTORY), np.nan), totals], axis=1)
    # runs starting on days t - WINDOW_HISTORY .. t - horizon: all ended before t
    offsets = np.arange(WINDOW_HISTORY - horizon + 1)
    columns = np.clip(origins[:, None] + offsets[None, :], 0, padded.shape[1] - 1)
    return np.asarray(padded[:, columns], dtype=np.float64)


def window_setup(values: FloatArray, origins: IntArray, horizon: int) -> EventSetup:
    """The events of the ``horizon`` days from each origin, from the days before it:

    - **renewal**: quiet for ``QUIET_DAYS`` days before the origin, and any activity in the
      window (its total reaches 1);
    - **escalation**: otherwise, the window's total exceeds the 90th percentile of the
      totals of every ``horizon``-day run that ended before the origin within the last
      ``WINDOW_HISTORY`` days: a week busier than nine in ten of the last quarter's.

    >>> v = np.array([[0.0] * 100, [1.0, 3.0] * 50])
    >>> s = window_setup(v, np.array([100]), 7)
    >>> s.renewal.ravel().tolist(), s.threshold.ravel().tolist()
    ([True, False], [1, 16])
    """
    quiet = event_setup(values, origins).renewal
    runs = earlier_runs(values, origins, horizon)
    has_run = np.isfinite(runs).any(axis=2, keepdims=True)
    q = np.nanquantile(np.where(has_run, runs, 0.0), ESCALATION_QUANTILE, axis=2)
    threshold = np.where(quiet, 1, np.floor(q).astype(np.int64) + 1)
    return EventSetup(threshold.astype(np.int64), quiet)


def window_outcome(
    values: FloatArray, origins: IntArray, horizon: int, setup: EventSetup
) -> tuple[BoolArray, IntArray]:
    """Whether each (area, origin)'s window event happens (the total of the ``horizon``
    days from the origin reaches the threshold of ``setup = window_setup(values, origins,
    horizon)``), and the day on which the running total reached it (-1: never).

    Only complete windows may be asked about (``origin + horizon <= days``).

    >>> v = np.array([[0.0] * 10 + [0, 0, 3, 0]])
    >>> origins = np.array([10])
    >>> hit, first = window_outcome(v, origins, 3, window_setup(v, origins, 3))
    >>> hit.tolist(), first.tolist()
    ([[True]], [[12]])
    """
    if len(origins) and int(origins.max()) + horizon > values.shape[1]:
        raise ValueError("a window runs past the last day of the series")
    days = origins[:, None] + np.arange(horizon)[None, :]  # origins x horizon
    running = np.cumsum(values[:, days], axis=2)  # areas x origins x horizon
    reached = running >= setup.threshold[:, :, None]
    hit = reached.any(axis=2)
    first = np.where(hit, origins[None, :] + reached.argmax(axis=2), -1)
    return np.asarray(hit, dtype=np.bool_), first.astype(np.int64)
