"""Called by the tracker gateway after each durably stored batch (in a worker thread, on the
ingestion path — so it must stay cheap).

    after_store(positions=[{"device_id", "identifier", "fixed_at", "latitude", "longitude",
                            "speed_kmh", "valid", ...}], alarms=[{..., "kind"}])

Per batch it makes one query for the vehicles that can raise an alarm from a position (armed, with a
home fence, or stolen) among the batch's trackers, one for the vehicles of device alarms (rare), and
writes only when something happens: a changed in/out-of-fence flag (one UPDATE per direction) and
the alarms (services.alarms_raise: owner SMS queued, command room told live). Buffered, outdated,
invalid and zero fixes are never judged; of each vehicle's fixes only the latest in the batch is.
The vehicle is found by the tracker's identifier (IMEI / terminal number), the install desk's key.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db.models import Count, Q

from fengqiao import push
from fengqiao.vehicles import conf, rules
from fengqiao.vehicles.choices import AlarmKind, VehicleStatus
from fengqiao.vehicles.models import Vehicle
from fengqiao.vehicles.services import AlarmDraft, alarms_raise

log = logging.getLogger(__name__)

# Device alarm kinds (tracking.DeviceAlarm.kind) that become business alarms.
DEVICE_ALARMS = {
    "vibration": AlarmKind.VIBRATION,
    "power_cut": AlarmKind.POWER_CUT,
    "low_battery": AlarmKind.LOW_BATTERY,
}

_FIELDS = (
    "pk",
    "imei",
    "station_id",
    "community_id",
    "armed",
    "armed_latitude",
    "armed_longitude",
    "home_latitude",
    "home_longitude",
    "home_radius_m",
    "outside_fence",
    "status",
)


def _judged(position: dict) -> bool:
    if position.get("buffered") or position.get("outdated"):
        return False
    return rules.usable_fix(
        position.get("latitude"), position.get("longitude"), valid=bool(position.get("valid", True))
    )


def _latest_by_identifier(positions: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for p in positions:
        if not _judged(p):
            continue
        key = str(p.get("identifier") or "")
        if key and (key not in latest or p["fixed_at"] > latest[key]["fixed_at"]):
            latest[key] = p
    return latest


def _draft(v: dict, kind: str, at, p: dict | None) -> AlarmDraft:
    return AlarmDraft(
        vehicle_id=v["pk"],
        station_id=v["station_id"],
        community_id=v["community_id"],
        kind=kind,
        at=at,
        latitude=p.get("latitude") if p else None,
        longitude=p.get("longitude") if p else None,
        speed_kmh=p.get("speed_kmh") if p else None,
        position_id=(p.get("id") or p.get("position_id")) if p else None,
    )


def evaluate(positions: list[dict], alarms: list[dict]) -> tuple[list[AlarmDraft], dict[int, bool]]:
    """The alarms to raise and the fence flags to change (vehicle id → outside), from one batch."""
    drafts: list[AlarmDraft] = []
    fence: dict[int, bool] = {}
    latest = _latest_by_identifier(positions)
    if latest:
        watched = (
            Vehicle.objects.filter(imei__in=list(latest))
            .filter(Q(armed=True) | Q(home_radius_m__isnull=False) | Q(status=VehicleStatus.STOLEN))
            .values(*_FIELDS)
        )
        speed = conf.get("VEHICLES_MOVEMENT_SPEED_KMH")
        distance = conf.get("VEHICLES_MOVEMENT_DISTANCE_M")
        for v in watched:
            p = latest.get(v["imei"])
            if p is None:
                continue
            lat, lon = p["latitude"], p["longitude"]
            if v["armed"] and rules.moved_while_armed(
                anchor_lat=v["armed_latitude"],
                anchor_lon=v["armed_longitude"],
                lat=lat,
                lon=lon,
                speed_kmh=p.get("speed_kmh"),
                speed_threshold_kmh=speed,
                distance_threshold_m=distance,
            ):
                drafts.append(_draft(v, AlarmKind.MOVEMENT_WHILE_ARMED, p["fixed_at"], p))
            if v["home_radius_m"]:
                outside = rules.outside_fence(
                    v["home_latitude"], v["home_longitude"], v["home_radius_m"], lat, lon
                )
                if outside != v["outside_fence"]:
                    fence[v["pk"]] = outside
                    if outside:
                        drafts.append(_draft(v, AlarmKind.FENCE_EXIT, p["fixed_at"], p))
    mapped = [a for a in alarms if a.get("kind") in DEVICE_ALARMS and a.get("identifier")]
    if mapped:
        vehicles = {
            v["imei"]: v
            for v in Vehicle.objects.filter(imei__in={str(a["identifier"]) for a in mapped}).values(
                *_FIELDS
            )
        }
        for a in mapped:
            v = vehicles.get(str(a["identifier"]))
            if v is not None:
                at = a.get("at") or a.get("fixed_at")
                p = (
                    a
                    if rules.usable_fix(
                        a.get("latitude"), a.get("longitude"), valid=bool(a.get("valid", True))
                    )
                    else None
                )
                drafts.append(_draft(v, DEVICE_ALARMS[a["kind"]], at, p))
    return drafts, fence


class MapNews:
    """Tells the live maps that vehicles moved, at most once per PUSH_MAP_SECONDS per gateway
    process and at once for an alarm: the trackers seen meanwhile are collected here, and a timer
    thread (off the ingestion path) looks up their stations in one query and sends one `map.moved`
    event per station. The map reloads its current view on it instead of on a timer."""

    def __init__(self, clock=time.monotonic, later=None):
        self.clock = clock
        self.later = later or self._start_timer
        self.pending: set[str] = set()
        self.alarm = False
        self.scheduled = False
        self.last = float("-inf")
        self.lock = threading.Lock()

    @staticmethod
    def _start_timer(delay: float, fn) -> None:
        timer = threading.Timer(delay, fn)
        timer.daemon = True
        timer.start()

    def seen(self, identifiers, *, alarm: bool = False) -> None:
        from django.conf import settings

        with self.lock:
            self.pending.update(identifiers)
            self.alarm = self.alarm or alarm
            if self.scheduled or not self.pending:
                return
            self.scheduled = True
            delay = 0.0 if alarm else max(0.0, self.last + settings.PUSH_MAP_SECONDS - self.clock())
        self.later(delay, self._flush_in_thread)

    def _flush_in_thread(self) -> None:
        from django.db import connection

        try:
            self.flush()
        except Exception:  # the live maps' news is a convenience; ingestion goes on
            log.exception("vehicles: telling the live maps failed")
        finally:
            connection.close()

    def flush(self) -> None:
        with self.lock:
            batch, alarm = self.pending, self.alarm
            self.pending, self.alarm, self.scheduled, self.last = set(), False, False, self.clock()
        if not batch:
            return
        stations = (
            Vehicle.objects.filter(imei__in=list(batch))
            .values("station_id")
            .annotate(n=Count("pk"))
            .order_by("station_id")
        )
        push.send_many(
            (f"map:{row['station_id']}", "map.moved", {"vehicles": row["n"], "alarm": alarm})
            for row in stations
        )


map_news = MapNews()


def after_store(positions: list[dict], alarms: list[dict]) -> int:
    """Judge a stored batch; returns the number of alarms opened. Never raises into the gateway."""
    if not positions and not alarms:
        return 0
    try:
        map_news.seen(
            {p["identifier"] for p in [*(positions or []), *(alarms or [])] if p.get("identifier")},
            alarm=bool(alarms),
        )
    except Exception:  # the live maps' news is a convenience; ingestion goes on
        log.exception("vehicles.after_store: telling the live maps failed")
    try:
        drafts, fence = evaluate(positions or [], alarms or [])
        for outside in (True, False):
            ids = [pk for pk, flag in fence.items() if flag is outside]
            if ids:
                Vehicle.objects.filter(pk__in=ids).update(outside_fence=outside)
        return len(alarms_raise(drafts)) if drafts else 0
    except Exception:  # the positions are stored already; an alarm bug must not stop ingestion
        log.exception(
            "vehicles.after_store failed for a batch of %s positions, %s alarms",
            len(positions or []),
            len(alarms or []),
        )
        return 0
