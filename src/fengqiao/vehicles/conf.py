"""The vehicles app's settings: each from an environment variable (strict parsers of fengqiao.env),
overridable by a Django setting of the same name (tests use the `settings` fixture).

    VEHICLES_COMMAND_MAX_SPEED_KMH   engine cut/restore refused above this speed (default 20)
    VEHICLES_MOVEMENT_SPEED_KMH      armed vehicle moving at least this fast → alarm (default 5)
    VEHICLES_MOVEMENT_DISTANCE_M     armed vehicle this far from where it was armed → alarm (default 150)
    VEHICLES_OFFLINE_HOURS           no message for this long → 离线过久 alarm (default 24)
    VEHICLES_ALARM_REPEAT_MINUTES    a repeat of an open alarm within this time only counts (default 30)
    MAP_TILE_CRS                     wgs84 | gcj02: the coordinate system of MAP_TILE_URL's tiles
                                     (AMap/Tencent tiles need gcj02; default wgs84), read by core.geo
"""

from __future__ import annotations

from django.conf import settings

from fengqiao import env
from fengqiao.core import geo

DEFAULTS = {
    "VEHICLES_COMMAND_MAX_SPEED_KMH": env.integer("VEHICLES_COMMAND_MAX_SPEED_KMH", 20, minimum=0),
    "VEHICLES_MOVEMENT_SPEED_KMH": env.integer("VEHICLES_MOVEMENT_SPEED_KMH", 5, minimum=1),
    "VEHICLES_MOVEMENT_DISTANCE_M": env.integer("VEHICLES_MOVEMENT_DISTANCE_M", 150, minimum=10),
    "VEHICLES_OFFLINE_HOURS": env.integer("VEHICLES_OFFLINE_HOURS", 24, minimum=1),
    "VEHICLES_ALARM_REPEAT_MINUTES": env.integer("VEHICLES_ALARM_REPEAT_MINUTES", 30, minimum=0),
    "MAP_TILE_CRS": geo._DEFAULT_CRS,  # read and checked once, in core.geo (every map's setting)
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
