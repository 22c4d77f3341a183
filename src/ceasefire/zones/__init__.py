"""The zone engine: zones, side, oblast and distance to the line for many points at once."""

from ceasefire.zones.engine import ZoneAssessment, ZoneEngine

__all__ = ["ZoneAssessment", "ZoneEngine"]
