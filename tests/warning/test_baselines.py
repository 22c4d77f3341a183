"""The four baselines on made-up series (labelled so): each is the distribution it says."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire.warning import baselines
from ceasefire.warning.pmf import empirical, geometric, mean_of

K = 40


def made_up_history(days: int = 35, seed: int = 3) -> np.ndarray:
    """Made-up daily counts for three areas (not real data)."""
    rng = np.random.default_rng(seed)
    return rng.poisson([[1.0], [6.0], [0.2]], size=(3, days)).astype(np.float64)


def test_zero_puts_all_mass_on_zero() -> None:
    pmf = baselines.zero(made_up_history(), K)
    assert pmf.shape == (3, K + 1)
    assert (pmf[:, 0] == 1.0).all() and pmf[:, 1:].sum() == 0.0


def test_persistence_puts_all_mass_on_yesterday() -> None:
    history = made_up_history()
    pmf = baselines.persistence(history, K)
    assert np.argmax(pmf, axis=1).tolist() == history[:, -1].astype(int).tolist()
    assert (pmf.max(axis=1) == 1.0).all()


def test_climatology_is_the_frequency_of_each_count_in_the_last_28_days() -> None:
    history = made_up_history()
    pmf = baselines.climatology(history, K)
    for area in range(3):
        window = history[area, -28:]
        for count in range(K + 1):
            assert pmf[area, count] == pytest.approx(np.mean(window == count))


def test_climatology_ignores_days_older_than_28() -> None:
    history = made_up_history()
    changed = history.copy()
    changed[:, :-28] = 99.0
    assert np.array_equal(baselines.climatology(history, K), baselines.climatology(changed, K))


def test_weekly_uses_the_same_weekday_of_the_last_four_weeks() -> None:
    history = np.zeros((1, 30))
    history[0, [-7, -14, -21, -28]] = [4.0, 4.0, 2.0, 8.0]  # made-up
    history[0, -1] = 30.0  # yesterday: a different weekday, must not count
    pmf = baselines.weekly(history, K)
    assert pmf[0, 4] == pytest.approx(0.5)
    assert pmf[0, 2] == pytest.approx(0.25) and pmf[0, 8] == pytest.approx(0.25)
    assert pmf[0, 30] == 0.0


def test_short_history_uses_what_there_is() -> None:
    history = np.array([[3.0, 3.0, 5.0]])  # made-up: three days only
    assert baselines.climatology(history, K)[0, 3] == pytest.approx(2 / 3)
    assert baselines.zero(np.zeros((2, 0)), K)[:, 0].tolist() == [1.0, 1.0]
    assert baselines.climatology(np.zeros((1, 0)), K)[0, 0] == 1.0


def test_every_baseline_forecast_is_a_distribution_with_no_zero_mass() -> None:
    history = made_up_history()
    for name in baselines.BASELINES:
        pmf = baselines.baseline_forecast(name, history, K, 0.01)
        assert np.allclose(pmf.sum(axis=1), 1.0)
        assert (pmf > 0).all(), name


def test_spread_is_geometric_with_the_28_day_mean() -> None:
    history = made_up_history()
    expected_mean = history[:, -28:].mean(axis=1)
    pmf = geometric(expected_mean, 2000)
    assert mean_of(pmf) == pytest.approx(expected_mean, rel=1e-6)
    spread = baselines.spread(history, 2000)
    assert mean_of(spread) == pytest.approx(np.maximum(expected_mean, 0.5), rel=1e-6)


def test_empirical_folds_large_values_into_the_last_bin() -> None:
    pmf = empirical(np.array([[1.0, 100.0, np.nan]]), 5)
    assert pmf[0].tolist() == [0.0, 0.5, 0.0, 0.0, 0.0, 0.5]


def test_the_crps_of_a_mixture_follows_from_three_sums() -> None:
    from ceasefire.warning.holdout import _crps_parts
    from ceasefire.warning.metrics import crps
    from ceasefire.warning.pmf import mix

    history = made_up_history()
    y = np.array([0.0, 9.0, 2.0])
    pmf, spread = baselines.climatology(history, K), baselines.spread(history, K)
    aa, ab, bb = _crps_parts(pmf, spread, y).tolist()
    for w in (0.0, 0.3, 0.9):
        direct = float(crps(mix(pmf, spread, w), y).sum())
        assert direct == pytest.approx((1 - w) ** 2 * aa + 2 * w * (1 - w) * ab + w**2 * bb)
