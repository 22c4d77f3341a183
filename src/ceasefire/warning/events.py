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
