"""A summary of an agreement's geography: one row per zone, the line and the sides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ceasefire.agreement.model import Agreement, ZoneShape


@dataclass(frozen=True, slots=True)
class ZoneRow:
    """One zone, as a summary table shows it."""

    id: str
    label: str
    shape: ZoneShape
    width_km: float | None  # a band's total width, or an ``around`` zone's diameter
    area_km2: float
    prohibits: tuple[str, ...]  # weapon classes, then observation kinds
    deadline: datetime | None  # ``demilitarised_after``
    side: str | None = None
    illustrative: bool = False

    def as_strings(self) -> dict[str, str]:
        """The row as text cells (for a CLI table or a report)."""
        return {
            "zone": self.id,
            "label": self.label + (" (illustrative)" if self.illustrative else ""),
            "shape": self.shape.value + (f" ({self.side} side)" if self.side else ""),
            "width_km": "" if self.width_km is None else f"{self.width_km:g}",
            "area_km2": f"{self.area_km2:,.0f}",
            "prohibits": ", ".join(self.prohibits),
            "deadline": self.deadline.strftime("%Y-%m-%d %H:%M UTC") if self.deadline else "",
        }


@dataclass(frozen=True, slots=True)
class AgreementSummary:
    """The figures a reader checks first: zones, line length, the area of each side."""

    agreement_id: str
    version: int
    zones: tuple[ZoneRow, ...]
    line_length_km: float
    line_pieces: int
    side_areas_km2: dict[str, float]
    line_date: str


def summarise(agreement: Agreement) -> AgreementSummary:
    """Summarise ``agreement``: areas and lengths are measured in its metric CRS."""
    rows = []
    for zone in agreement.zones:
        if zone.shape is ZoneShape.BAND:
            width = zone.band_km
        elif zone.radius_km is not None:
            width = zone.radius_km * 2
        else:
            width = None
        rows.append(
            ZoneRow(
                id=zone.id,
                label=zone.label,
                shape=zone.shape,
                width_km=width,
                area_km2=zone.geometry_m.area / 1e6,
                prohibits=tuple(sorted(zone.prohibits_weapon_classes))
                + tuple(sorted(zone.prohibits_kinds)),
                deadline=zone.demilitarised_after,
                side=zone.side,
                illustrative=zone.illustrative,
            )
        )
    geography = agreement.geography
    line = geography.line_m
    return AgreementSummary(
        agreement_id=agreement.id,
        version=agreement.version,
        zones=tuple(rows),
        line_length_km=line.length / 1000,
        line_pieces=len(getattr(line, "geoms", [line])),
        side_areas_km2={party: side.area / 1e6 for party, side in geography.sides_m.items()},
        line_date=geography.line_date,
    )
