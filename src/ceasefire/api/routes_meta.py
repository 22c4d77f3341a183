"""Who am I, which agreement versions exist, and the map's reference layers (open to all)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from shapely.geometry import mapping

from ceasefire.access.identity import Principal
from ceasefire.agreement.model import Agreement
from ceasefire.api.audit import PUBLIC_TAG
from ceasefire.api.auth import current_principal
from ceasefire.api.models import AgreementOut, Me
from ceasefire.api.routers import API_PREFIX
from ceasefire.api.state import ApiState, get_state

router = APIRouter(prefix=API_PREFIX, tags=[PUBLIC_TAG])

# Reference outlines are drawn on a map of the whole front: 50 m of simplification keeps
# them recognisable at any zoom a dashboard uses and the answer small.
_SIMPLIFY_DEG = 0.0005


@router.get("/me", response_model=Me)
def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    """The caller as the API sees it (the public without a token)."""
    return Me(
        user_id=principal.user_id,
        name=principal.name,
        role=principal.role.value,
        party=principal.party,
    )


@router.get("/agreements", response_model=list[AgreementOut])
def agreements(state: Annotated[ApiState, Depends(get_state)]) -> list[AgreementOut]:
    """Every loaded agreement version, oldest first; ``active`` marks the one in force."""
    with state.lock:
        records = state.store.agreements()
    return [AgreementOut.model_validate(r, from_attributes=True) for r in records]


def _feature(geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": mapping(geometry.simplify(_SIMPLIFY_DEG, preserve_topology=True)),
        "properties": properties,
    }


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def map_layers(agreement: Agreement) -> dict[str, Any]:
    """The line of contact, the zones and the oblast outlines as WGS84 GeoJSON."""
    geography = agreement.geography
    line = _feature(
        geography.line_lonlat,
        {"line_date": geography.line_date, "controlled_by": geography.controlled_by},
    )
    zones = [
        _feature(
            z.geometry_lonlat,
            {
                "id": z.id,
                "label": z.label,
                "shape": z.shape.value,
                "side": z.side,
                "band_km": z.band_km,
                "illustrative": z.illustrative,
            },
        )
        for z in agreement.zones
    ]
    oblasts = [
        _feature(a.geometry_lonlat, {"code": a.code, "name": a.name}) for a in geography.admin_areas
    ]
    return {
        "agreement": {
            "id": agreement.id,
            "version": agreement.version,
            "title": agreement.title,
            "parties": {p.code: p.name for p in agreement.parties},
        },
        "line": _collection([line]),
        "zones": _collection(zones),
        "oblasts": _collection(oblasts),
    }


@router.get("/map/layers")
def layers(state: Annotated[ApiState, Depends(get_state)]) -> dict[str, Any]:
    """The active agreement's line, zones and oblasts (WGS84 GeoJSON FeatureCollections)."""
    _, agreement = state.active_agreement()
    return state.cached(
        ("map-layers", agreement.id, agreement.version), lambda: map_layers(agreement)
    )
