"""Predictive distributions as probability mass functions over ``0..K``.

Every forecast here is one row per area over the integers ``0..K``; the last bin holds all
mass at K and above, so each row sums to one and a bounded series (alert hours, at most 24)
simply uses K = 24.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


def _fold_tail(pmf: FloatArray) -> FloatArray:
    """Put whatever mass is missing from each row into its last bin (``>= K``)."""
    missing = np.clip(1.0 - pmf.sum(axis=1), 0.0, None)
    pmf[:, -1] += missing
    return pmf


def point_mass(values: FloatArray, k_max: int) -> FloatArray:
    """All mass on each value (clipped to ``0..K``).

    >>> point_mass(np.array([1.0, 9.0]), 3).tolist()
    [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    pmf = np.zeros((len(values), k_max + 1))
    pmf[np.arange(len(values)), np.clip(values.astype(np.int64), 0, k_max)] = 1.0
    return pmf


def empirical(samples: FloatArray, k_max: int) -> FloatArray:
    """The empirical distribution of each row of ``samples`` (NaN entries ignored)."""
    n_rows, n_samples = samples.shape
    pmf = np.zeros((n_rows, k_max + 1))
    ok = np.isfinite(samples)
    rows = np.repeat(np.arange(n_rows), n_samples).reshape(n_rows, n_samples)[ok]
    cols = np.clip(samples[ok].astype(np.int64), 0, k_max)
    np.add.at(pmf, (rows, cols), 1.0)
    totals = pmf.sum(axis=1, keepdims=True)
    empty = totals[:, 0] == 0
    pmf[empty, 0] = 1.0  # no history at all: expect nothing
    totals[empty] = 1.0
    return np.asarray(pmf / totals, dtype=np.float64)


def geometric(mean: FloatArray, k_max: int) -> FloatArray:
    """Geometric distributions on ``0, 1, ...`` with the given means (a wide, simple spread)."""
    q = np.clip(mean, 0.0, None) / (1.0 + np.clip(mean, 0.0, None))
    k = np.arange(k_max + 1)
    pmf = (1.0 - q)[:, None] * q[:, None] ** k[None, :]
    return _fold_tail(pmf)


def negative_binomial(mean: FloatArray, alpha: float | FloatArray, k_max: int) -> FloatArray:
    """NB2 distributions (variance ``mean + alpha * mean^2``) with the given means."""
    size = np.broadcast_to(1.0 / np.asarray(alpha, dtype=np.float64), mean.shape)
    mu = np.clip(mean, 1e-9, None)
    k = np.arange(k_max + 1)
    pmf = stats.nbinom.pmf(k[None, :], size[:, None], (size / (size + mu))[:, None])
    return _fold_tail(np.asarray(pmf, dtype=np.float64))


STARTED_FLOOR = 1e-3  # mass left at 0 on a day known to have begun active (data glitches)


def at_least_one(pmf: FloatArray, rows: npt.NDArray[np.bool_]) -> FloatArray:
    """``pmf`` with each row where ``rows`` is true conditioned on a count of at least 1:
    all but ``STARTED_FLOOR`` of its mass at 0 moved up, in proportion to the rest.

    >>> at_least_one(np.array([[0.5, 0.25, 0.25], [0.5, 0.5, 0.0]]), np.array([True, False]))
    array([[0.001 , 0.4995, 0.4995],
           [0.5   , 0.5   , 0.    ]])
    """
    out = pmf.copy()
    if not rows.any():
        return out
    part = out[rows]
    zero = np.minimum(part[:, 0], STARTED_FLOOR)
    rest = 1.0 - part[:, 0]
    scale = np.where(rest > 1e-12, (1.0 - zero) / np.maximum(rest, 1e-12), 0.0)
    part[:, 1:] *= scale[:, None]
    part[rest <= 1e-12, 1] = 1.0 - zero[rest <= 1e-12]  # all mass at 0: move it to 1
    part[:, 0] = zero
    out[rows] = part
    return out


def mix(main: FloatArray, spread: FloatArray, weight: float) -> FloatArray:
    """``(1 - weight) * main + weight * spread``: keeps a baseline from ruling anything out."""
    return (1.0 - weight) * main + weight * spread


def mean_of(pmf: FloatArray) -> FloatArray:
    """The mean of each row (the last bin counted at K)."""
    return np.asarray(pmf @ np.arange(pmf.shape[1], dtype=np.float64))
