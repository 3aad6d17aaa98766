"""Who is at the other end of a push connection, resolved once when it connects.

The Django session cookie is checked the way the web pages check it (session engine, the user's
session hash, active, the idle limit, the second factor); the audiences are the user's own and those
of the stations the pages would show them (core.scoping: a station user their station, a county
user their county's stations). After this, a connection costs no database query per event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from fengqiao.accounts.roles import BUREAU_ROLES, TOTP_ROLES, can_see_wall

CHANNELS = ("wall", "desk", "map")


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    station_ids: tuple[int, ...]
    audiences: frozenset[str]


def session_key(cookie_header: str) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel is not None and morsel.value else None


def _hash_ok(user, stored: str) -> bool:
    if not stored:
        return False
    if constant_time_compare(stored, user.get_session_auth_hash()):
        return True
    fallback = getattr(user, "_get_session_auth_hash", None)
    return bool(
        fallback
        and any(
            constant_time_compare(stored, fallback(secret=key))
            for key in settings.SECRET_KEY_FALLBACKS
        )
    )


def signed_in_user(cookie_header: str):
    """The active user of this cookie's session, or None (no, forged, expired, idle or half-done session)."""
    from fengqiao.accounts.models import User

    key = session_key(cookie_header)
    if key is None:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(key).load()  # {} for a forged, unknown or expired key
    uid = data.get(SESSION_KEY)
    if uid is None:
        return None
    user = User.objects.filter(pk=uid, is_active=True).first()
    if user is None or not _hash_ok(user, data.get(HASH_SESSION_KEY, "")):
        return None
    last = data.get("last_seen")
    if last is not None and time.time() - int(last) > settings.SESSION_IDLE_MINUTES * 60:
        return None
    if user.totp_enabled and not data.get("totp_ok"):
        return None
    if settings.REQUIRE_TOTP_FOR_LEADERS and user.role in TOTP_ROLES and not user.totp_enabled:
        return None
    return user


def station_ids(user) -> list[int]:
    """The stations whose screens this user's pages show (the rule of core.scoping.visible_to)."""
    from fengqiao.accounts.models import Station

    if user.is_superuser:
        return list(Station.objects.order_by("pk").values_list("pk", flat=True))
    if user.role in BUREAU_ROLES and user.bureau_id:
        return list(
            Station.objects.filter(bureau_id=user.bureau_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return [user.station_id] if user.station_id else []


def viewer(cookie_header: str, *, channels: list[str], station: int | None = None) -> Viewer | None:
    """Resolve a connecting tab: None when it may not have a stream at all."""
    user = signed_in_user(cookie_header)
    if user is None:
        return None
    stations = station_ids(user)
    if station is not None:
        stations = [s for s in stations if s == station]
    audiences = {f"user:{user.pk}"}
    audiences.update(f"station:{s}" for s in stations)
    for channel in channels:
        if channel not in CHANNELS or (channel == "wall" and not can_see_wall(user)):
            continue
        audiences.update(f"{channel}:{s}" for s in stations)
    return Viewer(user_id=user.pk, station_ids=tuple(stations), audiences=frozenset(audiences))
