"""Coordinates for the maps: every Leaflet map of the platform gets its points from here.

Positions are stored in WGS-84 (GPS). The tiles of MAP_TILE_URL are drawn in MAP_TILE_CRS: `wgs84`
(OpenStreetMap-style and the offline tiles, the default) or `gcj02` (AMap/Tencent). The server shifts
every point it hands to a map (`map_point`, `map_geometry` for GeoJSON) and shifts a map's view back
(`bounds_from_map`), so the browser never converts anything and every map agrees with every other.

    map_point(29.2, 103.9)            -> [29.2, 103.9] (wgs84) or the GCJ-02 point, rounded to 6 places
    bounds_from_map(s, w, n, e)       -> Bounds in WGS-84, for filtering stored positions
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from fengqiao import env

CRS_CHOICES = ("wgs84", "gcj02")
_DEFAULT_CRS = env.string("MAP_TILE_CRS", "wgs84").lower()
if _DEFAULT_CRS not in CRS_CHOICES:
    raise env.ImproperEnv(f"MAP_TILE_CRS={_DEFAULT_CRS!r}: use wgs84 or gcj02")


def tile_crs() -> str:
    """The coordinate system of the map tiles: the Django setting MAP_TILE_CRS if set (tests), else
    the environment variable (default wgs84)."""
    return getattr(settings, "MAP_TILE_CRS", _DEFAULT_CRS)


# ----------------------------------------------------------------------------- GCJ-02 (pure)

_A = 6378245.0
_EE = 0.00669342162296594323


def out_of_china(lat: float, lon: float) -> bool:
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 (GPS) → GCJ-02 (the offset coordinates AMap/Tencent tiles are drawn in). Outside China: unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """The inverse, by iteration (error well below 1 m)."""
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(6):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        wlat, wlon = wlat - (glat - lat), wlon - (glon - lon)
    return wlat, wlon


def to_map(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Stored WGS-84 → the coordinate system of the map's tiles."""
    if crs == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    return lat, lon


# ----------------------------------------------------------------------------- points for a map


def map_point(lat, lon, crs: str | None = None) -> list[float] | None:
    """A stored WGS-84 point as [lat, lon] in the tiles' coordinate system (MAP_TILE_CRS), rounded to
    6 places (about 0.1 m); None when either coordinate is missing."""
    if lat is None or lon is None:
        return None
    mlat, mlon = to_map(float(lat), float(lon), crs or tile_crs())
    return [round(mlat, 6), round(mlon, 6)]


def _shift_positions(coordinates, crs: str):
    """GeoJSON coordinates (a [lon, lat, …] position or nested lists of them) shifted to `crs`."""
    if (
        isinstance(coordinates, (list, tuple))
        and len(coordinates) >= 2
        and all(isinstance(c, (int, float)) for c in coordinates[:2])
    ):
        lat, lon = to_map(float(coordinates[1]), float(coordinates[0]), crs)
        return [lon, lat, *coordinates[2:]]
    if isinstance(coordinates, (list, tuple)):
        return [_shift_positions(c, crs) for c in coordinates]
    return coordinates


def map_geometry(geometry, crs: str | None = None):
    """A stored WGS-84 GeoJSON geometry (Point, Polygon, MultiPolygon, …, GeometryCollection, or a
    Feature/FeatureCollection) in the tiles' coordinate system. Unchanged for wgs84 tiles."""
    crs = crs or tile_crs()
    if crs != "gcj02" or not isinstance(geometry, dict):
        return geometry
    kind = geometry.get("type")
    if kind == "FeatureCollection":
        return {
            **geometry,
            "features": [map_geometry(f, crs) for f in geometry.get("features") or []],
        }
    if kind == "Feature":
        return {**geometry, "geometry": map_geometry(geometry.get("geometry"), crs)}
    if kind == "GeometryCollection":
        return {
            **geometry,
            "geometries": [map_geometry(g, crs) for g in geometry.get("geometries") or []],
        }
    if "coordinates" in geometry:
        return {**geometry, "coordinates": _shift_positions(geometry["coordinates"], crs)}
    return geometry


def map_feature_point(lat, lon, crs: str | None = None) -> dict | None:
    """A GeoJSON Point geometry for a stored WGS-84 point, in the tiles' coordinate system."""
    point = map_point(lat, lon, crs)
    if point is None:
        return None
    return {"type": "Point", "coordinates": [point[1], point[0]]}


# ----------------------------------------------------------------------------- a map's view back


@dataclass(frozen=True)
class Bounds:
    """A map view's bounds in WGS-84 degrees (what positions are stored in)."""

    south: float
    west: float
    north: float
    east: float

    def q(self, prefix: str = "device__") -> Q:
        return Q(
            **{
                f"{prefix}latitude__gte": self.south,
                f"{prefix}latitude__lte": self.north,
                f"{prefix}longitude__gte": self.west,
                f"{prefix}longitude__lte": self.east,
            }
        )


def bounds_from_map(
    south: float, west: float, north: float, east: float, crs: str | None = None
) -> Bounds:
    """The map's view (in the tiles' system, MAP_TILE_CRS) as WGS-84 bounds: for gcj02 each corner is
    shifted back with the same GCJ-02 formula the points were shifted with (gcj02_to_wgs84, iterated
    to well below 1 m), and the bounds are the corners' extremes."""
    if (crs or tile_crs()) != "gcj02":
        return Bounds(south, west, north, east)
    corners = [gcj02_to_wgs84(lat, lon) for lat in (south, north) for lon in (west, east)]
    lats, lons = [c[0] for c in corners], [c[1] for c in corners]
    return Bounds(
        max(-90.0, min(lats)), max(-180.0, min(lons)), min(90.0, max(lats)), min(180.0, max(lons))
    )
