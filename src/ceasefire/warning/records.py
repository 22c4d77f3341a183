"""Observations as the warning series need them: a few columns, and the areas each names.

Built from ``ObservationBatch`` chunks, whether they come from a source adapter reading a
file or from the store, so the series never re-parse an input file. A record *names* an
oblast when its area reference starts with an oblast code (``UA-63/...``); an Air Force
report naming several oblasts (area ``UA`` with ``target_areas``) names each of them. Points
are located later (``areas.AreaIndex``), against the agreement's own oblast outlines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ceasefire.observations.areas import OBLASTS
from ceasefire.observations.model import NO_TIME, ObservationBatch
from ceasefire.warning.signals import SIGNAL_NAMES, signal_of

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_OBLAST_CODES = frozenset(o.code for o in OBLASTS)


@dataclass(slots=True)
class SignalRecords:
    """Observations feeding the signals, as columns, and a record-to-oblast relation.

    ``signal[i]`` indexes ``SIGNAL_NAMES``; ``end_us`` is ``NO_TIME`` for an instant or an
    open span; ``link_row``/``link_area`` list the oblasts each record names.
    """

    signal: npt.NDArray[np.int8]
    start_us: IntArray
    end_us: IntArray
    lon: FloatArray
    lat: FloatArray
    uncertainty_m: FloatArray
    link_row: IntArray
    link_area: list[str]

    def __len__(self) -> int:
        return len(self.signal)

    @classmethod
    def empty(cls) -> SignalRecords:
        return cls(
            np.zeros(0, np.int8),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0, np.int64),
            [],
        )

    def take(self, keep: npt.NDArray[np.bool_]) -> SignalRecords:
        """The records where ``keep`` is true (links renumbered)."""
        new_index = np.cumsum(keep) - 1
        linked = keep[self.link_row] if len(self.link_row) else np.zeros(0, bool)
        return SignalRecords(
            self.signal[keep],
            self.start_us[keep],
            self.end_us[keep],
            self.lon[keep],
            self.lat[keep],
            self.uncertainty_m[keep],
            new_index[self.link_row[linked]].astype(np.int64),
            [a for a, k in zip(self.link_area, linked.tolist(), strict=True) if k],
        )

    @property
    def available_us(self) -> IntArray:
        """When each record was complete: the last microsecond of its span, or its start.

        A span ends *before* its ``end_us`` (half-open), so a report of a whole day ending at
        the next midnight counts on that day.
        """
        spans = (self.end_us != NO_TIME) & (self.end_us > self.start_us)
        return np.where(spans, self.end_us - 1, self.start_us)


def _named_oblasts(area: str | None, attributes_json: str, source: str) -> tuple[str, ...]:
    if not area:
        return ()
    code = area.split("/", 1)[0].strip()
    if code in _OBLAST_CODES:
        return (code,)
    if source == "attacks" and code == "UA":
        targets = json.loads(attributes_json).get("target_areas") or []
        return tuple(sorted({str(t).split("/", 1)[0] for t in targets} & _OBLAST_CODES))
    return ()


def from_batch(batch: ObservationBatch) -> SignalRecords:
    """The rows of ``batch`` that feed a signal, as ``SignalRecords``."""
    kinds = np.asarray(batch.kind, dtype=object)
    codes = np.full(len(batch), -1, dtype=np.int8)
    for kind in set(batch.kind):
        name = signal_of(batch.source, kind)
        if name is not None:
            codes[kinds == kind] = SIGNAL_NAMES.index(name)
    rows = np.flatnonzero(codes >= 0)
    link_row: list[int] = []
    link_area: list[str] = []
    if batch.source != "firms":  # FIRMS rows carry a point and never an area
        for new, old in enumerate(rows.tolist()):
            for code in _named_oblasts(batch.area[old], batch.attributes_json[old], batch.source):
                link_row.append(new)
                link_area.append(code)
    return SignalRecords(
        signal=codes[rows],
        start_us=batch.observed_at_us[rows],
        end_us=batch.observed_until_us[rows],
        lon=batch.lon[rows],
        lat=batch.lat[rows],
        uncertainty_m=batch.uncertainty_m[rows],
        link_row=np.asarray(link_row, dtype=np.int64),
        link_area=link_area,
    )


def concat(parts: Iterable[SignalRecords]) -> SignalRecords:
    """One ``SignalRecords`` holding every part, in order."""
    items = [p for p in parts if len(p)]
    if not items:
        return SignalRecords.empty()
    offsets = np.cumsum([0, *(len(p) for p in items[:-1])])
    return SignalRecords(
        signal=np.concatenate([p.signal for p in items]),
        start_us=np.concatenate([p.start_us for p in items]),
        end_us=np.concatenate([p.end_us for p in items]),
        lon=np.concatenate([p.lon for p in items]),
        lat=np.concatenate([p.lat for p in items]),
        uncertainty_m=np.concatenate([p.uncertainty_m for p in items]),
        link_row=np.concatenate(
            [p.link_row + off for p, off in zip(items, offsets.tolist(), strict=True)]
        ).astype(np.int64),
        link_area=[a for p in items for a in p.link_area],
    )


def from_batches(batches: Iterable[ObservationBatch]) -> SignalRecords:
    """``SignalRecords`` of many batches (adapter chunks or store pages)."""
    return concat(from_batch(b) for b in batches)
