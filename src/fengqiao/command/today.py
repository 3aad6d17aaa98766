"""The home page: what needs this person today, by role — not every open item of the station.

`sections_for(user, now)` gives
- "tiles": a few station figures for the role, each a link (a leader: red disputes, alerts nobody
  acknowledged, escalated alerts, overdue clocks, red lines, approvals waiting; a duty officer: open
  and unassigned incidents, the handover with the next shift's people; the command room: alerts,
  patrol points due, fraud warnings near their deadline; everyone on a shift sees it);
- "today": the person's own work-queue items due by the end of today (or overdue, or undated),
  "later": how many are due after today and "later_items", those items (folded on the page).
Registered work-queue providers: swaps waiting for the 带班所领导, escalated alerts for leaders.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import LEADER_ROLES
from fengqiao.command import rules
from fengqiao.core import workqueue

# Decisions someone waits for are today's work whatever their due time (an extension, a swap).
DECISIONS = frozenset({"clock_extension", "command_swap"})


def _end_of_today(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(rules.TZ).date() + dt.timedelta(days=1)
    return dt.datetime.combine(local, dt.time.min, tzinfo=rules.TZ)


def swaps_to_decide(user, now):
    from fengqiao.command.choices import SwapStatus
    from fengqiao.command.models import SwapRequest
    from fengqiao.command.permissions import can_decide_swap

    if not user.is_authenticated or user.role not in LEADER_ROLES:
        return []
    rows = (
        SwapRequest.objects.visible_to(user)
        .filter(status=SwapStatus.PENDING)
        .select_related("assignment__shift", "assignment__user", "replacement")
        .order_by("assignment__day")[:30]
    )
    items = []
    for swap in rows:
        if not can_decide_swap(user, swap):
            continue
        a = swap.assignment
        start, _end = rules.shift_window(a.day, a.shift.starts, a.shift.ends)
        items.append(
            workqueue.WorkItem(
                title=_("调班:%(who)s %(day)s %(shift)s → %(to)s")
                % {
                    "who": a.user.display_name,
                    "day": rules.show_date(a.day, now),
                    "shift": a.shift.name,
                    "to": swap.replacement.display_name,
                },
                url=reverse("command:roster") + f"?week={rules.week_start(a.day)}#swaps",
                due_at=start,
                level="orange",
                kind="command_swap",
                kind_label=_("调班审批"),
                object=swap,
            )
        )
    return items


def escalated_alerts(user, now):
    from fengqiao.command.models import Alert

    if not user.is_authenticated or user.role not in LEADER_ROLES:
        return []
    rows = (
        Alert.objects.visible_to(user)
        .unacknowledged()
        .filter(escalated_at__isnull=False, last_seen_at__gte=now - dt.timedelta(days=2))
        .order_by("-escalated_at")[:20]
    )
    return [
        workqueue.WorkItem(
            title=_("未确认告警:%(t)s") % {"t": a.title},
            url=reverse("command:alert_list") + f"?id={a.pk}",
            due_at=a.escalated_at,
            level="red",
            kind="command_alert",
            kind_label=_("告警升级"),
            object=a,
        )
        for a in rows
    ]


def register() -> None:
    workqueue.register("command_swap", swaps_to_decide)
    workqueue.register("command_alert", escalated_alerts)


def _tile(label, value, url, level="") -> dict:
    return {"label": label, "value": value, "url": url, "level": level if value else ""}


def tiles_for(user, now) -> list[dict]:
    from fengqiao.command import selectors
    from fengqiao.command.models import Alert

    role = user.role
    if not user.station_id and role != Role.BUREAU:
        return []
    tiles = []
    leader = user.is_superuser or role in LEADER_ROLES
    desk = role in (Role.DUTY_OFFICER, Role.COMMAND)
    if leader or desk:
        alerts = (
            Alert.objects.visible_to(user)
            .unacknowledged()
            .filter(last_seen_at__gte=now - dt.timedelta(hours=24))
        )
        tiles.append(
            _tile(_("未确认告警"), alerts.count(), reverse("command:alert_list"), "orange")
        )
    if leader:
        from fengqiao.cases.selectors import red_line_counts
        from fengqiao.disputes.models import Dispute
        from fengqiao.disputes.selectors import OPEN_STATUSES

        red = Dispute.objects.visible_to(user).filter(level="red", status__in=OPEN_STATUSES).count()
        tiles.append(_tile(_("红色纠纷"), red, reverse("disputes:red_board"), "red"))
        escalated = (
            Alert.objects.visible_to(user)
            .unacknowledged()
            .filter(escalated_at__isnull=False)
            .count()
        )
        tiles.append(
            _tile(
                _("已升级未确认"),
                escalated,
                reverse("command:alert_list") + "?show=escalated",
                "red",
            )
        )
        overdue = selectors.overdue_counts(user, now)
        tiles.append(_tile(_("超期时限"), overdue["count"], reverse("command:supervision"), "red"))
        lines = red_line_counts(user)
        tiles.append(
            _tile(_("三条红线"), sum(lines.values()), reverse("command:supervision"), "red")
        )
    if role == Role.CASE_MANAGER:
        from fengqiao.cases.selectors import red_line_counts

        lines = red_line_counts(user)
        tiles.append(_tile(_("三条红线"), sum(lines.values()), reverse("cases:room"), "red"))
        overdue = selectors.overdue_counts(user, now)
        tiles.append(_tile(_("超期时限"), overdue["count"], reverse("command:supervision"), "red"))
        tiles.append(
            _tile(_("24小时内到期"), overdue["due_24h"], reverse("command:supervision"), "orange")
        )
    if role == Role.COMMUNITY_OFFICER:
        from fengqiao.core.scoping import editable_community_ids
        from fengqiao.disputes.models import Dispute
        from fengqiao.disputes.selectors import OPEN_STATUSES

        mine = Dispute.objects.visible_to(user).filter(
            level="red", status__in=OPEN_STATUSES, community_id__in=editable_community_ids(user)
        )
        tiles.append(_tile(_("本社区红色纠纷"), mine.count(), reverse("disputes:red_board"), "red"))
    if desk or leader:
        tiles.append(
            _tile(
                _("未结警情"),
                selectors.incidents_count(user),
                reverse("incidents:handover"),
                "orange",
            )
        )
    if role == Role.COMMAND or leader:
        fraud = selectors.fraud_count(user, now)
        tiles.append(_tile(_("反诈临期"), fraud, reverse("antifraud:warning_list"), "red"))
    if role in (Role.COMMAND, Role.AUXILIARY, Role.DUTY_OFFICER):
        due = selectors.patrol_due(user, now)
        tiles.append(_tile(_("待巡查点位"), len(due), reverse("command:patrol"), "yellow"))
    if desk or leader:
        alarms = selectors.vehicle_alarm_counts(user, now)
        if alarms["older"]:
            tiles.append(
                _tile(
                    _("较早的未处理车辆告警"),
                    alarms["older"],
                    reverse("vehicles:alarm_list"),
                    "",
                )
            )
    return tiles


def sections_for(user, now: dt.datetime) -> dict:
    items = workqueue.items_for(user, now, limit=400)
    end = _end_of_today(now)
    today = [i for i in items if i.due_at is None or i.due_at < end or i.kind in DECISIONS]
    later = len(items) - len(today)
    return {
        "tiles": tiles_for(user, now),
        "today": today[:80],
        "later": later,
        "later_items": [i for i in items if i not in today][:80],
        "hidden": max(0, len(today) - 80),
    }
