"""The NB regression recovers known coefficients from simulated data; the detectors react
as their definitions say; the events are defined from the days before only."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire.warning.detectors import CUSUM_ALARM, cusum, quiet_days
from ceasefire.warning.events import QUIET_DAYS, event_setup, happened
from ceasefire.warning.nbglm import NotEnoughDataError, fit_nb


def test_nb_regression_recovers_simulated_coefficients() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.normal(size=(n, 2))  # simulated features, not real data
    mu = np.exp(0.5 + 0.8 * x[:, 0] - 0.3 * x[:, 1])
    alpha = 0.6
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu)).astype(np.float64)
    model = fit_nb(x, y, ("a", "b"))
    # coefficients are per standard deviation of each feature
    per_unit = model.coef / model.scale
    assert per_unit == pytest.approx([0.8, -0.3], abs=0.04)
    assert model.alpha == pytest.approx(alpha, rel=0.1)
    assert model.mean(np.zeros((1, 2)))[0] == pytest.approx(np.exp(0.5), rel=0.08)


def test_nb_regression_refuses_too_little_data() -> None:
    with pytest.raises(NotEnoughDataError, match="at least"):
        fit_nb(np.zeros((5, 2)), np.zeros(5), ("a", "b"))


def test_quiet_days_counts_the_run_of_zero_days_before_each_day() -> None:
    values = np.array([[2.0, 0.0, 0.0, 0.0, 5.0, 0.0]])  # made-up
    assert quiet_days(values).tolist() == [[0.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0]]


def test_cusum_rises_on_a_doubling_and_resets_at_the_expected_level() -> None:
    expected = np.full((1, 60), 3.0)
    level = np.full((1, 60), 3.0)  # made-up: at the expected level
    level[0, 10:15] = 9.0  # a burst at three times the level
    statistic = cusum(level, expected)
    assert statistic[0, :11].max() == 0.0  # 3 log 2 - 3 < 0: no evidence while at level
    assert statistic[0, 15] > CUSUM_ALARM
    assert statistic[0, 15:].tolist() == sorted(statistic[0, 15:].tolist(), reverse=True)
    assert statistic[0, -1] == 0.0


def test_events_renewal_after_a_quiet_week_and_escalation_above_the_90th_percentile() -> None:
    values = np.zeros((2, 40))
    values[0, :20] = 4.0  # made-up: active, then quiet from day 20
    values[1] = np.arange(40) % 10  # made-up: 0..9 repeating
    days = np.array([26, 27, 40])
    setup = event_setup(values, days)
    assert setup.renewal[0].tolist() == [False, True, True]  # quiet 6, 7, 20 days
    assert setup.threshold[0].tolist()[1:] == [1, 1]
    assert not setup.renewal[1].any()
    # the last 28 days of area 2 hold 0..9 about three times each: q90 is 8 or 9
    assert set(setup.threshold[1].tolist()) <= {9, 10}
    actual = np.array([[0.0, 1.0, 0.0], [12.0, 3.0, 10.0]])
    assert happened(actual, setup).tolist() == [[False, True, False], [True, False, True]]
    assert QUIET_DAYS == 7
