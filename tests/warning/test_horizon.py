"""Warnings for the next several days: the window events, the direct model, its thresholds,
and no leakage (nothing on or after an origin changes what is said at it, and nothing in the
hold-out changes the fit)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from ceasefire.warning.events import window_outcome, window_setup
from ceasefire.warning.features import ModelInputs
from ceasefire.warning.holdout import Split, fit
from ceasefire.warning.horizon import fit_logit, fit_window, recent_run_rate, total_exceedance
from ceasefire.warning.metrics import threshold_for_precision

HORIZON = 7


def made_up_inputs(seed: int = 0, days: int = 220) -> ModelInputs:
    """Made-up counts for six areas in a chain, with quiet spells and a busy burst, so both
    kinds of window event occur (not real data)."""
    rng = np.random.default_rng(seed)
    values = rng.negative_binomial(2, 0.4, size=(6, days)).astype(np.float64)
    values[:, 30:45] = 0.0
    values[2:4, 70:90] = 0.0
    values[1, 100:110] += 15.0
    pairs = [(i, i + 1) for i in range(5)] + [(i + 1, i) for i in range(5)]
    rows, cols = zip(*pairs, strict=True)
    neighbours = sparse.csr_array((np.full(10, 0.5), (rows, cols)), shape=(6, 6))
    return ModelInputs(values, neighbours, {}, seasonal=False)


def scrambled_after(inputs: ModelInputs, t: int, seed: int) -> ModelInputs:
    rng = np.random.default_rng(seed)
    values = inputs.values.copy()
    values[:, t:] = rng.integers(0, 300, size=values[:, t:].shape)
    return ModelInputs(values, inputs.neighbours, {}, inputs.seasonal)


def test_window_escalation_is_measured_against_earlier_runs_only() -> None:
    values = np.tile(np.array([[2.0, 0.0, 1.0, 3.0]]), (1, 30))  # 120 days, 6 per 4
    origins = np.array([100])
    setup = window_setup(values, origins, HORIZON)
    assert not setup.renewal[0, 0]
    runs = [values[0, s : s + HORIZON].sum() for s in range(100 - 91, 100 - HORIZON + 1)]
    assert setup.threshold[0, 0] == int(np.floor(np.quantile(runs, 0.9))) + 1
    changed = values.copy()
    changed[0, 100:] = 99.0
    assert np.array_equal(window_setup(changed, origins, HORIZON).threshold, setup.threshold)


def test_window_outcome_is_the_day_the_running_total_reaches_the_threshold() -> None:
    values = np.zeros((2, 60))
    values[0, 50:] = 0.0
    values[1, :50] = 1.0
    values[1, 51:55] = [3.0, 3.0, 3.0, 3.0]
    origins = np.array([50])
    setup = window_setup(values, origins, HORIZON)
    assert setup.renewal[:, 0].tolist() == [True, False]
    assert setup.threshold[1, 0] == 8  # every earlier 7-day run totalled 7
    hit, first = window_outcome(values, origins, HORIZON, setup)
    assert hit[:, 0].tolist() == [False, True]
    assert first[:, 0].tolist() == [-1, 53]  # 3 + 3 + 3 >= 8 on the third busy day
    with pytest.raises(ValueError, match="past the last day"):
        window_outcome(values, np.array([55]), HORIZON, window_setup(values, origins, 7))


def test_references_from_the_past_only() -> None:
    history = np.zeros((1, 100))
    history[0, ::10] = 1.0  # one active day in ten
    rate = recent_run_rate(history, HORIZON, np.array([1]))
    runs = [history[0, s : s + 7].sum() >= 1 for s in range(100 - 91, 94)]
    assert rate[0] == pytest.approx(np.mean(runs))
    day = np.zeros((1, 5))
    day[0, 0], day[0, 1] = 0.9, 0.1  # P(Y = 1) = 0.1 per day
    p = total_exceedance(day, HORIZON, np.array([1]))
    assert p[0] == pytest.approx(1 - 0.9**HORIZON)


def test_logistic_fit_finds_a_known_effect_shrunk_by_the_ridge() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 2))
    y = rng.random(4000) < 1 / (1 + np.exp(-(0.5 + 2.0 * x[:, 0])))  # made-up outcomes
    model = fit_logit(x, y, ("a", "b"))
    slope = model.coef / model.scale
    assert 1.2 < slope[0] < 2.0  # the ridge pulls towards 0, never past the true 2.0
    assert abs(slope[1]) < 0.15


def test_threshold_for_precision_is_the_most_recall_at_that_precision() -> None:
    p = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    event = np.array([True, True, False, True, False, False])
    assert threshold_for_precision(p, event, 0.75) == 0.7  # 3 hits of 4
    assert threshold_for_precision(p, event, 1.01) == float("inf")


def test_window_forecast_at_t_ignores_days_from_t_on() -> None:
    inputs = made_up_inputs()
    split = Split(10, 180, 220)
    window = fit_window(inputs, split, fit(inputs, split, None), HORIZON)
    for t in (180, 193, 210):
        changed = scrambled_after(inputs, t, seed=t)
        p_one, setup_one = window.predict(inputs.until(t))
        p_two, setup_two = window.predict(changed.until(t))
        assert np.array_equal(p_one, p_two)
        assert np.array_equal(setup_one.threshold, setup_two.threshold)


def test_window_fit_ignores_the_holdout_and_windows_reaching_into_it() -> None:
    inputs = made_up_inputs()
    split = Split(10, 180, 220)
    changed = scrambled_after(inputs, split.holdout_from, seed=5)
    one = fit_window(inputs, split, fit(inputs, split, None), HORIZON)
    two = fit_window(changed, split, fit(changed, split, None), HORIZON)
    assert np.array_equal(one.model.coef, two.model.coef)
    assert (one.warn_threshold, one.precise_threshold) == (
        two.warn_threshold,
        two.precise_threshold,
    )
    # and the fit does read the fitting days: changing them changes it
    earlier = scrambled_after(inputs, 60, seed=6)
    three = fit_window(earlier, split, fit(earlier, split, None), HORIZON)
    assert not np.array_equal(one.model.coef, three.model.coef)
