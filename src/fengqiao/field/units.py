"""Officers on the wall: phone positions while on shift, each unit's status (在岗 / 出警 / 到场 / 返回)
with the age of its last fix, and the units nearest an incident."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core.geo import map_point  # a unit's fix in the wall tiles' system, as every map
from fengqiao.field import rules
from fengqiao.field.choices import Step
from fengqiao.field.models import FieldStep, OfficerFix
from fengqiao.field.permissions import can_see_units

STATUS_LABELS = {
    "on_post": gettext_lazy("在岗"),
    "dispatched": gettext_lazy("出警"),
    "on_scene": gettext_lazy("到场"),
    "returning": gettext_lazy("返回"),
}
RETURNING_MINUTES = 30


def on_shift(officer, at: dt.datetime) -> bool:
    from fengqiao.command.roster import assignments_at

    if not officer.station_id:
        return False
    return any(a.user_id == officer.pk for a in assignments_at(officer.station_id, at))


def position_report(*, actor, latitude, longitude, accuracy=None, at=None) -> OfficerFix | None:
    """Store the phone's position if the roster has `actor` on shift now; else store nothing (None)."""
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=2) or at < now - dt.timedelta(hours=12):
        raise ValidationError(_("定位时间不对"))
    if not rules.valid_position(latitude, longitude):
        raise ValidationError(_("位置不对:纬度 -90~90,经度 -180~180"))
    if not actor.station_id:
        raise PermissionDenied(_("您的账号没有所属派出所"))
    if not on_shift(actor, at):
        return None
    forget(actor.station_id)
    return OfficerFix.objects.create(
        station_id=actor.station_id,
        officer=actor,
        at=at,
        latitude=float(latitude),
        longitude=float(longitude),
        accuracy_m=float(accuracy) if accuracy not in (None, "") else None,
    )


def positions_purge(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FIELD_POSITION_KEEP_DAYS)
    deleted, _detail = OfficerFix.objects.filter(at__lt=cutoff).delete()
    return deleted


def _status(officer_id: int, steps: dict[int, list], now) -> tuple[str, int | None]:
    """From the officer's latest field steps: on scene after 到场 until 结警, dispatched after 接收,
    returning for half an hour after 结警; else on post."""
    mine = steps.get(officer_id, [])
    if not mine:
        return "on_post", None
    last = mine[-1]
    if last.step == Step.CLOSE:
        if now - last.at < dt.timedelta(minutes=RETURNING_MINUTES):
            return "returning", last.incident_id
        return "on_post", None
    if last.step in (Step.ARRIVE, Step.HANDLE, Step.REPORT):
        return "on_scene", last.incident_id
    return "dispatched", last.incident_id


UNITS_CACHE_SECONDS = 3  # every wall screen and dispatcher polls this; positions come every 10–30 s


def units(station_id: int, now: dt.datetime | None = None) -> list[dict]:
    """Every officer on shift now, and every patrol car with a crew member on shift, with the last fix (if any), its age and the unit's status. A few
    queries whatever the history: the latest fix per officer by the (officer, -at) index. The live
    board (no `now` given) is shared for UNITS_CACHE_SECONDS by the station's screens; a step tap
    clears it."""
    from django.core.cache import cache

    if now is None:
        key = f"field:units:{station_id}"
        board = cache.get(key)
        if board is None:
            board = _units(station_id, timezone.now())
            cache.set(key, board, UNITS_CACHE_SECONDS)
        return board
    return _units(station_id, now)


def forget(station_id: int) -> None:
    from django.core.cache import cache

    cache.delete(f"field:units:{station_id}")


def _units(station_id: int, now: dt.datetime) -> list[dict]:
    from fengqiao.command.roster import assignments_at

    duties = assignments_at(station_id, now)
    officers = {a.user_id: a for a in duties}
    if not officers:
        return []
    latest = dict(
        OfficerFix.objects.filter(officer_id__in=officers, at__gte=now - dt.timedelta(hours=24))
        .values("officer_id")
        .annotate(last=Max("at"))
        .values_list("officer_id", "last")
    )
    fixes = {
        f.officer_id: f
        for f in OfficerFix.objects.filter(officer_id__in=latest, at__in=set(latest.values()))
        if latest.get(f.officer_id) == f.at
    }
    steps: dict[int, list] = {}
    for s in FieldStep.objects.filter(
        officer_id__in=officers, at__gte=now - dt.timedelta(hours=24)
    ).order_by("at", "id"):
        steps.setdefault(s.officer_id, []).append(s)
    from fengqiao.command.choices import Post

    posts = {value: str(label) for value, label in Post.choices}
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
    out = []
    for officer_id, duty in officers.items():
        fix = fixes.get(officer_id)
        status, incident_id = _status(officer_id, steps, now)
        out.append(
            {
                "kind": "officer",
                "car_id": None,
                "crew_ids": [officer_id],
                "officer_id": officer_id,
                "name": duty.user.display_name,
                "post": posts.get(duty.post, duty.post),
                "status": status,
                "status_label": statuses[status],
                "incident_id": incident_id,
                "latitude": fix.latitude if fix else None,
                "longitude": fix.longitude if fix else None,
                "fix_age_seconds": int((now - fix.at).total_seconds()) if fix else None,
            }
        )
    out.extend(_cars(station_id, now, officers, out))
    out.sort(key=lambda u: (u["status"] != "on_post", u["name"]))
    return out


# The busiest status wins when a car's crew are in different states.
_BUSY = {"on_scene": 3, "dispatched": 2, "returning": 1, "on_post": 0}


def _cars(station_id: int, now, officers: dict, people: list[dict]) -> list[dict]:
    """The station's patrol cars on shift (a crew member on the roster now) as units: the tracker's
    last fix and the busiest status of the crew on shift."""
    from fengqiao.field import patrol

    by_officer = {u["officer_id"]: u for u in people}
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
    out = []
    for row in patrol.car_units(station_id, now, officers):
        car = row["car"]
        crew = [by_officer[pk] for pk in row["crew_ids"] if pk in by_officer]
        lead = max(crew, key=lambda u: _BUSY[u["status"]]) if crew else None
        status = lead["status"] if lead else "on_post"
        out.append(
            {
                "kind": "car",
                "car_id": car.pk,
                "crew_ids": row["crew_ids"],
                "officer_id": row["crew_ids"][0],
                "name": car.name,
                "post": " ".join(part for part in (str(gettext_lazy("巡逻车")), car.plate) if part),
                "status": status,
                "status_label": statuses[status],
                "incident_id": lead["incident_id"] if lead else None,
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "fix_age_seconds": row["fix_age_seconds"],
            }
        )
    return out


def nearest_units(incident, *, limit: int = 5, now: dt.datetime | None = None) -> list[dict]:
    """The on-shift units with a fix, nearest the incident first (those on post before busy ones at
    equal distance); units without a fix are not ranked."""
    from fengqiao.field.services import _incident_point

    point = _incident_point(incident)
    if point is None:
        return []
    ranked = []
    for u in units(incident.station_id, now):
        if u["latitude"] is None:
            continue
        d = rules.distance_m(u["latitude"], u["longitude"], *point)
        ranked.append({**u, "distance_m": round(d, 1)})
    ranked.sort(key=lambda u: (u["status"] != "on_post", u["distance_m"]))
    return ranked[:limit]


def wall_panel(user, now) -> dict:
    """The command wall's 在班警力 panel: every officer on shift, status and the age of the last fix."""
    from django.urls import reverse

    if not can_see_units(user) or not user.station_id:
        return {"title": str(gettext_lazy("在班警力")), "count": 0, "items": []}
    rows = units(user.station_id, now)
    level = {"on_scene": "red", "dispatched": "orange", "returning": "yellow", "on_post": ""}
    items, markers = [], []
    for u in rows:
        age = u["fix_age_seconds"]
        if age is None:
            fix_text = _("无定位")
        elif age < 60:
            fix_text = _("%(s)s 秒前定位") % {"s": age}
        else:
            fix_text = _("%(m)s 分钟前定位") % {"m": age // 60}
        items.append(
            {
                "title": u["name"],
                "sub": f"{u['status_label']} · {fix_text}",
                "url": reverse("field:units"),
                "level": level[u["status"]],
                "at": None,
            }
        )
        point = map_point(u["latitude"], u["longitude"])
        if point is not None:
            markers.append(
                {
                    "p": point,
                    "kind": u["kind"],
                    "status": u["status"],
                    "colour": STATUS_COLOURS[u["status"]],
                    "title": u["name"],
                    "sub": f"{u['post']} · {u['status_label']} · {fix_text}",
                }
            )
    return {
        "title": str(gettext_lazy("在班警力")),
        "count": len(rows),
        "items": items,
        # Drawn on the wall's map (command/wall.js): units with a fix, in the tiles' coordinates.
        "markers": markers,
        "url": reverse("field:units"),
    }


# The wall map's colours per status (the same as the 在班警力 page's badges).
STATUS_COLOURS = {
    "on_post": "#27ae60",
    "dispatched": "#e67e22",
    "on_scene": "#c0392b",
    "returning": "#d4ac0d",
}
