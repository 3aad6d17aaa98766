"""The offline base map: 256 px Web-Mercator tiles drawn from the installation's own geography, so
maps read like maps without the Internet (docs/configuration.md, MAP_TILE_URL).

What a tile shows: a paper background, a graticule, the rivers and main roads of the base-map file
(core/basemap.py; the demo writes the demo area's), every community's and village's boundary drawn
as a street (casing and fill: the demo's communities are street blocks), the estates as small
squares and, from zoom 14, the communities' names in the CJK font (fonts-wqy-zenhei). Coordinates
are WGS-84, as stored (MAP_TILE_CRS=wgs84). Each tile is drawn once and kept under
VAR_DIR/tiles/<version>/; the version changes when the geography does, so an edited boundary shows.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from pathlib import Path

from django.conf import settings

SIZE = 256
MAX_ZOOM = 19
BACKGROUND = (244, 241, 234)
GRID = (226, 221, 210)
BLOCK = (236, 232, 222)
ROAD_CASING = (200, 194, 182)
ROAD = (255, 255, 255)
ESTATE = (214, 203, 226)
WATER = (170, 205, 235)
MAIN_ROAD = (255, 236, 179)
MAIN_ROAD_CASING = (222, 184, 110)
LABEL = (90, 84, 74)
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

LOCAL_URL = "/core/tiles/{z}/{x}/{y}.png"


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of tile z/x/y."""
    n = 2**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def _pixel(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    n = 2**z * SIZE
    px = (lon + 180) / 360 * n
    lat = max(min(lat, 85.05), -85.05)
    s = math.sin(math.radians(lat))
    py = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n
    return px - x * SIZE, py - y * SIZE


def geography() -> dict:
    """Every community's boundary and name and every estate's point (the whole installation)."""
    from fengqiao.estates.models import Estate
    from fengqiao.registry.models import Community

    areas = []
    for name, boundary, lat, lon in Community.objects.values_list(
        "name", "boundary", "latitude", "longitude"
    ).order_by("pk"):
        rings = []
        if isinstance(boundary, dict) and boundary.get("type") == "Polygon":
            rings = [r for r in boundary.get("coordinates") or [] if isinstance(r, list)]
        areas.append({"name": name, "rings": rings, "centre": (lon, lat) if lat and lon else None})
    estates = [
        (lon, lat)
        for lat, lon in Estate.objects.exclude(latitude=None)
        .exclude(longitude=None)
        .values_list("latitude", "longitude")
    ]
    from fengqiao.core import basemap

    return {"areas": areas, "estates": estates, "features": basemap.load()}


def version(geo: dict) -> str:
    return hashlib.sha256(json.dumps(geo, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _font(size: int):
    from PIL import ImageFont

    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return None  # no CJK font: names are left out rather than drawn as boxes


def render(z: int, x: int, y: int, geo: dict) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    west, south, east, north = tile_bounds(z, x, y)
    # graticule: every 0.01° (about 1 km) from zoom 13, every 0.1° below
    step = 0.01 if z >= 13 else 0.1 if z >= 9 else 1.0
    lon = math.floor(west / step) * step
    while lon <= east:
        px, _ = _pixel(lon, north, z, x, y)
        draw.line([(px, 0), (px, SIZE)], fill=GRID, width=1)
        lon += step
    lat = math.floor(south / step) * step
    while lat <= north:
        _, py = _pixel(west, lat, z, x, y)
        draw.line([(0, py), (SIZE, py)], fill=GRID, width=1)
        lat += step
    road = max(1, min(10, 2 ** (z - 13)))
    features = geo.get("features", [])
    for feature in features:
        if feature["kind"] == "river":
            points = [_pixel(lon, lat, z, x, y) for lon, lat in feature["line"]]
            draw.line(points, fill=WATER, width=max(3, min(40, 3 * 2 ** (z - 12))), joint="curve")
    for area in geo["areas"]:
        for ring in area["rings"]:
            points = [_pixel(p[0], p[1], z, x, y) for p in ring if len(p) >= 2]
            if len(points) < 3:
                continue
            draw.polygon(points, fill=BLOCK)
            draw.line([*points, points[0]], fill=ROAD_CASING, width=road + 2, joint="curve")
            draw.line([*points, points[0]], fill=ROAD, width=road, joint="curve")
    main = max(2, min(14, 2 ** (z - 12)))
    for feature in features:
        if feature["kind"] == "road":
            points = [_pixel(lon, lat, z, x, y) for lon, lat in feature["line"]]
            draw.line(points, fill=MAIN_ROAD_CASING, width=main + 2, joint="curve")
            draw.line(points, fill=MAIN_ROAD, width=main, joint="curve")
    side = max(2, min(8, 2 ** (z - 13)))
    for lon, lat in geo["estates"]:
        px, py = _pixel(lon, lat, z, x, y)
        if -side <= px <= SIZE + side and -side <= py <= SIZE + side:
            draw.rectangle([px - side, py - side, px + side, py + side], fill=ESTATE)
    if z >= 13:
        font = _font(12 if z < 16 else 14)
        if font is not None:
            for feature in features:
                # the name a third of the way along (crossing roads meet in the middle), drawn by
                # every tile it overlaps
                line = feature["line"]
                if len(line) > 2:
                    lon, lat = line[len(line) // 3]
                else:
                    lon, lat = (line[0][0] + line[1][0]) / 2, (line[0][1] + line[1][1]) / 2
                px, py = _pixel(lon, lat, z, x, y)
                if feature["name"] and -120 <= px <= SIZE + 120 and -20 <= py <= SIZE + 20:
                    colour = (40, 90, 150) if feature["kind"] == "river" else LABEL
                    draw.text((px, py), feature["name"], fill=colour, font=font, anchor="mm")
        if font is not None and z >= 14:
            for area in geo["areas"]:
                if area["centre"] is None:
                    continue
                px, py = _pixel(*area["centre"], z, x, y)
                # drawn by every tile the label overlaps, so a name is never cut at a tile's edge
                if -120 <= px <= SIZE + 120 and -20 <= py <= SIZE + 20:
                    draw.text((px, py), area["name"], fill=LABEL, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def tile(z: int, x: int, y: int) -> bytes:
    """The PNG of tile z/x/y, drawn once per geography version and then read from disk."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise ValueError("no such tile")
    geo = geography()
    folder = Path(settings.VAR_DIR) / "tiles" / version(geo) / str(z) / str(x)
    path = folder / f"{y}.png"
    if path.exists():
        return path.read_bytes()
    data = render(z, x, y, geo)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data
