"""The base map's rivers and roads (core/tiles.py draws them under the communities' streets).

They come from a GeoJSON FeatureCollection of LineStrings with `properties.kind` ("river" or "road")
and `properties.name`: `MAP_FEATURES_FILE`, by default `FENGQIAO_VAR/base_map.geojson`. `fengqiao demo`
writes the demo area's (demo/data.py, each station's `features`); an installation may put its own
there (e.g. exported from a survey or OpenStreetMap). A missing or broken file draws no features.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)
KINDS = ("river", "road")


def features_path() -> Path:
    return Path(settings.MAP_FEATURES_FILE or (Path(settings.VAR_DIR) / "base_map.geojson"))


def load() -> list[dict]:
    """[{"kind", "name", "line": [(lon, lat), …]}] of the file's valid line features."""
    path = features_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("base map features %s unreadable: %s", path, exc)
        return []
    found = []
    for feature in data.get("features", []) if isinstance(data, dict) else []:
        geometry = (feature or {}).get("geometry") or {}
        props = (feature or {}).get("properties") or {}
        if geometry.get("type") != "LineString" or props.get("kind") not in KINDS:
            continue
        line = []
        for point in geometry.get("coordinates") or []:
            try:
                lon, lat = float(point[0]), float(point[1])
            except (TypeError, ValueError, IndexError):
                line = []
                break
            if -180 <= lon <= 180 and -90 <= lat <= 90:
                line.append((lon, lat))
        if len(line) >= 2:
            found.append(
                {"kind": props["kind"], "name": str(props.get("name") or ""), "line": line}
            )
    return found


def demo_collection(stations) -> dict:
    """The GeoJSON of the demo stations' `features` (km offsets from each station's centre)."""
    features = []
    for spec in stations:
        lat0, lon0 = spec["lat"], spec["lon"]
        km_lat = 1 / 110.95
        km_lon = 1 / (111.32 * math.cos(math.radians(lat0)))
        for kind, name, points in spec.get("features", []):
            coordinates = [
                [round(lon0 + x * km_lon, 6), round(lat0 + y * km_lat, 6)] for x, y in points
            ]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": kind, "name": name},
                    "geometry": {"type": "LineString", "coordinates": coordinates},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def write_demo(stations) -> Path:
    path = features_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(demo_collection(stations), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
