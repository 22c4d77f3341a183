"""The evening measures of alert hours (hours in force late in the UTC day, in force at
midnight) and their use: values on made-up spans (labelled so), no leakage on the real
data (a record begun on or after day t changes no value before t), the covariates of the
alert model, and its forecast of at least one hour for a day begun under alert."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from ceasefire.observations.model import NO_TIME, ObservationBatch
from ceasefire.timeutil import to_epoch_us
from ceasefire.warning.areas import AreaIndex
from ceasefire.warning.features import ModelInputs, feature_table
from ceasefire.warning.forecast import Forecaster, inputs_for
from ceasefire.warning.holdout import Split, fit
from ceasefire.warning.pmf import STARTED_FLOOR, at_least_one
from ceasefire.warning.records import SignalRecords, concat, from_batch
from ceasefire.warning.series import DAY_US, EVENING_HOURS, DayAxis, axis_for, build_series


def us(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return to_epoch_us(datetime(year, month, day, hour, minute, tzinfo=UTC))


def made_up_alerts(starts: list[int], ends: list[int], areas: list[str]) -> ObservationBatch:
    """Made-up air-raid alerts (not real data): spans naming an oblast, no point."""
    n = len(starts)
    nan = np.full(n, np.nan)
    return ObservationBatch(
        source="alerts",
        source_id=[f"made-up-{i}" for i in range(n)],
        observed_at_us=np.array(starts, dtype=np.int64),
        observed_until_us=np.array(ends, dtype=np.int64),
        kind=["air_raid_alert"] * n,
        lon=nan,
        lat=nan.copy(),
        uncertainty_m=nan.copy(),
        area=list(areas),
        weapon_class=[None] * n,
        attributes_json=["{}"] * n,
        raw=[""] * n,
        row=np.arange(n, dtype=np.int64),
    )


def test_evening_hours_and_midnight_on_made_up_alerts(area_index: AreaIndex) -> None:
    # made-up alerts (not real data), days 5-7 January 2023
    batch = made_up_alerts(
        [
            us(2023, 1, 5, 19, 10),  # UA-14: evening, ended before midnight
            us(2023, 1, 5, 22, 30),  # UA-14: across the midnight ending the 5th
            us(2023, 1, 6, 23, 0),  # UA-63: ends exactly at the midnight ending the 6th
            us(2023, 1, 7, 0, 0),  # UA-63: begins at that midnight: the 7th's only
            us(2023, 1, 6, 23, 30),  # UA-32: open span (no end): its first hour only
        ],
        [
            us(2023, 1, 5, 20, 5),
            us(2023, 1, 6, 1, 10),
            us(2023, 1, 7, 0, 0),
            us(2023, 1, 7, 2, 0),
            NO_TIME,
        ],
        ["UA-14", "UA-14", "UA-63", "UA-63", "UA-32"],
    )
    axis = DayAxis(date(2023, 1, 5), 3)
    series = build_series(from_batch(batch), area_index, axis)
    oblast = series["alerts/oblast"]
    assert EVENING_HOURS == 6  # 18-23 UTC
    row = {code: oblast.areas.index(code) for code in ("UA-14", "UA-63", "UA-32")}
    evening, midnight = oblast.evening["hours"], oblast.evening["midnight"]
    assert evening[row["UA-14"]].tolist() == [4.0, 0.0, 0.0]  # 19h, 20h, 22h, 23h
    assert midnight[row["UA-14"]].tolist() == [1.0, 0.0, 0.0]
    assert evening[row["UA-63"]].tolist() == [0.0, 1.0, 0.0]
    assert midnight[row["UA-63"]].tolist() == [0.0, 1.0, 0.0]  # ended just then: counts
    assert evening[row["UA-32"]].tolist() == [0.0, 1.0, 0.0]
    assert midnight[row["UA-32"]].tolist() == [0.0, 0.0, 0.0]
    national = series["alerts/national"].evening
    assert national["midnight"][0].tolist() == [1.0, 1.0, 0.0]  # oblasts in force
    assert national["hours"][0].tolist() == [4.0, 2.0, 0.0]  # oblast-hours
    assert not series["attacks/oblast"].evening  # count signals have none


def test_alert_model_reads_the_evening_and_conflict_does_not(area_index: AreaIndex) -> None:
    batch = made_up_alerts([us(2023, 1, 5, 22, 30)], [us(2023, 1, 6, 1, 0)], ["UA-14"])
    axis = DayAxis(date(2023, 1, 5), 3)
    series = build_series(from_batch(batch), area_index, axis)
    inputs = inputs_for(series, "alerts/oblast")
    assert {"alerts_evening_hours", "alerts_midnight", "alerts_midnight_national"} <= set(
        inputs.covariates
    )
    row = series["alerts/oblast"].areas.index("UA-14")
    assert inputs.covariates["alerts_midnight"][row].tolist() == [1.0, 0.0, 0.0]
    assert inputs.covariates["alerts_midnight_national"][:, 0].tolist() == [1.0] * len(
        inputs.values
    )
    # read at the start of the next day, as yesterday's value
    table = feature_table(inputs)
    j = inputs.feature_names.index("alerts_midnight_lag1")
    assert table[row, :, j].tolist() == [0.0, float(np.log1p(1.0)), 0.0, 0.0]
    conflict = inputs_for(series, "conflict/oblast")
    assert not any("midnight" in name or "evening" in name for name in conflict.covariates)


@pytest.mark.shared_data
def test_real_evening_measures_before_t_ignore_records_begun_from_t(
    real_records: SignalRecords, area_index: AreaIndex
) -> None:
    axis = axis_for(real_records, date(2022, 3, 1), date(2023, 10, 1))
    t = axis.day_index(date(2023, 7, 15))
    t_us = axis.first_us + t * DAY_US
    late = real_records.start_us >= t_us
    assert late.sum() > 1000
    early = real_records.take(~late)
    doubled = concat([real_records, real_records.take(late)])
    moved = real_records.take(late)
    moved.lon = moved.lon + 0.7  # made-up positions for the late records
    moved.lat = moved.lat - 0.4
    running = (real_records.start_us < t_us) & (real_records.end_us > t_us)
    assert running.sum() > 0
    longer = real_records.take(np.ones(len(real_records), dtype=bool))
    longer.end_us = np.where(running, longer.end_us + 5 * 3_600_000_000, longer.end_us)
    # as the store gives them at 00:00 of t: spans still running are cut there
    cut = real_records.take(np.ones(len(real_records), dtype=bool))
    cut.end_us = np.where(running, t_us, cut.end_us)
    reference = build_series(real_records, area_index, axis)
    assert reference["alerts/oblast"].evening["midnight"][:, :t].sum() > 100
    for records in (early, doubled, concat([early, moved]), longer, cut):
        series = build_series(records, area_index, axis)
        for key, s in reference.items():
            for name, values in s.evening.items():
                assert np.array_equal(series[key].evening[name][:, :t], values[:, :t]), key


def made_up_inputs(seed: int = 0, days: int = 120) -> ModelInputs:
    """Made-up hours for five areas (not real data), with a made-up midnight flag."""
    rng = np.random.default_rng(seed)
    values = np.minimum(rng.negative_binomial(1, 0.25, size=(5, days)), 24).astype(np.float64)
    midnight = (rng.random((5, days)) < 0.3).astype(np.float64)
    return ModelInputs(values, None, {"alerts_midnight": midnight}, started="alerts_midnight")


def test_a_day_begun_under_alert_keeps_only_the_floor_at_zero() -> None:
    inputs = made_up_inputs()
    assert inputs.until(50).started == "alerts_midnight"
    forecaster = fit(inputs, Split(10, 90, 120), cap=24)
    assert forecaster.started == inputs.feature_names.index("alerts_midnight_lag1")
    plain = Forecaster(forecaster.model, forecaster.k_max, forecaster.blend)
    for t in (90, 101, 119):
        begun = inputs.covariates["alerts_midnight"][:, t - 1] > 0
        assert begun.any() and not begun.all()
        pmf = forecaster.predict(inputs.until(t)).pmf
        assert np.allclose(pmf.sum(axis=1), 1.0)
        assert (pmf[begun, 0] <= STARTED_FLOOR + 1e-12).all()
        # the other rows are the forecast without the condition
        assert np.array_equal(pmf[~begun], plain.predict(inputs.until(t)).pmf[~begun])


def test_no_condition_without_a_started_covariate() -> None:
    inputs = made_up_inputs()
    inputs.started = None
    assert fit(inputs, Split(10, 90, 120), cap=24).started is None
    pmf = np.array([[0.6, 0.4], [0.0, 1.0]])  # made-up forecasts
    assert np.array_equal(at_least_one(pmf, np.array([False, False])), pmf)
    assert at_least_one(np.array([[1.0, 0.0]]), np.array([True])).tolist() == [
        [STARTED_FLOOR, 1.0 - STARTED_FLOOR]
    ]
