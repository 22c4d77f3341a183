"""The observation model: one immutable record per thing a source saw, and its columnar batch.

``Observation`` is the record a person or a test handles. ``ObservationBatch`` holds the
same fields as columns (numpy arrays and lists); every hot path (ingest, the zone engine,
storage) works on batches, never on one ``Observation`` at a time.

An observation is located by a point with its uncertainty in metres, by an area reference
(an ISO 3166-2 oblast code such as ``UA-63``, optionally followed by ``/`` and a raion or
hromada name) when the source names only an area, or by both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from ceasefire.observations.taxonomy import Kind
from ceasefire.timeutil import ensure_utc, from_epoch_us, to_epoch_us

NO_TIME = np.iinfo(np.int64).min
"""Sentinel for a missing time in an int64 microsecond column."""

JsonValue = Any


def canonical_json(value: Mapping[str, JsonValue]) -> str:
    """Serialise attributes the same way every time (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from: the file (by name and SHA-256) and its 1-based row number."""

    file_name: str
    file_sha256: str
    row: int


@dataclass(frozen=True, slots=True)
class Observation:
    """One thing one source saw. Never changed after it is accepted."""

    source: str
    source_id: str
    observed_at: datetime
    kind: Kind
    raw: str
    lon: float | None = None
    lat: float | None = None
    uncertainty_m: float | None = None
    area: str | None = None
    observed_until: datetime | None = None
    weapon_class: str | None = None
    attributes: Mapping[str, JsonValue] = field(default_factory=dict)
    origin: Origin | None = None

    def __post_init__(self) -> None:
        ensure_utc(self.observed_at)
        if self.observed_until is not None:
            ensure_utc(self.observed_until)
            if self.observed_until < self.observed_at:
                raise ValueError("observed_until is before observed_at")
        has_point = self.lon is not None and self.lat is not None
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon and lat must be given together")
        if not has_point and not self.area:
            raise ValueError("an observation needs a point, an area, or both")
        if has_point:
            assert self.lon is not None and self.lat is not None
            if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
                raise ValueError(f"point ({self.lon}, {self.lat}) is not lon/lat")
        if self.uncertainty_m is not None and not (
            self.uncertainty_m >= 0 and math.isfinite(self.uncertainty_m)
        ):
            raise ValueError("uncertainty_m must be a finite number of metres, zero or more")
        if not self.source_id:
            raise ValueError("source_id is empty")

    @property
    def key(self) -> tuple[str, str]:
        """The identity of an observation: (source, the source's own id)."""
        return (self.source, self.source_id)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that failed validation, kept with the reason so nothing a source sent is lost."""

    source: str
    row: int
    field: str
    reason: str
    raw: str
    file_name: str = ""
    file_sha256: str = ""

    def describe(self) -> str:
        """One line naming the file, row and field, as a field analyst expects."""
        return f"{self.file_name}:{self.row}: {self.field}: {self.reason}"


IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class ObservationBatch:
    """Observations of one source as columns. Row ``i`` of every column is one observation."""

    source: str
    source_id: list[str]
    observed_at_us: IntArray
    observed_until_us: IntArray
    kind: list[str]
    lon: FloatArray
    lat: FloatArray
    uncertainty_m: FloatArray
    area: list[str | None]
    weapon_class: list[str | None]
    attributes_json: list[str]
    raw: list[str]
    row: IntArray
    file_name: str = ""
    file_sha256: str = ""

    def __post_init__(self) -> None:
        if not self.source or ":" in self.source:
            raise ValueError(f"source name {self.source!r} must be non-empty and contain no ':'")
        n = len(self.source_id)
        columns: dict[str, Sized] = {
            "observed_at_us": self.observed_at_us,
            "observed_until_us": self.observed_until_us,
            "kind": self.kind,
            "lon": self.lon,
            "lat": self.lat,
            "uncertainty_m": self.uncertainty_m,
            "area": self.area,
            "weapon_class": self.weapon_class,
            "attributes_json": self.attributes_json,
            "raw": self.raw,
            "row": self.row,
        }
        for name, column in columns.items():
            if len(column) != n:
                raise ValueError(f"column {name} has {len(column)} rows, source_id has {n}")

    def __len__(self) -> int:
        return len(self.source_id)

    @property
    def has_point(self) -> npt.NDArray[np.bool_]:
        """Which rows carry a point (the rest are located by area only)."""
        return np.isfinite(self.lon) & np.isfinite(self.lat)

    @classmethod
    def empty(cls, source: str, file_name: str = "", file_sha256: str = "") -> ObservationBatch:
        """A batch with no rows."""
        return cls.from_observations(source, [], file_name=file_name, file_sha256=file_sha256)

    @classmethod
    def from_observations(
        cls,
        source: str,
        observations: Iterable[Observation],
        file_name: str = "",
        file_sha256: str = "",
    ) -> ObservationBatch:
        """Build a batch from records (for sources small enough to parse row by row)."""
        items = list(observations)
        for item in items:
            if item.source != source:
                raise ValueError(f"observation of source {item.source!r} in a batch of {source!r}")
        nan = float("nan")
        return cls(
            source=source,
            source_id=[o.source_id for o in items],
            observed_at_us=np.array([to_epoch_us(o.observed_at) for o in items], dtype=np.int64),
            observed_until_us=np.array(
                [
                    NO_TIME if o.observed_until is None else to_epoch_us(o.observed_until)
                    for o in items
                ],
                dtype=np.int64,
            ),
            kind=[str(o.kind) for o in items],
            lon=np.array([nan if o.lon is None else o.lon for o in items], dtype=np.float64),
            lat=np.array([nan if o.lat is None else o.lat for o in items], dtype=np.float64),
            uncertainty_m=np.array(
                [nan if o.uncertainty_m is None else o.uncertainty_m for o in items],
                dtype=np.float64,
            ),
            area=[o.area for o in items],
            weapon_class=[o.weapon_class for o in items],
            attributes_json=[canonical_json(o.attributes) for o in items],
            raw=[o.raw for o in items],
            row=np.array([0 if o.origin is None else o.origin.row for o in items], dtype=np.int64),
            file_name=file_name,
            file_sha256=file_sha256,
        )

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> ObservationBatch:
        """The rows selected by an integer index or a boolean mask, as a new batch."""
        positions = (
            np.flatnonzero(index) if np.asarray(index).dtype == np.bool_ else np.asarray(index)
        )
        pick = positions.tolist()
        return ObservationBatch(
            source=self.source,
            source_id=[self.source_id[i] for i in pick],
            observed_at_us=self.observed_at_us[positions],
            observed_until_us=self.observed_until_us[positions],
            kind=[self.kind[i] for i in pick],
            lon=self.lon[positions],
            lat=self.lat[positions],
            uncertainty_m=self.uncertainty_m[positions],
            area=[self.area[i] for i in pick],
            weapon_class=[self.weapon_class[i] for i in pick],
            attributes_json=[self.attributes_json[i] for i in pick],
            raw=[self.raw[i] for i in pick],
            row=self.row[positions],
            file_name=self.file_name,
            file_sha256=self.file_sha256,
        )

    def __iter__(self) -> Iterator[Observation]:
        """Rows as ``Observation`` records (for display and tests, not for hot paths)."""
        for i in range(len(self)):
            yield self.observation(i)

    def observation(self, i: int) -> Observation:
        """Row ``i`` as a record."""
        lon, lat, unc = float(self.lon[i]), float(self.lat[i]), float(self.uncertainty_m[i])
        until = int(self.observed_until_us[i])
        return Observation(
            source=self.source,
            source_id=self.source_id[i],
            observed_at=from_epoch_us(int(self.observed_at_us[i])),
            observed_until=None if until == NO_TIME else from_epoch_us(until),
            kind=Kind(self.kind[i]),
            lon=None if math.isnan(lon) else lon,
            lat=None if math.isnan(lat) else lat,
            uncertainty_m=None if math.isnan(unc) else unc,
            area=self.area[i],
            weapon_class=self.weapon_class[i],
            attributes=json.loads(self.attributes_json[i]),
            raw=self.raw[i],
            origin=Origin(self.file_name, self.file_sha256, int(self.row[i])),
        )
