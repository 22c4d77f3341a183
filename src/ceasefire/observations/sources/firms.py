"""NASA FIRMS thermal detections (MODIS, VIIRS) as ``thermal_anomaly`` observations.

Two layouts are read, told apart by the header (column names are matched without regard
to case):

* the 3-column country extracts ``LATITUDE,LONGITUDE,ACQ_DATE`` (date only);
* full FIRMS exports: ``latitude, longitude, bright_ti4|brightness, scan, track, acq_date,
  acq_time, satellite, instrument, confidence, version, bright_ti5|bright_t31, frp,
  daynight`` (and ``type`` in archive files). ``acq_time`` is ``HHMM`` UTC; ``HH:MM`` and
  ``HH:MM:SS`` are accepted too. Columns we do not know are kept as string attributes.

This is the hot path of ingest (a year of detections over Ukraine is ~10^5-10^6 rows), so
nothing here loops over rows in Python: the file's bytes are split into lines with numpy,
the lines become one Arrow string array without copying each line, and cells are parsed
and validated as whole columns. Only rejected rows (rare) are handled one by one. A file
containing a double quote (which FIRMS never writes) is split with the ``csv`` module
instead, then validated by the same column code.

Footprint and uncertainty: a detection is the centre of a pixel; the fire is somewhere in
it, so ``uncertainty_m`` is the half-diagonal of the pixel, ``0.5 * sqrt(scan^2 +
track^2)`` with scan and track in km when the file has them (they grow off nadir). Without
them the nominal nadir pixel is used: VIIRS 375 m (265 m), MODIS 1 km (707 m). The
3-column extracts do not say which instrument saw a fire (they mix MODIS and VIIRS), so the
larger MODIS pixel is assumed and ``footprint`` in the attributes says so.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ceasefire.errors import UnreadableInputError
from ceasefire.observations.model import NO_TIME, ObservationBatch, Rejection, canonical_json
from ceasefire.observations.sources.base import (
    DEFAULT_CHUNK_ROWS,
    RECORD_FIELD,
    FileFacts,
    ParsedChunk,
    decode_text,
    iter_csv_records,
    read_file_facts,
)
from ceasefire.observations.taxonomy import Kind

SOURCE = "firms"
DAY_US = 86_400 * 1_000_000
MINUTE_US = 60 * 1_000_000

VIIRS_PIXEL_M = 375.0
"""VIIRS I-band pixel at nadir (NASA FIRMS VIIRS 375 m product description)."""
MODIS_PIXEL_M = 1000.0
"""MODIS thermal pixel at nadir (NASA FIRMS MODIS MCD14 product description)."""
HALF_DIAGONAL = 0.5 * math.sqrt(2.0)
ASSUMED_FOOTPRINT = "instrument not stated: MODIS 1 km pixel assumed (the larger)"

# Satellite codes as FIRMS writes them, by instrument.
_VIIRS_SATELLITES = frozenset(
    {"n", "npp", "snpp", "suomi npp", "n20", "noaa-20", "j1", "1", "n21", "noaa-21", "j2"}
)
_MODIS_SATELLITES = frozenset({"t", "a", "terra", "aqua"})
_NUMERIC_ATTRIBUTES = frozenset(
    {"bright_ti4", "bright_ti5", "brightness", "bright_t31", "frp", "scan", "track", "type"}
)
_HANDLED = frozenset({"latitude", "longitude", "acq_date", "date", "acq_time"})
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{1,2}):?(\d{2})(?::\d{2})?$")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Which column of the file holds what (indices into the header)."""

    names: list[str]
    lat: int
    lon: int
    day: int
    time: int | None
    satellite: int | None
    instrument: int | None
    scan: int | None
    track: int | None
    attributes: list[tuple[str, int]]  # attribute key -> column, sorted by key


def _layout(facts: FileFacts, names: list[str]) -> _Layout:
    lowered = [n.lower() for n in names]

    def find(*candidates: str) -> int | None:
        for candidate in candidates:
            if candidate in lowered:
                return lowered.index(candidate)
        return None

    lat, lon, day = find("latitude"), find("longitude"), find("acq_date", "date")
    missing = [
        label
        for label, i in (("latitude", lat), ("longitude", lon), ("acq_date", day))
        if i is None
    ]
    if missing or lat is None or lon is None or day is None:
        raise UnreadableInputError(
            facts.path,
            f"is not a FIRMS file: lacks column(s) {', '.join(missing)}; "
            f"found {', '.join(names) or 'none'}",
        )
    attributes = sorted((lowered[i], i) for i in range(len(names)) if lowered[i] not in _HANDLED)
    return _Layout(
        names,
        lat,
        lon,
        day,
        find("acq_time"),
        find("satellite"),
        find("instrument"),
        find("scan"),
        find("track"),
        attributes,
    )


class FirmsSource:
    """NASA FIRMS MODIS/VIIRS thermal detections (CSV), parsed as whole columns."""

    name = "firms"
    description = "NASA FIRMS MODIS/VIIRS thermal detections (3-column extracts and full exports)"

    def read(self, path: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parse ``path`` in chunks of at most ``chunk_rows`` records."""
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        facts = read_file_facts(path)
        content = facts.content
        bom = 3 if content.startswith(b"\xef\xbb\xbf") else 0
        buf = np.frombuffer(content, dtype=np.uint8)
        if bool((buf[bom:] >= 0x80).any()):
            decode_text(facts)  # raises UnreadableInputError if the bytes are not UTF-8
        header_end = content.find(b"\n", bom)
        header_end = len(content) if header_end < 0 else header_end
        header_line = content[bom:header_end].decode("utf-8").rstrip("\r")
        if not header_line.strip():
            raise UnreadableInputError(facts.path, "is empty (no header row)")
        names = [n.strip() for n in next(csv.reader([header_line]))]
        layout = _layout(facts, names)
        if b'"' in content:
            return _read_quoted(facts, layout, chunk_rows)
        return _read_plain(facts, buf, header_end, layout, chunk_rows)


# --- splitting ----------------------------------------------------------------------------


def _read_plain(
    facts: FileFacts, buf: npt.NDArray[np.uint8], header_end: int, layout: _Layout, chunk_rows: int
) -> Iterator[ParsedChunk]:
    """Lines found with numpy; cells split by Arrow; no Python loop over rows."""
    size = len(buf)
    newlines = np.flatnonzero(buf == 10)
    newlines = newlines[newlines > header_end]
    starts = np.concatenate(([header_end + 1], newlines + 1)).astype(np.int64)
    ends = np.concatenate((newlines, [size])).astype(np.int64)
    if len(starts) and starts[-1] >= size:  # the file ends with a newline: no last line
        starts, ends = starts[:-1], ends[:-1]
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
    stripped = ends - has_cr
    ncols = len(layout.names)
    for i0 in range(0, len(starts), chunk_rows):
        i1 = min(i0 + chunk_rows, len(starts))
        s, e = starts[i0:i1], stripped[i0:i1]
        lengths = e - s
        region = buf[s[0] : e[-1]]
        keep = np.ones(len(region), dtype=np.bool_)
        gap = e[:-1] - s[0]
        keep[gap] = False
        long_gap = (s[1:] - e[:-1]) == 2  # "\r\n"
        keep[gap[long_gap] + 1] = False
        data = region[keep]
        offsets = np.zeros(len(s) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if offsets[-1] < 2**31 - 1:
            raw = pa.StringArray.from_buffers(
                len(s), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)
            )
        else:  # pragma: no cover - a chunk over 2 GiB
            raw = pa.LargeStringArray.from_buffers(
                len(s), pa.py_buffer(offsets), pa.py_buffer(data)
            )
        rows = np.arange(i0 + 1, i1 + 1, dtype=np.int64)
        parts = pc.split_pattern(raw, ",")
        cells = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
        nonblank = lengths > 0
        shaped = nonblank & (cells == ncols)
        rejections = [
            _rejection(
                facts,
                int(rows[i]),
                RECORD_FIELD,
                f"has {int(cells[i])} cells, the header has {ncols}",
                raw[i].as_py(),
            )
            for i in np.flatnonzero(nonblank & ~shaped)
        ]
        flat = pc.list_flatten(parts.filter(pa.array(shaped)))
        n_ok = int(shaped.sum())
        columns = [
            flat.take(pa.array(np.arange(j, n_ok * ncols, ncols, dtype=np.int64)))
            for j in range(ncols)
        ]
        yield _build(
            facts,
            layout,
            rows[shaped],
            raw.filter(pa.array(shaped)),
            columns,
            rejections,
            rows_read=int(nonblank.sum()),
            bytes_read=int(min(ends[i1 - 1] + 1, size)),
        )


def _read_quoted(facts: FileFacts, layout: _Layout, chunk_rows: int) -> Iterator[ParsedChunk]:
    """The slow path for files with quotes: the ``csv`` module splits, columns validate."""
    text = decode_text(facts)
    ncols = len(layout.names)
    rows: list[int] = []
    raws: list[str] = []
    cells: list[list[str]] = [[] for _ in range(ncols)]
    rejections: list[Rejection] = []
    consumed = 0
    pending: ParsedChunk | None = None

    def flush() -> ParsedChunk:
        chunk = _build(
            facts,
            layout,
            np.array(rows, dtype=np.int64),
            pa.array(raws, pa.string()),
            [pa.array(c, pa.string()) for c in cells],
            list(rejections),
            rows_read=len(rows) + len(rejections),
            bytes_read=min(consumed, facts.size),
        )
        rows.clear()
        raws.clear()
        rejections.clear()
        for column in cells:
            column.clear()
        return chunk

    for record in iter_csv_records(facts, text, ()):
        consumed += len(record.raw.encode("utf-8")) + 1
        if "__error__" in record.fields:
            rejections.append(
                _rejection(facts, record.row, RECORD_FIELD, record.fields["__error__"], record.raw)
            )
        else:
            rows.append(record.row)
            raws.append(record.raw)
            for j, name in enumerate(layout.names):
                cells[j].append(record.fields[name])
        if len(rows) + len(rejections) >= chunk_rows:
            if pending is not None:
                yield pending
            pending = flush()
    if rows or rejections:
        if pending is not None:
            yield pending
        pending = flush()
    if pending is not None:
        pending.bytes_read = facts.size  # the last chunk ends the file
        yield pending


# --- validation and building, column by column -------------------------------------------


def _rejection(facts: FileFacts, row: int, field: str, reason: str, raw: str) -> Rejection:
    return Rejection(SOURCE, row, field, reason, raw, facts.name, facts.sha256)


def _floats(column: pa.Array) -> npt.NDArray[np.float64]:
    """Cells as floats; NaN where a cell is not a number. One C call when the column is clean."""
    try:
        values = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        trimmed = pc.utf8_trim_whitespace(column)
        numeric = pc.match_substring_regex(trimmed, _NUMBER)
        values = pc.cast(pc.if_else(numeric, trimmed, pa.scalar("nan")), pa.float64())
    result: npt.NDArray[np.float64] = values.to_numpy(zero_copy_only=False).astype(np.float64)
    return result


T = TypeVar("T")


def _by_unique(
    column: pa.Array, convert: Callable[[str], T]
) -> tuple[list[T], npt.NDArray[np.int64]]:
    """``convert`` applied once per distinct cell: (converted distinct values, index per row)."""
    encoded = pc.dictionary_encode(column)
    values = [convert(v) for v in encoded.dictionary.to_pylist()]
    return values, encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _epoch_day(text: str) -> int:
    """Days since 1970-01-01 for ``YYYY-MM-DD``; -1 when not a real date."""
    text = text.strip()
    if not _DATE.match(text):
        return -1
    try:
        return (date.fromisoformat(text) - date(1970, 1, 1)).days
    except ValueError:
        return -1


def _minute_of_day(text: str) -> int:
    """Minutes after 00:00 of ``HHMM``/``HH:MM[:SS]``; -2 if empty (date only), -1 if invalid."""
    text = text.strip()
    if not text:
        return -2
    match = _TIME.match(text.zfill(3) if text.isdigit() else text)
    if not match:
        return -1
    hours, minutes = int(match.group(1)), int(match.group(2))
    return hours * 60 + minutes if hours < 24 and minutes < 60 else -1


def _pixel_m(satellite: str, instrument: str) -> tuple[float, str]:
    """Nominal nadir pixel size and the footprint label for a satellite/instrument pair."""
    inst, sat = instrument.strip().lower(), satellite.strip().lower()
    if inst.startswith("viirs") or (not inst and sat in _VIIRS_SATELLITES):
        return VIIRS_PIXEL_M, "nominal VIIRS 375 m pixel"
    if inst.startswith("modis") or (not inst and sat in _MODIS_SATELLITES):
        return MODIS_PIXEL_M, "nominal MODIS 1 km pixel"
    return MODIS_PIXEL_M, ASSUMED_FOOTPRINT


def _json_fragment(key: str, numeric: bool) -> Callable[[str], str]:
    """A converter from one cell to ``"key":value`` in canonical JSON."""
    prefix = json.dumps(key, ensure_ascii=False) + ":"

    def convert(text: str) -> str:
        value = text.strip()
        if not value:
            return prefix + "null"
        if numeric or key == "confidence":
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                if (
                    key in ("confidence", "type")
                    and number.is_integer()
                    and value.lstrip("+-").isdigit()
                ):
                    return prefix + json.dumps(int(number))
                return prefix + json.dumps(number)
        return prefix + json.dumps(value, ensure_ascii=False)

    return convert


def _build(
    facts: FileFacts,
    layout: _Layout,
    rows: npt.NDArray[np.int64],
    raw: pa.Array,
    columns: list[pa.Array],
    rejections: list[Rejection],
    *,
    rows_read: int,
    bytes_read: int,
) -> ParsedChunk:
    """Validate well-shaped rows as columns and build the batch; bad rows become rejections."""
    n = len(rows)
    lat = _floats(columns[layout.lat])
    lon = _floats(columns[layout.lon])
    day_values, day_index = _by_unique(columns[layout.day], _epoch_day)
    days = np.array(day_values, dtype=np.int64)[day_index] if n else np.zeros(0, np.int64)
    if layout.time is not None:
        minute_values, minute_index = _by_unique(columns[layout.time], _minute_of_day)
        minutes = (
            np.array(minute_values, dtype=np.int64)[minute_index] if n else np.zeros(0, np.int64)
        )
    else:
        minutes = np.full(n, -2, dtype=np.int64)
    checks: list[tuple[int, npt.NDArray[np.bool_]]] = [
        (layout.lat, ~(np.isfinite(lat) & (np.abs(lat) <= 90.0))),
        (layout.lon, ~(np.isfinite(lon) & (np.abs(lon) <= 180.0))),
        (layout.day, days < 0),
    ]
    if layout.time is not None:
        checks.append((layout.time, minutes == -1))
    bad = np.zeros(n, dtype=np.bool_)
    for column, failed in checks:
        for i in np.flatnonzero(failed & ~bad):
            cell = columns[column][i].as_py()
            rejections.append(
                _rejection(
                    facts,
                    int(rows[i]),
                    layout.names[column],
                    _reason(layout, column, cell),
                    raw[i].as_py(),
                )
            )
        bad |= failed
    rejections.sort(key=lambda r: r.row)
    ok = ~bad
    keep = pa.array(ok)
    m = int(ok.sum())

    # Times: date (+ time when given); a date alone covers its whole UTC day.
    days, minutes = days[ok], minutes[ok]
    dated_only = minutes < 0
    at = days * DAY_US + np.where(dated_only, 0, minutes) * MINUTE_US
    until = np.where(dated_only, at + DAY_US, NO_TIME).astype(np.int64)

    # Footprint: scan x track when present, else the instrument's nominal pixel.
    sat_col = columns[layout.satellite].filter(keep) if layout.satellite is not None else None
    inst_col = columns[layout.instrument].filter(keep) if layout.instrument is not None else None
    if sat_col is not None or inst_col is not None:
        pair = pc.binary_join_element_wise(
            sat_col if sat_col is not None else pa.array([""] * m, pa.string()),
            inst_col if inst_col is not None else pa.array([""] * m, pa.string()),
            "\x1f",
        )
        pixels, pixel_index = _by_unique(pair, lambda t: _pixel_m(*t.split("\x1f")))
        pixel_m = (
            np.array([p[0] for p in pixels], dtype=np.float64)[pixel_index] if m else np.zeros(0)
        )
        labels = (
            pa.array([p[1] for p in pixels], pa.string()).take(pa.array(pixel_index)) if m else None
        )
    else:
        pixel_m = np.full(m, MODIS_PIXEL_M)
        labels = None
    uncertainty = pixel_m * HALF_DIAGONAL
    footprint = pa.array([ASSUMED_FOOTPRINT] * m, pa.string()) if labels is None else labels
    if layout.scan is not None and layout.track is not None:
        scan = _floats(columns[layout.scan].filter(keep)) * 1000.0
        track = _floats(columns[layout.track].filter(keep)) * 1000.0
        measured = np.isfinite(scan) & np.isfinite(track) & (scan > 0) & (track > 0)
        uncertainty = np.where(measured, 0.5 * np.hypot(scan, track), uncertainty)
        footprint = pc.if_else(pa.array(measured), pa.scalar("scan x track"), footprint)

    # Content id: date[THHMM]/satellite/lat/lon, from the cells as written.
    day_text = pc.utf8_trim_whitespace(columns[layout.day].filter(keep))
    if layout.time is not None:
        hhmm = pa.array(
            ["" if v < 0 else f"T{v // 60:02d}{v % 60:02d}" for v in minute_values], pa.string()
        )
        day_text = pc.binary_join_element_wise(day_text, hhmm.take(pa.array(minute_index[ok])), "")
    id_parts = [day_text]
    if sat_col is not None:
        id_parts.append(pc.utf8_trim_whitespace(sat_col))
    id_parts += [
        pc.utf8_trim_whitespace(columns[layout.lat].filter(keep)),
        pc.utf8_trim_whitespace(columns[layout.lon].filter(keep)),
    ]
    source_id = pc.binary_join_element_wise(*id_parts, "/")

    attributes = _attributes(layout, columns, keep, dated_only, footprint, m)
    batch = ObservationBatch(
        source=SOURCE,
        source_id=_strings(source_id),
        observed_at_us=at.astype(np.int64),
        observed_until_us=until,
        kind=[str(Kind.THERMAL_ANOMALY)] * m,
        lon=lon[ok],
        lat=lat[ok],
        uncertainty_m=np.round(uncertainty, 1),
        area=[None] * m,
        weapon_class=[None] * m,
        attributes_json=attributes,
        raw=_strings(raw.filter(keep)),
        row=rows[ok],
        file_name=facts.name,
        file_sha256=facts.sha256,
    )
    return ParsedChunk(batch, rejections, rows_read, bytes_read)


def _strings(column: pa.Array) -> list[str]:
    values: list[str] = column.to_numpy(zero_copy_only=False).tolist()
    return values


def _reason(layout: _Layout, column: int, cell: str) -> str:
    if column in (layout.lat, layout.lon):
        try:
            float(cell.strip())
        except ValueError:
            return f"{cell!r} is not a number"
        limit = 90 if column == layout.lat else 180
        return f"{cell!r} is not a finite number within -{limit}..{limit}"
    if column == layout.day:
        return f"{cell!r} is not a date (YYYY-MM-DD)"
    return f"{cell!r} is not a time of day (HHMM)"


def _attributes(
    layout: _Layout,
    columns: list[pa.Array],
    keep: pa.Array,
    dated_only: npt.NDArray[np.bool_],
    footprint: pa.Array,
    m: int,
) -> list[str]:
    """Canonical JSON per row, assembled from per-distinct-value fragments by Arrow."""
    if not layout.attributes and layout.time is None and m:
        first = footprint[0].as_py()
        if pc.all(pc.equal(footprint, pa.scalar(first))).as_py():
            return [canonical_json({"footprint": first, "time_precision": "day"})] * m
    keys = sorted([*(k for k, _ in layout.attributes), "footprint", "time_precision"])
    fragments: list[pa.Array] = []
    for key in keys:
        if key == "footprint":
            values, index = _by_unique(
                footprint, lambda t: '"footprint":' + json.dumps(t, ensure_ascii=False)
            )
        elif key == "time_precision":
            values = ['"time_precision":"minute"', '"time_precision":"day"']
            index = dated_only.astype(np.int64)
        else:
            column = columns[dict(layout.attributes)[key]].filter(keep)
            values, index = _by_unique(column, _json_fragment(key, key in _NUMERIC_ATTRIBUTES))
        fragments.append(
            pa.array(values, pa.string()).take(pa.array(index)) if m else pa.array([], pa.string())
        )
    body = pc.binary_join_element_wise(*fragments, ",")
    return _strings(pc.binary_join_element_wise(pa.scalar("{"), body, pa.scalar("}"), ""))
