"""Projections and small geometry helpers shared by the agreement and the zone engine.

All distances and buffers are computed in a metric projection. The default is a
transverse Mercator centred on 35.5° E, the middle of the 2022–2025 line of contact:
scale error stays below 0.1 % within ±4° of longitude of it (the whole line) and below
1.3 % at Ukraine's western border, where no band of the agreement reaches. An agreement
may name another CRS.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from ceasefire.errors import GeometryError

WGS84 = "EPSG:4326"
DEFAULT_METRIC_CRS = (
    "+proj=tmerc +lat_0=48.5 +lon_0=35.5 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)

FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True
    )


def check_metric_crs(crs: str) -> None:
    """Refuse a CRS whose axis unit is not the metre (degrees-as-kilometres is a bug)."""
    try:
        parsed = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError and others; wrap them all here
        raise GeometryError(f"unknown CRS {crs!r}: {exc}") from exc
    units = {axis.unit_name for axis in parsed.axis_info}
    if not parsed.is_projected or units - {"metre"}:
        raise GeometryError(
            f"CRS {crs!r} is not a projected CRS in metres (units: {sorted(units)})"
        )


def project_xy(
    lon: FloatArray, lat: FloatArray, crs: str = DEFAULT_METRIC_CRS
) -> tuple[FloatArray, FloatArray]:
    """Project lon/lat arrays (degrees, WGS84) to metric x/y arrays in ``crs``."""
    x, y = _transformer(WGS84, crs).transform(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def unproject_xy(
    x: FloatArray, y: FloatArray, crs: str = DEFAULT_METRIC_CRS
) -> tuple[FloatArray, FloatArray]:
    """Metric x/y arrays in ``crs`` back to lon/lat degrees."""
    lon, lat = _transformer(crs, WGS84).transform(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def to_metric(geometry: BaseGeometry, crs: str = DEFAULT_METRIC_CRS) -> BaseGeometry:
    """Project a lon/lat geometry to ``crs``."""
    transformer = _transformer(WGS84, crs)
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def to_lonlat(geometry: BaseGeometry, crs: str = DEFAULT_METRIC_CRS) -> BaseGeometry:
    """Project a metric geometry in ``crs`` back to lon/lat."""
    transformer = _transformer(crs, WGS84)
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def check_lonlat(geometry: BaseGeometry) -> str | None:
    """Say why a geometry's coordinates cannot be lon/lat degrees, or None when they can.

    >>> from shapely.geometry import Point
    >>> check_lonlat(Point(34.58, 47.51)) is None
    True
    >>> check_lonlat(Point(3850000.0, 6030000.0))
    'coordinates are not lon/lat degrees (x in [3850000, 3850000], y in [6030000, 6030000]); GeoJSON must be WGS84 lon/lat'
    """
    if geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return (
            f"coordinates are not lon/lat degrees (x in [{minx:.0f}, {maxx:.0f}], "
            f"y in [{miny:.0f}, {maxy:.0f}]); GeoJSON must be WGS84 lon/lat"
        )
    return None


def explain_invalid(geometry: BaseGeometry) -> str | None:
    """Say what is wrong with a geometry in words a mission GIS officer can act on, or None."""
    if geometry.is_empty:
        return "geometry is empty"
    reason = check_lonlat(geometry)
    if reason:
        return reason
    if not shapely.is_valid(geometry):
        return str(shapely.is_valid_reason(geometry))
    return None
