"""Reads of the estates part that more than one caller needs, scoped by user.

`open_alarms(user)` is the part's contribution to the command room (part 8): a short list of what
needs someone now — terminals offline, registration tasks past their deadline — as plain dicts.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.estates import conf, rules
from fengqiao.estates.choices import CredentialType, DeviceStatus, TaskStatus
from fengqiao.estates.models import AccessEvent, DeviceAlarm, Estate, RegistrationTask

SEARCH_CAP = 10_000  # a search counts its matches up to this many ("10000+")


def open_alarms(user, *, now: dt.datetime | None = None, limit: int = 100) -> list[dict]:
    """What the command room shows for smart estates, newest first, each as
    {"kind": "device_offline" | "task_overdue", "level": "orange" | "red", "title": str,
     "since": datetime (UTC), "url": str, "estate": str, "community": str}.
    Scoped like every page: only the user's station (bureau users: their bureau's stations)."""
    now = now or timezone.now()
    items = []
    alarms = (
        DeviceAlarm.objects.visible_to(user).open().filter(device__status=DeviceStatus.ACTIVE)
        .select_related("device", "estate__community").order_by("-started_at")[:limit]
    )  # fmt: skip
    for alarm in alarms:
        estate = alarm.estate
        items.append({
            "kind": "device_offline", "level": "orange",
            "title": _("门禁设备离线:%(estate)s %(device)s") % {
                "estate": estate.name if estate else "", "device": alarm.device.name or alarm.device.identifier},
            "since": alarm.started_at, "url": reverse("estates:estate_detail", args=[estate.pk]) if estate else "",
            "estate": estate.name if estate else "", "community": estate.community.name if estate else "",
        })  # fmt: skip
    overdue = (
        RegistrationTask.objects.visible_to(user).open().filter(due_at__lt=now)
        .select_related("estate", "community").order_by("due_at")[:limit]
    )  # fmt: skip
    for task in overdue:
        items.append({
            "kind": "task_overdue", "level": "red",
            "title": _("核查登记超期:%(estate)s 凭证 %(subject)s") % {"estate": task.estate.name, "subject": task.subject},
            "since": task.due_at, "url": task.get_absolute_url(), "estate": task.estate.name,
            "community": task.community.name,
        })  # fmt: skip
    items.sort(key=lambda i: i["since"], reverse=True)
    return items[:limit]


def estates_with_figures(user, *, q: str = "", community: str = ""):
    """Estates the user sees, with gate/terminal/offline counts and open tasks (one query)."""
    qs = Estate.objects.visible_to(user).select_related("community")
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(community__name__icontains=q)
        )
    if str(community).isdigit():
        qs = qs.filter(community_id=int(community))
    return qs.annotate(
        gate_count=Count("gates", distinct=True),
        device_count=Count("devices", filter=Q(devices__status=DeviceStatus.ACTIVE), distinct=True),
        offline_count=Count(
            "devices",
            filter=Q(devices__status=DeviceStatus.ACTIVE, devices__offline_since__isnull=False),
            distinct=True,
        ),
        open_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN), distinct=True),
    )


def device_health(devices, *, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    minutes = conf.offline_minutes()
    return [
        {
            "device": d,
            "online": d.status == DeviceStatus.ACTIVE
            and not rules.is_offline(d.last_seen_at, now=now, minutes=minutes),
        }
        for d in devices
    ]


def today_traffic(estate: Estate, *, now: dt.datetime | None = None) -> dict:
    """Passes through the estate's gates today (Beijing time) by hour: in, out, refused."""
    now = now or timezone.now()
    start = rules.window_start(now, 1)
    hours = {"in": [0] * 24, "out": [0] * 24, "refused": [0] * 24}
    rows = AccessEvent.objects.filter(
        estate_id=estate.pk, occurred_at__gte=start, occurred_at__lte=now
    ).values_list("occurred_at", "direction", "granted")
    total = 0
    for occurred, direction, granted in rows.iterator(chunk_size=5000):
        hour = occurred.astimezone(rules.BEIJING).hour
        total += 1
        if not granted:
            hours["refused"][hour] += 1
        elif direction == "out":
            hours["out"][hour] += 1
        else:
            hours["in"][hour] += 1
    return {
        "hours": [f"{h:02d}" for h in range(24)],
        "series": [
            {"key": "in", "name": str(_("进")), "data": hours["in"]},
            {"key": "out", "name": str(_("出")), "data": hours["out"]},
            {"key": "refused", "name": str(_("拒绝")), "data": hours["refused"]},
        ],
        "total": total,
    }


def _moment(value: str, label: str, *, end: bool = False) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(
                day + dt.timedelta(days=1) if end else day, dt.time(), tzinfo=rules.BEIJING
            )
        else:
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=rules.BEIJING)
    except ValueError:
        raise ValidationError(
            _("%(label)s格式不正确(例:2026-05-01 或 2026-05-01T08:00)") % {"label": label}
        ) from None
    return moment.astimezone(dt.UTC)


def is_personal(params) -> bool:
    """A search narrowed to one person (credential number, card or registry person) needs a reason."""
    return any((params.get(k) or "").strip() for k in ("subject", "card", "person"))


def event_search(user, params):
    """The event search of the page and the API: filters estate, gate, community, from/to (date or
    datetime, Beijing), direction, type, result, subject (device person number), card, person (id).
    Newest first; the (estate, occurred_at) / (station, occurred_at) / (subject, occurred_at) /
    (person, occurred_at) indexes serve it. Raises ValidationError on a bad value."""
    qs = AccessEvent.objects.visible_to(user)
    estate = (params.get("estate") or "").strip()
    if estate:
        if not estate.isdigit():
            raise ValidationError(_("小区参数不正确"))
        qs = qs.filter(estate_id=int(estate))
    for name, field in (("gate", "gate_id"), ("person", "person_id")):
        value = (params.get(name) or "").strip()
        if value:
            if not value.isdigit():
                raise ValidationError(_("参数 %(name)s 不正确") % {"name": name})
            qs = qs.filter(**{field: int(value)})
    community = (params.get("community") or "").strip()
    if community.isdigit():
        # the community's estates as a list: the (estate, occurred_at) index serves it (a join does not)
        qs = qs.filter(
            estate_id__in=list(
                Estate.objects.filter(community_id=int(community)).values_list("pk", flat=True)
            )
        )
    start = _moment(params.get("from", ""), _("开始时间"))
    end = _moment(params.get("to", ""), _("结束时间"), end=True)
    if start and end and start >= end:
        raise ValidationError(_("开始时间须早于结束时间"))
    if start:
        qs = qs.filter(occurred_at__gte=start)
    if end:
        qs = qs.filter(occurred_at__lt=end)
    direction = params.get("direction") or ""
    if direction:
        if direction not in ("in", "out"):
            raise ValidationError(_("方向参数不正确"))
        qs = qs.filter(direction=direction)
    kind = params.get("type") or ""
    if kind:
        if kind not in CredentialType.values:
            raise ValidationError(_("通行方式参数不正确"))
        qs = qs.filter(credential_type=kind)
    result = params.get("result") or ""
    if result:
        if result not in ("granted", "refused"):
            raise ValidationError(_("结果参数不正确"))
        qs = qs.filter(granted=result == "granted")
    subject = (params.get("subject") or "").strip()
    if subject:
        qs = qs.filter(subject=subject[:40])
    card = (params.get("card") or "").strip()
    if card:
        qs = qs.filter(card_no=card[:32])
    if params.get("unregistered") == "1":
        qs = qs.filter(person__isnull=True)
    return qs.order_by("-occurred_at", "-id")


def capped_count(qs, cap: int = SEARCH_CAP) -> tuple[int, bool]:
    """(count, more): counts at most `cap` rows (a count of millions is not worth its time)."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def page_of(qs, page: int, size: int = 50) -> list:
    page = max(1, page)
    return list(
        qs.select_related("estate", "gate", "device", "person")[(page - 1) * size : page * size]
    )
