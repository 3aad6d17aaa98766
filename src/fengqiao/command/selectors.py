"""Reads of the command room: the wall's data (one JSON document, a few indexed queries), the
law-enforcement supervision panel, the patrol points due. Everything is scoped by `visible_to(user)`.

The wall shows what is actionable now, never the whole history: open alerts of the last
COMMAND_WALL_HOURS (older open ones are counted, with a link to the list), open incidents, open red
disputes, fraud warnings near their contact deadline, overdue clocks, vehicle alarms of the last
COMMAND_WALL_HOURS (older open ones counted) and patrol points due.

Other parts may add a panel (part 7's estate alarms, for instance):

    from fengqiao.command import selectors
    selectors.register_panel("estates", lambda user, now: {"title": "小区告警", "count": 3, "items": [...]})

A panel provider returns {"title", "count", "items": [{"title", "sub", "url", "level", "at"}]}, scoped
to the user; a failing provider is logged and left out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from fengqiao.command import rules
from fengqiao.command.choices import LEVEL_RANK
from fengqiao.command.models import Alert, LeaderWeek, PatrolPoint
from fengqiao.core.geo import map_point

log = logging.getLogger(__name__)
LIST = 12  # items per panel on the wall
_panels: dict[str, Callable] = {}


def week_leader(station_id: int, day: dt.date):
    """The 带班所领导 of the week holding `day`, or None (the roster, the alerts and the swap check read it)."""
    row = (
        LeaderWeek.objects.filter(station_id=station_id, week_start=rules.week_start(day))
        .select_related("leader")
        .first()
    )
    return row.leader if row else None


def register_panel(key: str, provider: Callable) -> None:
    _panels[key] = provider


def _item(title, sub, url, level, at, now, **extra) -> dict:
    return {
        "title": title,
        "sub": sub,
        "url": url,
        "level": level,
        "at": at.isoformat() if at else None,
        "at_text": rules.show_date(at, now),
        **extra,
    }


# ----------------------------------------------------------------------------- alerts


def alert_groups(user, now: dt.datetime, *, hours: int | None = None) -> dict:
    """Open alerts of the last `hours`, grouped by group_key (newest group first, red groups first)."""
    hours = hours or settings.COMMAND_WALL_HOURS
    since = now - dt.timedelta(hours=hours)
    base = Alert.objects.visible_to(user).unacknowledged()
    rows = list(
        base.filter(last_seen_at__gte=since)
        .select_related("community")
        .order_by("-last_seen_at", "-pk")[:300]
    )
    older = base.filter(last_seen_at__lt=since).count()
    groups: dict[str, dict] = {}
    for a in rows:
        g = groups.get(a.group_key)
        if g is None:
            g = groups[a.group_key] = {
                "key": a.group_key,
                "kind": a.kind,
                "kind_label": str(a.get_kind_display()),
                "level": a.level,
                "community": a.community.name if a.community else "",
                "count": 0,
                "alerts": [],
            }
        g["count"] += 1
        if LEVEL_RANK[a.level] > LEVEL_RANK[g["level"]]:
            g["level"] = a.level
        if len(g["alerts"]) < 5:
            g["alerts"].append(
                {
                    "id": a.pk,
                    "title": a.title,
                    "body": a.body,
                    "url": a.url,
                    "level": a.level,
                    "repeats": a.count,
                    "first_seen": a.first_seen_at.isoformat(),
                    "at_text": rules.show_date(a.last_seen_at, now),
                    "escalated": a.escalated_at is not None,
                    "p": map_point(a.latitude, a.longitude),
                }
            )
    ordered = sorted(groups.values(), key=lambda g: -LEVEL_RANK[g["level"]])
    return {
        "groups": ordered,
        "open": len(rows),
        "older_open": older,
        "newest_id": max((a.pk for a in rows), default=0),
    }


# ----------------------------------------------------------------------------- the parts' panels


def incidents_open(user):
    from fengqiao.incidents.models import Incident

    return Incident.objects.visible_to(user).open()


def incidents_count(user) -> int:
    """How many incidents are open (the home page's tile: a count on the open-incidents index)."""
    return incidents_open(user).count()


def incidents_panel(user, now):
    rows = incidents_open(user)
    count = rows.count()
    items = [
        _item(
            f"{i.reference} {i.category}",
            f"{i.get_status_display()} · {i.location}",
            i.get_absolute_url(),
            "red" if i.urgency != "normal" else "orange",
            i.received_at,
            now,
            p=map_point(
                *(
                    (i.address.latitude, i.address.longitude)
                    if i.address_id and i.address.latitude is not None
                    else (i.community.latitude, i.community.longitude)
                    if i.community_id
                    else (None, None)
                )
            ),
        )
        for i in rows.select_related("category__parent", "address", "community").order_by(
            "-received_at"
        )[:LIST]
    ]
    return {"count": count, "items": items, "url": reverse("incidents:handover")}


def disputes_panel(user, now):
    from fengqiao.disputes.models import Dispute
    from fengqiao.disputes.selectors import OPEN_STATUSES

    rows = Dispute.objects.visible_to(user).filter(level="red", status__in=OPEN_STATUSES)
    count = rows.count()
    items = [
        _item(
            f"{d.reference} {d.dispute_type}",
            f"{d.community.name if d.community_id else ''} · {d.get_status_display()}",
            d.get_absolute_url(),
            "red",
            d.registered_at,
            now,
            p=map_point(d.community.latitude, d.community.longitude) if d.community_id else None,
        )
        for d in rows.select_related("dispute_type", "community").order_by("-registered_at")[:LIST]
    ]
    return {"count": count, "items": items, "url": reverse("disputes:red_board")}


def fraud_due(user, now):
    from fengqiao.antifraud.choices import OPEN_STATUSES
    from fengqiao.antifraud.models import Warning

    horizon = now + dt.timedelta(minutes=settings.COMMAND_FRAUD_DUE_MINUTES)
    return Warning.objects.visible_to(user).filter(
        status__in=OPEN_STATUSES, first_contact_at__isnull=True, contact_due_at__lte=horizon
    )


def fraud_count(user, now) -> int:
    return fraud_due(user, now).count()


def fraud_panel(user, now):
    rows = fraud_due(user, now)
    count = rows.count()
    items = []
    for w in rows.select_related("officer", "fraud_type").order_by("contact_due_at")[:LIST]:
        minutes = int((w.contact_due_at - now).total_seconds() // 60)
        items.append(
            _item(
                f"{w.reference} {w.get_risk_level_display()}风险 {w.fraud_type}",
                f"{w.officer.display_name if w.officer else '未指派'} · "
                + (f"剩 {minutes} 分钟" if minutes >= 0 else f"已超 {-minutes} 分钟"),
                w.get_absolute_url(),
                "red" if minutes < 0 else "orange",
                w.contact_due_at,
                now,
                due=w.contact_due_at.isoformat(),
            )
        )
    return {"count": count, "items": items, "url": reverse("antifraud:warning_list")}


def overdue_counts(user, now) -> dict:
    """{"count": overdue clocks, "due_24h": clocks due within 24 hours} in one query."""
    from fengqiao.core.choices import ClockState
    from fengqiao.core.workflow_models import Clock

    overdue = Q(state=ClockState.BREACHED, stopped_at__isnull=True)
    soon = Q(state=ClockState.RUNNING, due_at__gt=now, due_at__lte=now + dt.timedelta(hours=24))
    figures = (
        Clock.objects.visible_to(user)
        .filter(overdue | soon)
        .aggregate(count=Count("id", filter=overdue), due_24h=Count("id", filter=soon))
    )
    return {"count": figures["count"] or 0, "due_24h": figures["due_24h"] or 0}


def overdue_panel(user, now):
    from fengqiao.core.choices import ClockState
    from fengqiao.core.workflow_models import Clock

    rows = Clock.objects.visible_to(user).filter(state=ClockState.BREACHED, stopped_at__isnull=True)
    figures = overdue_counts(user, now)
    count, soon = figures["count"], figures["due_24h"]
    items = [
        _item(
            c.title or c.rule.name,
            f"{c.rule.name} · {c.assignee.display_name if c.assignee else '未指定'}",
            c.get_absolute_url(),
            "red",
            c.due_at,
            now,
        )
        for c in rows.select_related("rule", "assignee").order_by("-due_at")[:LIST]
    ]
    return {"count": count, "due_24h": soon, "items": items, "url": reverse("command:supervision")}


def vehicle_alarm_counts(user, now) -> dict:
    """{"recent": open vehicle alarms of the wall's hours, "older": older open ones}."""
    from fengqiao.vehicles.models import STATION_ROLES, Alarm

    if not (user.is_superuser or user.role in STATION_ROLES or user.role == "bureau"):
        return {"recent": 0, "older": 0}
    since = now - dt.timedelta(hours=settings.COMMAND_WALL_HOURS)
    return (
        Alarm.objects.visible_to(user)
        .filter(status="open")
        .aggregate(
            recent=Count("id", filter=Q(at__gte=since)), older=Count("id", filter=Q(at__lt=since))
        )
    )


def vehicle_alarms_panel(user, now):
    from fengqiao.vehicles.models import STATION_ROLES, Alarm

    if not (user.is_superuser or user.role in STATION_ROLES or user.role == "bureau"):
        return {"count": 0, "older_open": 0, "items": [], "url": ""}
    since = now - dt.timedelta(hours=settings.COMMAND_WALL_HOURS)
    base = Alarm.objects.visible_to(user).filter(status="open")
    figures = vehicle_alarm_counts(user, now)
    items = [
        _item(
            f"{a.vehicle.plate} {a.get_kind_display()}",
            a.community.name if a.community_id else "",
            a.get_absolute_url(),
            "red" if a.kind in ("movement_while_armed", "fence_exit", "power_cut") else "yellow",
            a.at,
            now,
            p=map_point(a.latitude, a.longitude),
        )
        for a in base.filter(at__gte=since)
        .select_related("vehicle", "community")
        .order_by("-at")[:LIST]
    ]
    return {
        "count": figures["recent"],
        "older_open": figures["older"],
        "items": items,
        "url": reverse("vehicles:alarm_list"),
    }


def patrol_due(user, now) -> list[PatrolPoint]:
    points = (
        PatrolPoint.objects.visible_to(user)
        .filter(active=True, is_key=True)
        .order_by("sort", "name")
    )
    return [p for p in points if rules.patrol_overdue(p.last_checked_at, p.interval_minutes, now)]


def patrol_panel(user, now):
    due = patrol_due(user, now)
    items = [
        _item(
            p.name,
            ("上次 " + rules.show_date(p.last_checked_at, now))
            if p.last_checked_at
            else "今日未巡查",
            reverse("command:patrol"),
            "yellow",
            p.last_checked_at,
            now,
        )
        for p in due[:LIST]
    ]
    return {"count": len(due), "items": items, "url": reverse("command:patrol")}


def supervision(user, now) -> dict:
    """执法监督: the case room's red lines (open flags by kind, newest first) and overdue clocks."""
    from fengqiao.cases.selectors import open_flags, red_line_counts

    flags = [
        _item(
            f"{f.get_kind_display()}:{f.case or f.incident or ''}",
            f.reason,
            (
                f.case.get_absolute_url()
                if f.case_id
                else f.incident.get_absolute_url()
                if f.incident_id
                else ""
            ),
            "red",
            f.raised_at,
            now,
            kind=f.kind,
        )
        for f in open_flags(user).order_by("-raised_at")[:LIST]
    ]
    return {
        "red_lines": red_line_counts(user),
        "flags": flags,
        "overdue": overdue_panel(user, now),
    }


def estates_panel(user, now):
    """Part 7: terminals offline and overdue 核查登记 tasks (estates.selectors.open_alarms, scoped)."""
    from fengqiao.estates.selectors import open_alarms

    alarms = open_alarms(user, now=now, limit=500)
    items = [
        _item(a["title"], a["community"], a["url"], a["level"], a["since"], now, kind=a["kind"])
        for a in alarms[:LIST]
    ]
    return {"count": len(alarms), "items": items, "url": reverse("estates:estate_list")}


PANELS = {
    "incidents": incidents_panel,
    "disputes": disputes_panel,
    "fraud": fraud_panel,
    "overdue": overdue_panel,
    "vehicle_alarms": vehicle_alarms_panel,
    "patrol": patrol_panel,
    "estates": estates_panel,
}


def wall_data(user, now: dt.datetime | None = None) -> dict:
    from fengqiao.command import roster

    now = now or timezone.now()
    data = {"at": now.isoformat(), "alerts": alert_groups(user, now)}
    for key, provider in list(PANELS.items()) + list(_panels.items()):
        try:
            data[key] = provider(user, now)
        except Exception:
            log.exception("command wall panel %r failed", key)
            data[key] = {"count": 0, "items": [], "error": True}
    # The parts' own panels, in the order they registered: the wall draws each with its title.
    data["extra_panels"] = [key for key in _panels if key not in PANELS]
    try:
        from fengqiao.cases.selectors import red_line_counts

        data["red_lines"] = red_line_counts(user)
    except Exception:  # pragma: no cover
        log.exception("command wall: red lines failed")
        data["red_lines"] = {}
    data["on_duty"] = roster.header_duty(user.station_id, now) if user.station_id else None
    return data
