"""Daily series per signal and area: counts (or alert hours) and when each day's activity began.

A record counts on the UTC day it became complete: its end for a span (an Air Force report
of the night 18:00-08:30 Kyiv time counts on the morning's day), its start for an instant.
So a forecast for day *t* made from days before *t* uses only records complete by the end of
day *t-1*, and any record starting on or after *t* changes only days from *t* on. Alert
hours are the exception that keeps the same promise: an alert in force across midnight adds
hours to both days, each hour on the day it belongs to.

An hours series also keeps two *evening* measures of the same spans (``Series.evening``),
because night-time drone and missile waves begin in the Kyiv evening, late in the UTC day,
and run across midnight: ``hours`` in force in the day's last ``EVENING_HOURS`` clock hours
(18-23 UTC), and ``midnight``, whether a span was in force at the midnight that ends the day
(it began before that midnight and had not ended before it; nationally, the number of
oblasts). Both are known at 00:00 of the next day, and a record beginning on or after day
*t* changes neither before *t*.

Each series also keeps, per area and day, the *onset*: the earliest moment of that day at
which a counted record had begun (the day's midnight when it began earlier, or when the
source gives only dates). Lead times are measured to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ceasefire.observations.model import NO_TIME
from ceasefire.timeutil import to_epoch_us
from ceasefire.warning.areas import NATIONAL, AreaIndex
from ceasefire.warning.records import SignalRecords
from ceasefire.warning.signals import SIGNAL_NAMES, SIGNALS, Measure, Signal

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
EVENING_HOURS = 6  # 18-23 UTC: from 20:00 (21:00 in summer) Kyiv time, when waves begin
LEVELS = ("national", "oblast", "cell")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DayAxis:
    """Consecutive UTC days: index 0 is ``first``."""

    first: date
    n: int

    @property
    def first_us(self) -> int:
        return to_epoch_us(datetime.combine(self.first, datetime.min.time(), tzinfo=UTC))

    def index(self, moments_us: IntArray) -> IntArray:
        """The day index of each moment (may fall outside ``[0, n)``)."""
        return np.floor_divide(moments_us - self.first_us, DAY_US).astype(np.int64)

    def day(self, index: int) -> date:
        return self.first + timedelta(days=int(index))

    def day_index(self, day: date) -> int:
        return (day - self.first).days

    def start_us(self, index: IntArray | int) -> IntArray:
        return np.asarray(self.first_us + np.asarray(index, dtype=np.int64) * DAY_US)


@dataclass
class Series:
    """One signal at one level: ``values[a, d]`` for area ``areas[a]`` on day ``d``."""

    signal: Signal
    level: str
    areas: tuple[str, ...]
    neighbours: sparse.csr_array | None
    values: FloatArray
    onset_us: IntArray
    first_day: int  # first day with any record of the signal (-1: none)
    last_day: int  # last day with any record of the signal (-1: none)
    # hours series only: measures of the day's end, each [a, d] like values (module doc)
    evening: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.signal.name}/{self.level}"

    @property
    def national(self) -> FloatArray:
        """The country-wide series (sum over areas, or the national row itself)."""
        if self.level == "national":
            return np.asarray(self.values[0], dtype=np.float64)
        return np.asarray(self.values.sum(axis=0), dtype=np.float64)


def _count_grid(n_areas: int, n_days: int, area: IntArray, day: IntArray) -> FloatArray:
    flat = np.bincount(area * n_days + day, minlength=n_areas * n_days)
    return flat.reshape(n_areas, n_days).astype(np.float64)


def _onsets(
    n_areas: int, axis: DayAxis, area: IntArray, day: IntArray, start_us: IntArray
) -> IntArray:
    onset = np.full(n_areas * axis.n, np.iinfo(np.int64).max, dtype=np.int64)
    if len(area):
        moment = np.maximum(start_us, axis.start_us(day))
        np.minimum.at(onset, area * axis.n + day, moment)
    onset[onset == np.iinfo(np.int64).max] = NO_TIME
    return onset.reshape(n_areas, axis.n)


def _in_force_at_midnight(
    n_areas: int, axis: DayAxis, area: IntArray, start_us: IntArray, end_us: IntArray
) -> FloatArray:
    """1 where a span was in force at the midnight ending the day, else 0.

    In force: begun before that midnight and not ended before it. A span ending exactly
    then counts, as does one still running when the store is read at that midnight
    (``inputs.records_from_store`` cuts it there), so the backtest and live issue agree.
    An open span (no end) is taken to have ended within its first hour, as in the hours.

    >>> axis = DayAxis(date(2023, 1, 5), 3)
    >>> h = HOUR_US  # made-up spans: 22:00-01:00 across the first midnight, then 01:00-02:00
    >>> start = np.array([axis.first_us + 22 * h, axis.first_us + 25 * h])
    >>> end = np.array([axis.first_us + 25 * h, axis.first_us + 26 * h])
    >>> _in_force_at_midnight(1, axis, np.array([0, 0]), start, end).tolist()
    [[1.0, 0.0, 0.0]]
    """
    ok = end_us != NO_TIME
    # midnight k (the start of day k) ends day k - 1; spans cover midnights first..last
    first = np.floor_divide(start_us[ok] - axis.first_us, DAY_US) + 1
    last = np.floor_divide(end_us[ok] - axis.first_us, DAY_US)
    first, last = np.clip(first, 1, axis.n + 1), np.clip(last, 0, axis.n)
    crosses = last >= first
    diff = np.zeros((n_areas, axis.n + 2), dtype=np.int64)
    np.add.at(diff, (area[ok][crosses], first[crosses]), 1)
    np.add.at(diff, (area[ok][crosses], last[crosses] + 1), -1)
    in_force = np.cumsum(diff, axis=1)[:, 1 : axis.n + 1] > 0
    return in_force.astype(np.float64)


def _hours_grid(
    n_areas: int, axis: DayAxis, area: IntArray, start_us: IntArray, end_us: IntArray
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Clock hours per day with any span in force, those of the day's last
    ``EVENING_HOURS``, and the onset of each area-day."""
    n_hours = axis.n * 24
    begin = np.floor_divide(start_us - axis.first_us, HOUR_US)
    # an open span (no end) counts for the hour it started in only
    stop = np.where(
        end_us == NO_TIME, begin + 1, -np.floor_divide(-(end_us - axis.first_us), HOUR_US)
    )
    stop = np.maximum(stop, begin + 1)
    begin, stop = np.clip(begin, 0, n_hours), np.clip(stop, 0, n_hours)
    ok = stop > begin
    diff = np.zeros((n_areas, n_hours + 1), dtype=np.int64)
    np.add.at(diff, (area[ok], begin[ok]), 1)
    np.add.at(diff, (area[ok], stop[ok]), -1)
    active = np.cumsum(diff[:, :-1], axis=1).reshape(n_areas, axis.n, 24) > 0
    hours = active.sum(axis=2).astype(np.float64)
    evening = active[:, :, 24 - EVENING_HOURS :].sum(axis=2).astype(np.float64)
    # onset: each span's first hour in every day it touches
    first_day = begin[ok] // 24
    last_day = (stop[ok] - 1) // 24
    spans = (last_day - first_day + 1).astype(np.int64)
    rep_area = np.repeat(area[ok], spans)
    rep_day = np.repeat(first_day, spans) + (
        np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    )
    rep_start = np.repeat(start_us[ok], spans)
    return hours, evening, _onsets(n_areas, axis, rep_area, rep_day, rep_start)


def _locations(records: SignalRecords, index: AreaIndex) -> tuple[IntArray, IntArray]:
    """Located oblast and cell index of every record's point (-1 where none or too coarse)."""
    x, y = index.project(records.lon, records.lat)
    cell = index.locate_cells(x, y)
    cell[~(records.uncertainty_m <= index.cell_m)] = -1  # NaN or coarser than a cell
    named = np.zeros(len(records), dtype=bool)
    named[records.link_row] = True
    oblast = np.full(len(records), -1, dtype=np.int64)
    unnamed = np.flatnonzero(~named & np.isfinite(x) & np.isfinite(y))
    oblast[unnamed] = index.locate_oblasts(x[unnamed], y[unnamed])
    return oblast, cell


def _oblast_pairs(
    records: SignalRecords,
    mine: npt.NDArray[np.bool_],
    linked: npt.NDArray[np.bool_],
    link_oblast: IntArray,
    located: IntArray,
    remap: IntArray,
) -> tuple[IntArray, IntArray]:
    """(record, kept-oblast) pairs: every oblast a record names, else the one its point is in."""
    take_link = mine[records.link_row] if len(records.link_row) else np.zeros(0, bool)
    point_rows = np.flatnonzero(mine & ~linked)
    rows = np.concatenate([records.link_row[take_link], point_rows]).astype(np.int64)
    oblast = np.concatenate([link_oblast[take_link], located[point_rows]]).astype(np.int64)
    oblast = np.where(oblast >= 0, remap[np.maximum(oblast, 0)], -1)
    ok = oblast >= 0
    return rows[ok], oblast[ok]


def _national_onset(onset: IntArray) -> IntArray:
    big = np.iinfo(np.int64).max
    first = np.where(onset == NO_TIME, big, onset).min(axis=0, keepdims=True)
    return np.where(first == big, NO_TIME, first)


def build_series(
    records: SignalRecords, index: AreaIndex, axis: DayAxis, signals: tuple[Signal, ...] = SIGNALS
) -> dict[str, Series]:
    """Every series (signal x level) over ``axis``, keyed ``signal/level``."""
    out: dict[str, Series] = {}
    available_day = axis.index(records.available_us)
    located, cell_of = _locations(records, index)
    linked = np.zeros(len(records), dtype=bool)
    linked[records.link_row] = True
    codes = {code: i for i, code in enumerate(index.oblasts.ids)}
    link_oblast = np.array([codes.get(a, -1) for a in records.link_area], dtype=np.int64)
    for signal in signals:
        mine = records.signal == SIGNAL_NAMES.index(signal.name)
        kept = [i for i, c in enumerate(index.oblasts.ids) if c not in signal.unrecorded]
        remap = np.full(len(index.oblasts), -1, dtype=np.int64)
        remap[kept] = np.arange(len(kept))
        oblast_ids = tuple(index.oblasts.ids[i] for i in kept)
        pair_row, pair_oblast = _oblast_pairs(records, mine, linked, link_oblast, located, remap)
        # national: records counted in a kept oblast, and records naming no place at all
        placeless = mine & ~linked & ~np.isfinite(records.lon)
        national_rows = np.union1d(pair_row, np.flatnonzero(placeless)).astype(np.int64)
        seen = available_day[mine]
        seen = seen[(seen >= 0) & (seen < axis.n)]
        first, last = (int(seen.min()), int(seen.max())) if len(seen) else (-1, -1)
        evening: dict[str, FloatArray] = {}
        national_evening: dict[str, FloatArray] = {}
        if signal.measure is Measure.HOURS:
            spans = (len(oblast_ids), axis, pair_oblast)
            starts, ends = records.start_us[pair_row], records.end_us[pair_row]
            values, evening_hours, onset = _hours_grid(*spans, starts, ends)
            national_values = values.sum(axis=0, keepdims=True)
            national_onset = _national_onset(onset)
            evening = {
                "hours": evening_hours,
                "midnight": _in_force_at_midnight(*spans, starts, ends),
            }
            # nationally: oblast-hours, and the number of oblasts in force at midnight
            national_evening = {k: v.sum(axis=0, keepdims=True) for k, v in evening.items()}
        else:
            day = available_day[pair_row]
            inside = (day >= 0) & (day < axis.n)
            values = _count_grid(len(oblast_ids), axis.n, pair_oblast[inside], day[inside])
            onset = _onsets(
                len(oblast_ids),
                axis,
                pair_oblast[inside],
                day[inside],
                records.start_us[pair_row[inside]],
            )
            nday = available_day[national_rows]
            inside = (nday >= 0) & (nday < axis.n)
            zeros = np.zeros(int(inside.sum()), dtype=np.int64)
            national_values = _count_grid(1, axis.n, zeros, nday[inside])
            national_onset = _onsets(
                1, axis, zeros, nday[inside], records.start_us[national_rows[inside]]
            )
        out[f"{signal.name}/national"] = Series(
            signal,
            "national",
            (NATIONAL,),
            None,
            national_values,
            national_onset,
            first,
            last,
            national_evening,
        )
        out[f"{signal.name}/oblast"] = Series(
            signal,
            "oblast",
            oblast_ids,
            index.oblasts.neighbours[kept][:, kept],
            values,
            onset,
            first,
            last,
            evening,
        )
        if signal.cells:
            # points inside the country only (a border cell reaches past it)
            rows = np.flatnonzero(mine & (cell_of >= 0) & (linked | (located >= 0)))
            day = available_day[rows]
            inside = (day >= 0) & (day < axis.n)
            rows, day = rows[inside], day[inside]
            n_cells = len(index.cells)
            out[f"{signal.name}/cell"] = Series(
                signal,
                "cell",
                index.cells.ids,
                index.cells.neighbours,
                _count_grid(n_cells, axis.n, cell_of[rows], day),
                _onsets(n_cells, axis, cell_of[rows], day, records.start_us[rows]),
                first,
                last,
            )
    return out


def axis_for(
    records: SignalRecords, first: date | None = None, last: date | None = None
) -> DayAxis:
    """The days from ``first`` (default: the earliest record) to ``last`` (default: the latest)."""
    if len(records) == 0 and (first is None or last is None):
        today = datetime.now(UTC).date()
        return DayAxis(first or today, 1)
    available = records.available_us
    epoch = datetime(1970, 1, 1, tzinfo=UTC).date()
    lo = first or epoch + timedelta(days=int(available.min() // DAY_US))
    hi = last or epoch + timedelta(days=int(available.max() // DAY_US))
    return DayAxis(lo, max((hi - lo).days + 1, 1))
