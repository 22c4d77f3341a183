"""Scores for count forecasts and for warnings.

Count forecasts are probability mass functions over ``0..K`` (one row per case), the last
bin holding all the mass at ``K`` and above. Scores are negatively oriented (lower is
better) except the skill scores, recall, precision and AUC-PR.

- CRPS for integer-valued outcomes is ``sum_k (F(k) - 1{y <= k})^2`` over integers k, exact
  for a distribution on ``0..K``; an outcome above K adds one per integer past K.
- Ignorance is ``-log2 p(y)``; outcomes at or above K score the last bin.
- Warnings are probabilities of a binary event: Brier score and skill, average precision
  (the area under the precision-recall step curve), and recall at a false-alarm budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PROBABILITY_FLOOR = 1e-12  # keeps -log2 finite for a forecast that gave an outcome no mass


def crps(pmf: FloatArray, y: FloatArray) -> FloatArray:
    """CRPS of each row of ``pmf`` (support ``0..K``) for integer outcomes ``y``.

    A point mass at m scores |y - m|:

    >>> pmf = np.zeros((2, 6)); pmf[:, 2] = 1.0
    >>> crps(pmf, np.array([2.0, 5.0])).tolist()
    [0.0, 3.0]
    """
    cdf = np.cumsum(pmf, axis=1)
    k = np.arange(pmf.shape[1])
    below = (y[:, None] <= k[None, :]).astype(np.float64)
    past = np.maximum(y - pmf.shape[1], 0.0)  # integers K+1 .. y-1, where F = 1
    return np.asarray(((cdf - below) ** 2).sum(axis=1) + past, dtype=np.float64)


def ignorance(pmf: FloatArray, y: FloatArray) -> FloatArray:
    """Ignorance (log score in bits) of each row for integer outcomes ``y``.

    >>> ignorance(np.array([[0.5, 0.25, 0.25]]), np.array([1.0])).tolist()
    [2.0]
    """
    column = np.minimum(y.astype(np.int64), pmf.shape[1] - 1)
    p = pmf[np.arange(len(y)), column]
    return np.asarray(-np.log2(np.maximum(p, PROBABILITY_FLOOR)), dtype=np.float64)


def exceedance(pmf: FloatArray, threshold: npt.NDArray[np.int64]) -> FloatArray:
    """P(Y >= threshold) of each row (threshold clipped to the support)."""
    tail = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # tail[:, k] = P(Y >= k)
    column = np.clip(threshold, 0, pmf.shape[1] - 1)
    return np.asarray(np.clip(tail[np.arange(len(threshold)), column], 0.0, 1.0))


def brier(p: FloatArray, event: BoolArray) -> float:
    """Mean squared difference between probability and outcome."""
    return float(np.mean((p - event.astype(np.float64)) ** 2)) if len(p) else float("nan")


def brier_skill(p: FloatArray, reference: FloatArray, event: BoolArray) -> float:
    """1 - BS / BS_reference: 1 is perfect, 0 no better than the reference."""
    ref = brier(reference, event)
    return 1.0 - brier(p, event) / ref if ref > 0 else float("nan")


def average_precision(p: FloatArray, event: BoolArray) -> float:
    """Area under the precision-recall step curve (ties broken as one threshold).

    >>> average_precision(np.array([0.9, 0.8, 0.7, 0.1]), np.array([True, False, True, False]))
    0.8333333333333333
    """
    positives = int(event.sum())
    if positives == 0:
        return float("nan")
    order = np.argsort(-p, kind="stable")
    p_sorted, hits = p[order], event[order].astype(np.float64)
    tp = np.cumsum(hits)
    seen = np.arange(1, len(p) + 1)
    last_of_tie = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    tp, seen = tp[last_of_tie], seen[last_of_tie]
    recall = tp / positives
    precision = tp / seen
    gained = np.diff(np.r_[0.0, recall])
    return float((gained * precision).sum())


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """What warning at ``p >= threshold`` does: hits, misses and false alarms."""

    threshold: float
    recall: float
    precision: float
    false_alarms: int
    warnings: int
    events: int


def operating_point(p: FloatArray, event: BoolArray, threshold: float) -> OperatingPoint:
    """Recall, precision and false alarms when warning at ``p >= threshold``."""
    warn = p >= threshold
    hits = int((warn & event).sum())
    events = int(event.sum())
    issued = int(warn.sum())
    return OperatingPoint(
        threshold=threshold,
        recall=hits / events if events else float("nan"),
        precision=hits / issued if issued else float("nan"),
        false_alarms=issued - hits,
        warnings=issued,
        events=events,
    )


def threshold_for_budget(p: FloatArray, event: BoolArray, max_false_alarms: int) -> float:
    """The lowest probability threshold with at most ``max_false_alarms`` false alarms.

    >>> threshold_for_budget(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, False]), 1)
    0.7
    """
    order = np.argsort(-p, kind="stable")
    p_sorted = p[order]
    false_alarms = np.cumsum(~event[order])
    # a threshold warns every case tied with it, so look at the last case of each tie
    last_of_tie = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    allowed = np.flatnonzero(last_of_tie & (false_alarms <= max_false_alarms))
    return float(p_sorted[allowed[-1]]) if len(allowed) else float("inf")


def threshold_for_precision(p: FloatArray, event: BoolArray, target: float) -> float:
    """The lowest probability threshold whose warnings are right at least ``target`` of the
    time (the most recall at that precision); infinity when no threshold reaches it.

    >>> threshold_for_precision(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, False]), 0.6)
    0.7
    """
    order = np.argsort(-p, kind="stable")
    p_sorted = p[order]
    hits = np.cumsum(event[order])
    precision = hits / np.arange(1, len(p) + 1)
    last_of_tie = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    allowed = np.flatnonzero(last_of_tie & (precision >= target) & (hits > 0))
    return float(p_sorted[allowed[-1]]) if len(allowed) else float("inf")


def precision_recall_curve(p: FloatArray, event: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Recall and precision at every distinct threshold, highest threshold first."""
    order = np.argsort(-p, kind="stable")
    hits = event[order].astype(np.float64)
    tp = np.cumsum(hits)
    seen = np.arange(1, len(p) + 1, dtype=np.float64)
    positives = max(float(event.sum()), 1.0)
    return tp / positives, tp / seen
