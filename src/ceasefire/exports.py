"""Writing stored observations as CSV and GeoJSON (the same columns in both)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ceasefire.store.base import StoredObservation

CSV_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "observed_at",
    "observed_until",
    "kind",
    "weapon_class",
    "lon",
    "lat",
    "uncertainty_m",
    "area",
    "side",
    "signed_distance_m",
    "oblast",
    "zones",
    "attributes",
)


def _properties(obs: StoredObservation) -> dict[str, Any]:
    return {
        "source": obs.source,
        "source_id": obs.source_id,
        "observed_at": obs.observed_at.isoformat().replace("+00:00", "Z"),
        "observed_until": None
        if obs.observed_until is None
        else obs.observed_until.isoformat().replace("+00:00", "Z"),
        "kind": obs.kind,
        "weapon_class": obs.weapon_class,
        "lon": obs.lon,
        "lat": obs.lat,
        "uncertainty_m": obs.uncertainty_m,
        "area": obs.area,
        "side": obs.side or None,
        "signed_distance_m": None
        if obs.signed_distance_m is None
        else round(obs.signed_distance_m, 1),
        "oblast": obs.oblast or None,
        "zones": list(obs.zones),
        "attributes": json.loads(obs.attributes_json),
    }


def write_csv(observations: Iterable[StoredObservation], out: TextIO) -> int:
    """Write observations as CSV with a header; zones joined by ';', attributes as JSON."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for obs in observations:
        props = _properties(obs)
        props["zones"] = ";".join(obs.zones)
        props["attributes"] = obs.attributes_json
        writer.writerow(["" if props[c] is None else props[c] for c in CSV_COLUMNS])
        count += 1
    return count


def to_geojson(observations: Sequence[StoredObservation]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection; area-only observations get a null geometry."""
    features = []
    for obs in observations:
        geometry = None
        if obs.lon is not None and obs.lat is not None:
            geometry = {"type": "Point", "coordinates": [obs.lon, obs.lat]}
        features.append(
            {
                "type": "Feature",
                "id": f"{obs.source}:{obs.source_id}",
                "geometry": geometry,
                "properties": _properties(obs),
            }
        )
    return {"type": "FeatureCollection", "features": features}
