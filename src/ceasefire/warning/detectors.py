"""Change detectors on a daily count series, read at the start of each day.

Column ``d`` of every output describes the series up to the end of day ``d - 1``: what a
forecaster issuing at 00:00 of day d can know. Outputs have one column more than the input;
the last column is the state after the last day given.

- ``quiet_days``: how many days in a row the area has been quiet (count 0). A renewed attack
  after a quiet spell is the first active day after a long run of these.
- ``cusum``: a one-sided Poisson CUSUM for escalation: evidence that the rate has at least
  doubled over the area's 28-day mean. It accumulates ``y log 2 - lambda`` per day (the
  log-likelihood ratio of rate ``2 lambda`` against ``lambda``) and is reset at zero, so it
  rises only while days keep coming in above the expected level.
"""

from __future__ import annotations

import numpy as np

from ceasefire.warning.pmf import FloatArray

QUIET_CAP_DAYS = 365
CUSUM_RATIO = 2.0
CUSUM_ALARM = 4.0  # the statistic past which the detector calls an escalation


def quiet_days(values: FloatArray) -> FloatArray:
    """Consecutive zero days ending the day before each column, capped at a year.

    >>> quiet_days(np.array([[0.0, 3.0, 0.0, 0.0]])).tolist()
    [[0.0, 1.0, 0.0, 1.0, 2.0]]
    """
    n_areas, n_days = values.shape
    index = np.arange(n_days)
    last_active = np.where(values > 0, index[None, :], -1)
    last_active = np.maximum.accumulate(last_active, axis=1)
    quiet = index[None, :] - last_active  # days since the last active day, inclusive of today
    # an area with no active day yet: quiet since the start of the record
    out = np.zeros((n_areas, n_days + 1))
    out[:, 1:] = np.where(values > 0, 0, quiet)
    return np.minimum(out, QUIET_CAP_DAYS)


def cusum(values: FloatArray, expected: FloatArray) -> FloatArray:
    """Poisson CUSUM for a doubling of the rate over ``expected`` (same shape as values).

    >>> cusum(np.array([[0.0, 4.0, 4.0]]), np.ones((1, 3))).round(2).tolist()
    [[0.0, 0.0, 1.77, 3.55]]
    """
    n_areas, n_days = values.shape
    step = values * np.log(CUSUM_RATIO) - (CUSUM_RATIO - 1.0) * expected
    out = np.zeros((n_areas, n_days + 1))
    for d in range(n_days):
        out[:, d + 1] = np.maximum(out[:, d] + step[:, d], 0.0)
    return out
