"""Command-room alerts: the one door every part uses to put something on the wall.

    from fengqiao.command.alerts import alert_raise

    alert_raise(
        station_id=gate.station_id,
        kind="estate_alarm",              # AlertKind value
        source_kind="estates.gatealarm",  # "<app>.<model>" of the record behind the alert
        source_id=alarm.pk,
        title="江湾壹号 东门 门禁离线",
        body="设备 3 分钟无心跳",
        level="orange",                   # info | yellow | orange | red
        url=alarm.get_absolute_url(),
        community_id=gate.community_id,
        latitude=gate.latitude, longitude=gate.longitude,
        subject="gate_offline",           # grouping: same kind + subject + community go together
    )

Call it after your own transaction commits (`transaction.on_commit(lambda: alert_raise(...))`) so a
rolled-back write raises nothing. The same (source_kind, source_id) raises one alert ever: a repeat
only counts (`count`, `last_seen_at`) and is not announced again. A new alert is pushed within a
second or two to the command room's open walls through the notifications live push (a
`command_alert` notification to the station's 指挥室 staff and whoever is rostered on the command
post now; red ones also to the 带班所领导). An alert nobody acknowledges within
COMMAND_ALERT_ESCALATE_MINUTES is escalated once to the 带班所领导 (`alerts_escalate`, every minute).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import push
from fengqiao.accounts.choices import Role
from fengqiao.accounts.selectors import station_leaders
from fengqiao.command import rules
from fengqiao.command.choices import AlertKind, AlertLevel
from fengqiao.command.models import Alert
from fengqiao.command.permissions import can_acknowledge

log = logging.getLogger(__name__)

NOTIFICATION_KIND = "command_alert"
ESCALATION_KIND = "command_alert_escalated"


def alert_raise(
    *,
    station_id: int,
    kind: str,
    source_kind: str,
    source_id: int,
    title: str,
    body: str = "",
    level: str = AlertLevel.ORANGE,
    url: str = "",
    community_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    subject: str = "",
    at: dt.datetime | None = None,
    announce: bool = True,
    tell_leader: bool | None = None,
) -> Alert | None:
    """Open the alert of one source record, or count a repeat. Returns the new alert, None for a repeat.

    `announce=False`: no notification (the part already tells the command room itself: the wall
    reloads on that part's notification too). `tell_leader`: also notify the 带班所领导 (default: red
    alerts; False when the part already notifies the leaders, as disputes do for red)."""
    if kind not in AlertKind.values:
        raise ValueError(f"alert_raise: unknown kind {kind!r}")
    level = AlertLevel(level).value
    if not title:
        raise ValueError("alert_raise: title is required")
    if url and not (url.startswith("/") or url.startswith(("http://", "https://"))):
        raise ValueError("alert_raise: url must be a path or an http(s) address")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                station_id=station_id,
                kind=kind,
                source_kind=source_kind[:40],
                source_id=source_id,
                group_key=rules.group_key(kind, community_id=community_id, subject=subject),
                level=level,
                title=title[:200],
                body=(body or "")[:500],
                url=url[:300],
                community_id=community_id,
                latitude=latitude,
                longitude=longitude,
                first_seen_at=at,
                last_seen_at=at,
            )
    except IntegrityError:
        Alert.objects.filter(source_kind=source_kind[:40], source_id=source_id).update(
            count=F("count") + 1, last_seen_at=at
        )
        push.send(
            f"wall:{station_id}",
            "wall.repeat",
            {"source_kind": source_kind[:40], "source_id": source_id},
        )
        return None
    push.send(f"wall:{station_id}", "wall.alert", wall_payload(alert))
    if announce:
        leader = alert.level == AlertLevel.RED if tell_leader is None else tell_leader
        transaction.on_commit(lambda: announce_alert(alert, tell_leader=leader), robust=True)
    return alert


def wall_payload(alert: Alert) -> dict:
    """What the open walls get at once (push tier): enough for a toast; the wall reloads its panels."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "level": alert.level,
        "title": alert.title,
        "body": alert.body,
        "url": alert.url,
        "group_key": alert.group_key,
        "at": alert.first_seen_at.isoformat(),
    }


def _wall_people(station_id: int, tell_leader: bool):
    """The station's 指挥室 staff, whoever is on the command post now, and (`tell_leader`) the 带班所领导."""
    from fengqiao.accounts.models import User
    from fengqiao.command import roster
    from fengqiao.command.choices import Post

    people = list(User.objects.filter(station_id=station_id, role=Role.COMMAND, is_active=True))
    duty = roster.on_duty(station_id)
    people.extend(duty["posts"].get(Post.COMMAND, []))
    if tell_leader:
        people.extend(escalation_people(station_id))
    return people


def escalation_people(station_id: int) -> list:
    """The 带班所领导 of this week; with none on the roster, every 所领导 of the station."""
    from fengqiao.command import roster

    leader = roster.week_leader(station_id, timezone.localdate())
    if leader is not None and leader.is_active:
        return [leader]
    return list(station_leaders(station_id))


def announce_alert(alert: Alert, *, tell_leader: bool = False) -> None:
    from django.urls import reverse

    from fengqiao.notifications.services import notification_send

    notification_send(
        recipients=_wall_people(alert.station_id, tell_leader),
        kind=NOTIFICATION_KIND,
        title=f"【{alert.get_kind_display()}】{alert.title}",
        body=alert.body,
        level="info" if alert.level == AlertLevel.INFO else alert.level,
        url=alert.url or reverse("command:wall"),
        urgent=alert.level == AlertLevel.RED,
        obj=alert,
        dedupe_key=f"command_alert:{alert.pk}",
        thread_key=alert_thread_key(alert.pk),
    )


def alert_thread_key(alert_id: int) -> str:
    """The notifications about one alert (its announcement, its escalation) are one item per person."""
    return f"command_alert:{alert_id}"


def alert_acknowledge(*, actor, alert: Alert, note: str = "") -> Alert:
    """确认: the named person who saw it and took it on. Once; a second click says who was first."""
    if not can_acknowledge(actor, alert):
        raise PermissionDenied(_("只有本所指挥室、值班民警和所领导可以确认告警"))
    now = timezone.now()
    with transaction.atomic():
        done = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor, ack_note=(note or "").strip()[:300]
        )
        alert.refresh_from_db()
        if done != 1:
            raise ValidationError(
                _("该告警已由%(name)s于%(at)s确认")
                % {
                    "name": alert.acknowledged_by.display_name if alert.acknowledged_by else "—",
                    "at": rules.show_date(alert.acknowledged_at, now),
                }
            )
        from fengqiao.core.audit import log_bulk
        from fengqiao.core.models import ChangeAction

        log_bulk([alert], ChangeAction.UPDATE, actor=actor)
        push.send(
            f"wall:{alert.station_id}",
            "wall.ack",
            {"id": alert.pk, "by": actor.display_name, "at": now.isoformat()},
        )
    return alert


def alerts_acknowledge_group(*, actor, station_id: int, group_key: str, note: str = "") -> int:
    """Acknowledge every open alert of one group at once (e.g. ten vibration alarms of one estate)."""
    rows = list(Alert.objects.filter(station_id=station_id, group_key=group_key).unacknowledged())
    done = 0
    for alert in rows:
        try:
            alert_acknowledge(actor=actor, alert=alert, note=note)
        except ValidationError:
            continue
        done += 1
    return done


def alerts_acknowledge_ids(actor, ids: list[int]) -> tuple[int, int]:
    """Acknowledge the alerts the actor ticked on the home page (bulk 全部确认): only alerts they may
    see and acknowledge; one already acknowledged counts as done. Returns (done, refused). Each is
    recorded by `alert_acknowledge`; the actor's notifications about them are marked read."""
    from fengqiao.notifications.models import Notification

    visible = {a.pk: a for a in Alert.objects.visible_to(actor).filter(pk__in=ids)}
    done = refused = 0
    for pk in ids:
        alert = visible.get(pk)
        if alert is None or not can_acknowledge(actor, alert):
            refused += 1
            continue
        if alert.acknowledged_at is None:
            try:
                alert_acknowledge(actor=actor, alert=alert, note=_("首页批量确认"))
            except ValidationError:
                pass  # someone was first: it is acknowledged all the same
        done += 1
        Notification.objects.for_user(actor).unread().filter(
            thread_key=alert_thread_key(pk)
        ).update(read_at=timezone.now())
    return done, refused


def alerts_escalate(*, now: dt.datetime | None = None) -> int:
    """Every alert unacknowledged for COMMAND_ALERT_ESCALATE_MINUTES goes to the 带班所领导, once
    (claimed with a conditional UPDATE: two workers never both send it)."""
    from django.urls import reverse

    from fengqiao.notifications.services import notification_send

    now = now or timezone.now()
    minutes = settings.COMMAND_ALERT_ESCALATE_MINUTES
    cutoff = now - dt.timedelta(minutes=minutes)
    due = list(
        Alert.objects.filter(
            acknowledged_at__isnull=True, escalated_at__isnull=True, first_seen_at__lte=cutoff
        )
        .exclude(level=AlertLevel.INFO)
        .order_by("first_seen_at")
        .values_list("pk", flat=True)[:500]
    )
    fired = 0
    for pk in due:
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now)
            if claimed != 1:
                continue
            alert = Alert.objects.get(pk=pk)
            people = escalation_people(alert.station_id)
            alert.escalated_to = [p.pk for p in people]
            Alert.objects.filter(pk=pk).update(escalated_to=alert.escalated_to)
            from fengqiao.core.audit import log_bulk
            from fengqiao.core.models import ChangeAction

            log_bulk([alert], ChangeAction.UPDATE, source="job")
            notification_send(
                recipients=people,
                kind=ESCALATION_KIND,
                level="red",
                urgent=True,
                title=_("【告警未确认 %(n)d 分钟】%(title)s")
                % {"n": minutes, "title": alert.title},
                body=alert.body,
                url=reverse("command:alert_list") + f"?id={alert.pk}",
                obj=alert,
                dedupe_key=f"command_escalated:{alert.pk}",
                # A reminder about the alert, not a new item: it updates the announcement's row.
                thread_key=alert_thread_key(alert.pk),
            )
            fired += 1
    if fired:
        log.info("command alerts escalated: %s", fired)
    return fired
