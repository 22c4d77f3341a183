"""Negative-binomial (NB2) regression with modelled dispersion: the mean is
``exp(b0 + z . b)`` and the variance ``mu + alpha mu^2`` with ``log alpha = g0 + z . g``, so
a busy, steady area can get a tighter distribution than a sporadic one. Fitted by maximum
likelihood with L-BFGS and analytic gradients, with a light ridge penalty so that a feature
constant over the fitting rows cannot run away.

Features are standardised (``z``) with the fitting rows' mean and spread; the fitted model
keeps both, so a forecast standardises its features the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ceasefire.errors import CeasefireError
from ceasefire.warning.pmf import FloatArray

RIDGE = 1e-3
MIN_ROWS = 30
LOG_ALPHA_RANGE = (-8.0, 5.0)


class NotEnoughDataError(CeasefireError):
    """Too little history to fit a model."""

    code = "warning_not_enough_data"


@dataclass(frozen=True)
class NBModel:
    """A fitted NB2 regression."""

    names: tuple[str, ...]
    centre: FloatArray
    scale: FloatArray
    intercept: float
    coef: FloatArray
    dispersion_intercept: float
    dispersion_coef: FloatArray
    log_likelihood: float
    rows: int

    @property
    def alpha(self) -> float:
        """The dispersion at the fitting rows' average features."""
        return float(np.exp(self.dispersion_intercept))

    def _z(self, features: FloatArray) -> FloatArray:
        return np.asarray((features - self.centre) / self.scale, dtype=np.float64)

    def linear(self, features: FloatArray) -> FloatArray:
        """Each feature's contribution ``coef_j * z_j`` to log mu (rows x features)."""
        return np.asarray(self._z(features) * self.coef, dtype=np.float64)

    def mean(self, features: FloatArray) -> FloatArray:
        """Expected count for each row of ``features``."""
        eta = self.intercept + self.linear(features).sum(axis=1)
        return np.asarray(np.exp(np.clip(eta, -30.0, 15.0)), dtype=np.float64)

    def alphas(self, features: FloatArray) -> FloatArray:
        """The dispersion of each row."""
        log_alpha = self.dispersion_intercept + self._z(features) @ self.dispersion_coef
        return np.asarray(np.exp(np.clip(log_alpha, *LOG_ALPHA_RANGE)), dtype=np.float64)


def _negative_log_likelihood(
    theta: FloatArray, z: FloatArray, y: FloatArray
) -> tuple[float, FloatArray]:
    n_features = z.shape[1]
    beta = theta[: n_features + 1]
    gamma = theta[n_features + 1 :]
    eta = np.clip(beta[0] + z @ beta[1:], -30.0, 15.0)
    log_alpha = np.clip(gamma[0] + z @ gamma[1:], *LOG_ALPHA_RANGE)
    mu = np.exp(eta)
    r = np.exp(-log_alpha)  # NB size
    log_r_mu = np.log(r + mu)
    ll = (
        special.gammaln(y + r)
        - special.gammaln(r)
        - special.gammaln(y + 1.0)
        + r * (np.log(r) - log_r_mu)
        + y * (eta - log_r_mu)
    )
    d_eta = r * (y - mu) / (r + mu)
    d_r = special.digamma(y + r) - special.digamma(r) + np.log(r) + 1.0 - log_r_mu
    d_r -= (y + r) / (r + mu)
    d_log_alpha = -r * d_r
    n = len(y)
    grad = np.empty_like(theta)
    grad[0] = d_eta.sum()
    grad[1 : n_features + 1] = z.T @ d_eta - 2.0 * RIDGE * n * beta[1:]
    grad[n_features + 1] = d_log_alpha.sum()
    grad[n_features + 2 :] = z.T @ d_log_alpha - 2.0 * RIDGE * n * gamma[1:]
    penalty = RIDGE * n * (float(beta[1:] @ beta[1:]) + float(gamma[1:] @ gamma[1:]))
    return -(float(ll.sum()) - penalty), -grad


def fit_nb(features: FloatArray, y: FloatArray, names: tuple[str, ...]) -> NBModel:
    """Fit an NB2 regression of ``y`` (rows) on ``features`` (rows x features)."""
    ok = np.isfinite(y) & np.isfinite(features).all(axis=1)
    features, y = features[ok], y[ok]
    if len(y) < MIN_ROWS:
        raise NotEnoughDataError(
            f"{len(y)} area-days to fit on; the model needs at least {MIN_ROWS}"
        )
    centre = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (features - centre) / scale
    n_features = features.shape[1]
    start = np.zeros(2 * n_features + 2)
    start[0] = np.log(max(float(y.mean()), 1e-3))
    result = optimize.minimize(
        _negative_log_likelihood,
        start,
        args=(z, y),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 1000},
    )
    theta = np.asarray(result.x, dtype=np.float64)
    return NBModel(
        names=names,
        centre=centre,
        scale=scale,
        intercept=float(theta[0]),
        coef=theta[1 : n_features + 1],
        dispersion_intercept=float(theta[n_features + 1]),
        dispersion_coef=theta[n_features + 2 :],
        log_likelihood=-float(result.fun),
        rows=len(y),
    )
