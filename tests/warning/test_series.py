"""Daily series: which day a record counts on, alert hours across midnight, cells and
oblasts; on made-up records (labelled so) and against an independent count of real data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely

from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.observations.model import NO_TIME, ObservationBatch
from ceasefire.observations.sources.registry import get_source
from ceasefire.timeutil import to_epoch_us
from ceasefire.warning.areas import AreaIndex, cell_name
from ceasefire.warning.records import SignalRecords, from_batch, from_batches
from ceasefire.warning.series import DayAxis, axis_for, build_series
from ceasefire.warning.signals import SIGNAL_NAMES

KHARKIV = (36.25, 49.99)  # a point in Kharkiv city (UA-63)


def us(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return to_epoch_us(datetime(year, month, day, hour, minute, tzinfo=UTC))


def made_up_batch(
    source: str,
    kind: str,
    starts: list[int],
    ends: list[int],
    areas: list[str | None],
    points: list[tuple[float, float] | None],
    attributes: list[dict[str, object]] | None = None,
) -> ObservationBatch:
    """A batch of made-up observations (not real data)."""
    n = len(starts)
    return ObservationBatch(
        source=source,
        source_id=[f"made-up-{i}" for i in range(n)],
        observed_at_us=np.array(starts, dtype=np.int64),
        observed_until_us=np.array(ends, dtype=np.int64),
        kind=[kind] * n,
        lon=np.array([p[0] if p else np.nan for p in points]),
        lat=np.array([p[1] if p else np.nan for p in points]),
        uncertainty_m=np.array([375.0 if p else np.nan for p in points]),
        area=areas,
        weapon_class=[None] * n,
        attributes_json=[json.dumps(a) for a in (attributes or [{}] * n)],
        raw=[""] * n,
        row=np.arange(n, dtype=np.int64),
    )


def test_a_night_attack_report_counts_on_the_morning_it_ended(area_index: AreaIndex) -> None:
    batch = made_up_batch(
        "attacks",
        "aerial_attack_report",
        [us(2023, 1, 5, 16, 0), us(2023, 1, 5, 9, 0)],
        [us(2023, 1, 6, 6, 30), us(2023, 1, 6, 0, 0)],  # the second ends exactly at midnight
        ["UA", "UA"],
        [None, None],
        [{"target_areas": ["UA-63", "UA-14/Kramatorsk"]}, {}],
    )
    axis = DayAxis(date(2023, 1, 4), 4)
    series = build_series(from_batch(batch), area_index, axis)
    oblast = series["attacks/oblast"]
    day5, day6 = axis.day_index(date(2023, 1, 5)), axis.day_index(date(2023, 1, 6))
    for code in ("UA-63", "UA-14"):
        assert oblast.values[oblast.areas.index(code), day6] == 1.0
    assert oblast.values.sum() == 2.0  # the second report names no oblast
    assert series["attacks/national"].values[0, [day5, day6]].tolist() == [1.0, 1.0]
    # the first report began the day before: its onset on the 6th is midnight
    onset = oblast.onset_us[oblast.areas.index("UA-63"), day6]
    assert onset == us(2023, 1, 6, 0, 0)


def test_alert_hours_split_at_midnight_and_overlaps_count_once(area_index: AreaIndex) -> None:
    batch = made_up_batch(
        "alerts",
        "air_raid_alert",
        [us(2023, 1, 5, 22, 30), us(2023, 1, 5, 23, 0), us(2023, 1, 6, 12, 0)],
        [us(2023, 1, 6, 1, 10), us(2023, 1, 5, 23, 20), NO_TIME],
        ["UA-14", "UA-14", "UA-14"],
        [None, None, None],
    )
    axis = DayAxis(date(2023, 1, 5), 2)
    alerts = build_series(from_batch(batch), area_index, axis)["alerts/oblast"]
    row = alerts.areas.index("UA-14")
    assert alerts.values[row].tolist() == [2.0, 3.0]  # 22h, 23h | 00h, 01h and the open 12h
    assert alerts.onset_us[row].tolist() == [us(2023, 1, 5, 22, 30), us(2023, 1, 6, 0, 0)]


def test_a_fire_counts_in_its_oblast_and_its_25_km_cell(area_index: AreaIndex) -> None:
    batch = made_up_batch(
        "firms",
        "thermal_anomaly",
        [us(2023, 1, 5, 0, 0)] * 2,
        [NO_TIME] * 2,
        [None, None],
        [KHARKIV, (10.0, 10.0)],  # the second is far outside Ukraine
    )
    axis = DayAxis(date(2023, 1, 5), 1)
    series = build_series(from_batch(batch), area_index, axis)
    oblast, cell = series["fires/oblast"], series["fires/cell"]
    assert oblast.values[:, 0].sum() == 1.0
    assert oblast.values[oblast.areas.index("UA-63"), 0] == 1.0
    x, y = area_index.project(np.array([KHARKIV[0]]), np.array([KHARKIV[1]]))
    name = cell_name(int(x[0] // 25_000), int(y[0] // 25_000), 25_000.0)
    assert cell.values[cell.areas.index(name), 0] == 1.0
    assert cell.values.sum() == 1.0
    assert series["fires/national"].values.sum() == 1.0


def test_cells_are_25_km_squares_with_up_to_eight_neighbours(area_index: AreaIndex) -> None:
    cells = area_index.cells
    assert len(cells) > 900  # Ukraine is about 603,000 km2: ~965 cells plus the border ones
    degree = np.diff(cells.neighbours.indptr)
    assert degree.max() == 8 and degree.min() >= 1
    rows = cells.neighbours.toarray()
    assert np.allclose(rows.sum(axis=1)[degree > 0], 1.0)


@pytest.mark.shared_data
def test_real_fire_counts_per_oblast_match_an_independent_count(shared_data: Path) -> None:
    agreement = load_agreement(example_agreement_dir())
    index = AreaIndex(agreement)
    source = get_source("firms")
    records: SignalRecords = from_batches(
        c.batch for c in source.read(shared_data / "firms-fires" / "ukr_fire_data_2022.csv")
    )
    axis = axis_for(records)
    day = date(2022, 8, 15)
    series = build_series(records, index, axis)["fires/oblast"]
    got = series.values[:, axis.day_index(day)]
    # independently: the day's points tested against each oblast outline in lon/lat
    start = to_epoch_us(datetime(2022, 8, 15, tzinfo=UTC))
    on_day = (records.start_us >= start) & (records.start_us < start + 86_400_000_000)
    lon, lat = records.lon[on_day], records.lat[on_day]
    assert on_day.sum() > 200
    expected = np.array(
        [
            shapely.contains_xy(a.geometry_lonlat, lon, lat).sum()
            for a in agreement.geography.admin_areas
            if a.code in series.areas
        ]
    )
    assert got.sum() > 0
    assert np.abs(got - expected).sum() <= max(2, 0.01 * expected.sum())


@pytest.mark.shared_data
def test_real_national_attack_series_counts_every_record_once(
    real_records: SignalRecords, area_index: AreaIndex
) -> None:
    axis = axis_for(real_records)
    series = build_series(real_records, area_index, axis)
    attacks = real_records.signal == SIGNAL_NAMES.index("attacks")
    assert series["attacks/national"].values.sum() == attacks.sum()
    alerts = series["alerts/oblast"].values
    assert alerts.min() >= 0 and alerts.max() <= 24
    assert series["fires/cell"].values.sum() <= series["fires/oblast"].values.sum()
