"""A warning as a record: what is expected, where, when, how likely, and why.

Warnings are issued by the forecasting code (``ceasefire.warning``) and kept by a store
adapter and the ledger like findings: once issued a warning is never edited; a later warning
for the same area and day is a new record. Everything here is plain data so that the store,
the API, the daily report and the dashboard can share it without importing the models.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class WarningEvent(StrEnum):
    """What a warning says may happen."""

    RENEWAL = "renewal"  # activity resumes in an area after a quiet spell
    ESCALATION = "escalation"  # activity above the level expected from the recent past


@dataclass(frozen=True, slots=True)
class WarningSignal:
    """One input that drove a warning: its latest value against what was expected."""

    signal: str  # series family: fires, alerts, attacks, conflict
    area_id: str  # the area the value is for (the warning's own area or a neighbour)
    value: float  # latest complete day's value
    expected: float  # what the model expected for that day
    note: str = ""  # a short reason in words, e.g. "3 days quiet after 12/day"

    def as_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "area_id": self.area_id,
            "value": self.value,
            "expected": self.expected,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class WarningRecord:
    """A warning issued at ``issued_at`` for ``[valid_from, valid_to)`` in one area.

    ``probability`` is the model's probability of ``event`` in the area over the validity
    window; ``expected_count`` and ``threshold`` give the count scale it refers to (the
    event is "count >= threshold" in the target ``signal``). ``lead_time_s`` is the planned
    lead: seconds from issue to the start of validity.
    """

    issued_at: datetime
    valid_from: datetime
    valid_to: datetime
    area_id: str  # "UA-14" (oblast), "cell25km:IX:IY" (25 km cell) or "UA" (national)
    area_name: str
    event: WarningEvent
    signal: str  # target series family
    probability: float
    expected_count: float
    threshold: float
    model: str  # model name and version, e.g. "nbglm-1"
    drivers: tuple[WarningSignal, ...] = field(default_factory=tuple)
    lon: float | None = None  # a representative point of the area, for maps
    lat: float | None = None

    def __post_init__(self) -> None:
        for name in ("issued_at", "valid_from", "valid_to"):
            moment: datetime = getattr(self, name)
            if moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware (UTC)")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability {self.probability} is outside [0, 1]")
        if self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")

    @property
    def lead_time_s(self) -> float:
        return (self.valid_from - self.issued_at).total_seconds()

    @property
    def warning_id(self) -> str:
        """Deterministic id: the same issue for the same area, window, event and model."""
        key = "|".join(
            (
                self.issued_at.isoformat(),
                self.valid_from.isoformat(),
                self.area_id,
                self.event.value,
                self.signal,
                self.model,
            )
        )
        return "W-" + hashlib.sha256(key.encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ledger leaf, the API and the report use this)."""
        return {
            "warning_id": self.warning_id,
            "issued_at": self.issued_at.isoformat(),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "lead_time_s": self.lead_time_s,
            "area_id": self.area_id,
            "area_name": self.area_name,
            "event": self.event.value,
            "signal": self.signal,
            "probability": self.probability,
            "expected_count": self.expected_count,
            "threshold": self.threshold,
            "model": self.model,
            "drivers": [d.as_dict() for d in self.drivers],
            "lon": self.lon,
            "lat": self.lat,
        }
