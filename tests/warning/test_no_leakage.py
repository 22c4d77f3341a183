"""No leakage: changing any data on or after day t leaves the forecasts made at t unchanged.

Checked at three depths: the feature table, a fitted model's forecast, and the whole
pipeline from raw records (fit, forecast) on the real data, where records that began on or
after t are removed, doubled or moved, and spans running across 00:00 of t end later.
(A span begun before t is data from before t: its hours before midnight were known then.)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ceasefire.warning.areas import AreaIndex
from ceasefire.warning.backtest import backtest_target
from ceasefire.warning.events import event_setup
from ceasefire.warning.features import ModelInputs, feature_table
from ceasefire.warning.forecast import inputs_for
from ceasefire.warning.holdout import Split, fit, tune
from ceasefire.warning.records import SignalRecords, concat
from ceasefire.warning.series import DAY_US, DayAxis, axis_for, build_series


def made_up_inputs(seed: int = 0, days: int = 120) -> ModelInputs:
    """Made-up counts for five areas in a chain, with one covariate (not real data)."""
    from scipy import sparse

    rng = np.random.default_rng(seed)
    values = rng.negative_binomial(2, 0.3, size=(5, days)).astype(np.float64)
    values[:, 40:55] = 0.0  # a quiet spell
    pairs = [(i, i + 1) for i in range(4)] + [(i + 1, i) for i in range(4)]
    rows, cols = zip(*pairs, strict=True)
    neighbours = sparse.csr_array((np.full(8, 0.5), (rows, cols)), shape=(5, 5))
    covariate = rng.poisson(3.0, size=(5, days)).astype(np.float64)
    return ModelInputs(values, neighbours, {"alerts": covariate}, seasonal=False)


def scrambled_after(inputs: ModelInputs, t: int, seed: int) -> ModelInputs:
    rng = np.random.default_rng(seed)
    values = inputs.values.copy()
    values[:, t:] = rng.integers(0, 500, size=values[:, t:].shape)
    covariates = {k: v.copy() for k, v in inputs.covariates.items()}
    for v in covariates.values():
        v[:, t:] = rng.integers(0, 500, size=v[:, t:].shape)
    return ModelInputs(values, inputs.neighbours, covariates, inputs.seasonal)


@pytest.mark.parametrize("t", [1, 30, 50, 100, 119])
def test_feature_rows_up_to_t_do_not_read_day_t_or_later(t: int) -> None:
    inputs = made_up_inputs()
    changed = scrambled_after(inputs, t, seed=t)
    assert not np.array_equal(inputs.values, changed.values)
    before, after = feature_table(inputs), feature_table(changed)
    assert np.array_equal(before[:, : t + 1], after[:, : t + 1])
    assert not np.array_equal(before[:, t + 1 :], after[:, t + 1 :]) or t + 1 > inputs.n_days


def test_forecast_and_events_at_t_ignore_later_days() -> None:
    inputs = made_up_inputs()
    split = Split(10, 90, 120)
    forecaster = fit(inputs, split, cap=None)
    for t in (90, 101, 119):
        changed = scrambled_after(inputs, t, seed=t)
        a, b = forecaster.predict(inputs.until(t)), forecaster.predict(changed.until(t))
        assert np.array_equal(a.pmf, b.pmf)
        ea = event_setup(inputs.values, np.array([t]))
        eb = event_setup(changed.values, np.array([t]))
        assert np.array_equal(ea.threshold, eb.threshold)


def test_fitting_ignores_the_holdout() -> None:
    inputs = made_up_inputs()
    split = Split(10, 90, 120)
    changed = scrambled_after(inputs, split.holdout_from, seed=9)
    one, two = fit(inputs, split, None), fit(changed, split, None)
    assert np.array_equal(one.model.coef, two.model.coef)
    assert one.blend == two.blend and one.k_max == two.k_max
    assert tune(inputs, split, one) == tune(changed, split, two)


def _started_on_or_after(records: SignalRecords, axis: DayAxis, t: int) -> np.ndarray:
    return np.asarray(records.start_us >= axis.first_us + t * DAY_US)


@pytest.mark.shared_data
def test_real_pipeline_at_t_is_unchanged_by_records_after_t(
    real_records: SignalRecords, area_index: AreaIndex
) -> None:
    axis = axis_for(real_records, date(2021, 1, 1), None)
    t = axis.day_index(date(2023, 7, 15))
    late = _started_on_or_after(real_records, axis, t)
    assert late.sum() > 1000  # the test changes real data, not nothing
    early = real_records.take(~late)
    # other versions of "after t": nothing, twice as much, moved, spans running longer
    doubled = concat([real_records, real_records.take(late)])
    moved = real_records.take(late)
    moved.lon = moved.lon + 0.7  # made-up positions for the late records
    moved.lat = moved.lat - 0.4
    stretched = real_records.take(np.ones(len(real_records), dtype=bool))
    t_us = axis.first_us + t * DAY_US
    running = (stretched.start_us < t_us) & (stretched.end_us > t_us)
    assert running.sum() > 0
    stretched.end_us = np.where(running, stretched.end_us + 5 * 3_600_000_000, stretched.end_us)
    variants = [early, doubled, concat([early, moved]), stretched]
    key = "alerts/oblast"
    reference = build_series(real_records, area_index, axis)
    split = Split(axis.day_index(date(2022, 11, 1)), t, t + 1)
    base = fit(inputs_for(reference, key), split, 24)
    base_pmf = base.predict(inputs_for(reference, key).until(t)).pmf
    for records in variants:
        series = build_series(records, area_index, axis)
        assert any(  # the variant does change the data from t on
            not np.array_equal(series[k].values[:, t:], reference[k].values[:, t:])
            for k in reference
        )
        for k in reference:
            assert np.array_equal(series[k].values[:, :t], reference[k].values[:, :t]), k
        refit = fit(inputs_for(series, key), split, 24)
        assert np.array_equal(refit.model.coef, base.model.coef)
        pmf = refit.predict(inputs_for(series, key).until(t)).pmf
        assert np.array_equal(pmf, base_pmf)


@pytest.mark.shared_data
def test_backtest_fits_before_its_holdout_and_holds_out_the_last_complete_days(
    real_records: SignalRecords, area_index: AreaIndex
) -> None:
    axis = axis_for(real_records, date(2021, 1, 1), None)
    series = build_series(real_records, area_index, axis)
    result = backtest_target(series, "attacks/oblast", axis, holdout_days=40)
    first = date.fromisoformat(result.holdout_days[0])
    last = date.fromisoformat(result.holdout_days[1])
    assert date.fromisoformat(result.fit_days[1]) < first
    assert (last - first).days + 1 == 40
    # the record's last day (cut short by the end of the file) is not scored
    assert last == axis.day(series["attacks/oblast"].last_day - 1)
