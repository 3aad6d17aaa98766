"""The offline base map (core/tiles.py): every map page references only the app's own tiles by
default, the tiles are drawn from the installation's geography, and MAP_TILE_URL replaces them."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from fengqiao.core import tiles
from fengqiao.core.middleware import content_security_policy

pytestmark = pytest.mark.django_db

MAP_PAGES = [
    "registry:community_map",
    "incidents:incident_map",
    "estates:estate_list",
    "antifraud:publicity",
    "vehicles:live_map",
    "command:wall",
]


@pytest.fixture(autouse=True)
def _tile_folder(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _tile_of(lon, lat, z):
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    s = math.sin(math.radians(lat))
    y = int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) / 1 * n)
    return x, y


def test_the_default_tile_url_is_the_apps_own(settings):
    from django.conf import settings as live

    assert live.MAP_TILE_URL == tiles.LOCAL_URL  # what the installation runs with, unset
    assert "http" not in content_security_policy().split("img-src")[1].split(";")[0]


@pytest.mark.parametrize("name", MAP_PAGES)
def test_map_pages_reference_only_local_tiles(alice_client, name):
    html = alice_client.get(reverse(name)).content.decode()
    urls = re.findall(r'data-tile-url="([^"]*)"', html)
    assert urls, f"{name}: no map with a tile URL"
    assert all(u == tiles.LOCAL_URL for u in urls), urls
    assert "地图底图未接入" not in html
    # nothing on the page points at another host for images or tiles
    assert not re.search(r'(src|href|data-[a-z-]*url)="(https?:)?//', html), name


def test_a_configured_tile_server_replaces_the_local_tiles(settings, alice_client):
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    html = alice_client.get(reverse("registry:community_map")).content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in html
    assert "https://tiles.example" in content_security_policy()


def test_a_tile_over_a_community_shows_its_boundary_and_is_kept(
    alice_client, community_a, settings
):
    ring = [
        [103.940, 29.220],
        [103.946, 29.220],
        [103.946, 29.226],
        [103.940, 29.226],
        [103.940, 29.220],
    ]
    community_a.boundary = {"type": "Polygon", "coordinates": [ring]}
    community_a.latitude, community_a.longitude = 29.223, 103.943
    community_a.save()
    x, y = _tile_of(103.940, 29.220, 15)
    response = alice_client.get(reverse("core:map_tile", args=[15, x, y]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    colours = {c for _, c in image.getcolors(65536)}
    assert tiles.ROAD in colours and tiles.BLOCK in colours  # the boundary drawn as a street
    assert list((settings.VAR_DIR / "tiles").rglob(f"15/{x}/{y}.png"))  # drawn once, then read
    # far from any community: paper and graticule only
    far = alice_client.get(reverse("core:map_tile", args=[15, x + 40, y + 40]))
    far_colours = {
        c for _, c in Image.open(io.BytesIO(far.content)).convert("RGB").getcolors(65536)
    }
    assert tiles.ROAD not in far_colours and tiles.BACKGROUND in far_colours


def test_tiles_refuse_what_is_not_a_tile_and_strangers(alice_client):
    from django.test import Client

    assert alice_client.get(reverse("core:map_tile", args=[3, 8, 0])).status_code == 404
    assert alice_client.get(reverse("core:map_tile", args=[25, 0, 0])).status_code == 404
    assert (
        Client().get(reverse("core:map_tile", args=[3, 1, 1])).status_code == 302
    )  # sign in first


def _colours(png: bytes) -> set:
    return {c for _n, c in Image.open(io.BytesIO(png)).convert("RGB").getcolors(1 << 16)}


def test_rivers_and_roads_of_the_base_map_file_are_drawn(settings, tmp_path):
    import json

    from fengqiao.core import basemap

    settings.MAP_FEATURES_FILE = str(tmp_path / "features.geojson")
    river = [[103.990, 29.230], [103.990, 29.190]]
    road = [[103.940, 29.210], [103.960, 29.210]]
    (tmp_path / "features.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"kind": "river", "name": "岷江"},
                     "geometry": {"type": "LineString", "coordinates": river}},
                    {"type": "Feature", "properties": {"kind": "road", "name": "新民路"},
                     "geometry": {"type": "LineString", "coordinates": road}},
                    {"type": "Feature", "properties": {"kind": "pipe"},
                     "geometry": {"type": "LineString", "coordinates": road}},
                ],
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    assert [f["kind"] for f in basemap.load()] == ["river", "road"]
    geo = tiles.geography()
    x, y = _tile_of(103.990, 29.210, 15)
    assert tiles.WATER in _colours(tiles.render(15, x, y, geo))
    x, y = _tile_of(103.950, 29.210, 15)
    assert tiles.MAIN_ROAD in _colours(tiles.render(15, x, y, geo))
    # A new river is a new version of the tiles (the cached ones are not served for it).
    before = tiles.version(geo)
    river.append([103.995, 29.180])
    data = json.loads((tmp_path / "features.geojson").read_text(encoding="utf-8"))
    data["features"][0]["geometry"]["coordinates"] = river
    (tmp_path / "features.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert tiles.version(tiles.geography()) != before


def test_a_broken_base_map_file_draws_no_features(settings, tmp_path):
    from fengqiao.core import basemap

    settings.MAP_FEATURES_FILE = str(tmp_path / "broken.geojson")
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    assert basemap.load() == []
    assert tiles.render(15, *_tile_of(103.95, 29.21, 15), tiles.geography())


def test_the_demo_writes_its_river_and_roads(settings, tmp_path):
    from fengqiao.core import basemap
    from fengqiao.demo import data

    settings.MAP_FEATURES_FILE = ""
    path = basemap.write_demo(data.STATIONS)
    assert path == tmp_path / "base_map.geojson"
    names = {f["name"]: f for f in basemap.load()}
    assert {"岷江", "新民路", "玉津大道", "马边河"} <= set(names)
    # 新民路 runs through the centre of 玉津派出所's area
    lon, lat = names["新民路"]["line"][2]
    assert abs(lat - data.CENTRE_LAT) < 0.001 and abs(lon - data.CENTRE_LON) < 0.001
