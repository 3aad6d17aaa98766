"""Read-side queries for incidents."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext

from fengqiao.accounts.choices import Role
from fengqiao.core.choices import ClockState
from fengqiao.core.workflow_models import Clock
from fengqiao.core.workqueue import WorkItem
from fengqiao.incidents.choices import (
    ARRIVAL_CLOCK_KIND,
    CallbackStatus,
    Rating,
    RectificationStatus,
)
from fengqiao.incidents.models import Callback, Incident, Rectification
from fengqiao.incidents.permissions import can_call_back
from fengqiao.incidents.rules import satisfaction_rate

CASE_REVIEW_KINDS = ("admin_intake_review", "criminal_filing_review")


def _clock_exists(kinds, **filters):
    return Exists(
        Clock.objects.filter(
            content_type=ContentType.objects.get_for_model(Incident),
            object_id=OuterRef("pk"),
            kind__in=kinds,
            **filters,
        )
    )


def unfiled_filter(now: dt.datetime):
    """有案不立: 刑事/治安 incident whose review time limit has passed and no case is linked."""
    return _clock_exists(
        CASE_REVIEW_KINDS, due_at__lte=now, state__in=[ClockState.RUNNING, ClockState.BREACHED]
    )


def unfiled_ids(now: dt.datetime):
    """Ids of the incidents whose case-review clock is due (a subquery over the few clocks, not the incidents)."""
    return Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(Incident),
        kind__in=CASE_REVIEW_KINDS,
        due_at__lte=now,
        state__in=[ClockState.RUNNING, ClockState.BREACHED],
    ).values("object_id")


def unfiled_incidents(user, now: dt.datetime):
    return (
        Incident.objects.visible_to(user)
        .filter(
            Q(category__requires_case=True) | Q(category__parent__requires_case=True),
            case_reference="",
        )
        .filter(unfiled_filter(now))
    )


def arrival_overdue_filter(now: dt.datetime):
    """到场超时: the arrival clock breached (late, or still not arrived after the target)."""
    kinds = list(ARRIVAL_CLOCK_KIND.values())
    return _clock_exists(kinds, state=ClockState.BREACHED) | _clock_exists(
        kinds, state=ClockState.RUNNING, due_at__lte=now
    )


def arrival_clock(incident):
    ct = ContentType.objects.get_for_model(Incident)
    return (
        Clock.objects.filter(
            content_type=ct, object_id=incident.pk, kind__in=list(ARRIVAL_CLOCK_KIND.values())
        )
        .order_by("-started_at")
        .first()
    )


def my_open_incidents_items(user, now):
    ct = ContentType.objects.get_for_model(Incident)
    incidents = list(
        Incident.objects.visible_to(user)
        .open()
        .filter(assignments__officer=user)
        .select_related("category")
        .distinct()
    )
    if not incidents:
        return []
    due = {}
    for clock in Clock.objects.filter(
        content_type=ct,
        object_id__in=[i.pk for i in incidents],
        state__in=[ClockState.RUNNING, ClockState.BREACHED],
        stopped_at__isnull=True,
    ):
        current = due.get(clock.object_id)
        if current is None or clock.due_at < current:
            due[clock.object_id] = clock.due_at
    items = []
    for incident in incidents:
        due_at = due.get(incident.pk)
        level = "red" if due_at is not None and due_at <= now else ""
        items.append(
            WorkItem(
                title=f"{incident.reference} {incident.category} · {incident.get_status_display()}",
                url=reverse("incidents:incident_detail", args=[incident.pk]),
                due_at=due_at,
                level=level,
                kind="incident",
                kind_label=gettext("警情"),
                object=incident,
            )
        )
    return items


# ---------------------------------------------------------------- callbacks (回访)


def callback_queue(user, now: dt.datetime, *, show: str = ""):
    """The callback queue of the user's station: pending callbacks, soonest due first.

    show: "due" (due within a day, not yet overdue), "overdue", "mine" (I took it), "" (all pending).
    """
    queryset = (
        Callback.objects.visible_to(user)
        .open()
        .select_related(
            "incident", "incident__category", "incident__category__parent", "unit", "assignee"
        )
    )
    if show == "overdue":
        queryset = queryset.filter(due_at__lte=now)
    elif show == "due":
        queryset = queryset.filter(due_at__gt=now, due_at__lte=now + dt.timedelta(days=1))
    elif show == "mine":
        queryset = queryset.filter(assignee=user)
    return queryset.order_by("due_at", "pk")


def my_callback_items(user, now):
    """Work queue: callbacks I took, and (for the callback roles) callbacks overdue or due within a day."""
    if not can_call_back(user):
        return []
    pending = Callback.objects.visible_to(user).open().select_related("incident")
    mine = list(pending.filter(assignee=user)[:20])
    soon = list(
        pending.filter(assignee__isnull=True, due_at__lte=now + dt.timedelta(days=1)).order_by(
            "due_at"
        )[:20]
    )
    items = []
    for callback in mine + soon:
        items.append(
            WorkItem(
                title=f"{callback.incident.reference} {gettext('回访')}{callback.name}",
                url=callback.get_absolute_url(),
                due_at=callback.due_at,
                level="red" if callback.due_at <= now else "yellow",
                kind="callback",
                kind_label=gettext("回访"),
                object=callback,
            )
        )
    return items


def my_rectification_items(user, now):
    """Work queue: open rectifications of my unit (unit leader) or of my station (station leaders)."""
    queryset = (
        Rectification.objects.visible_to(user)
        .filter(status=RectificationStatus.OPEN)
        .select_related("incident")
    )
    if not (user.is_superuser or user.role == Role.STATION_LEADER):
        queryset = queryset.filter(unit__leader=user)
    return [
        WorkItem(
            title=f"{r.incident.reference} {gettext('不满意整改')}",
            url=r.get_absolute_url(),
            due_at=r.due_at,
            level="red" if r.due_at <= now else "orange",
            kind="rectification",
            kind_label=gettext("整改"),
            object=r,
        )
        for r in queryset.order_by("due_at")[:20]
    ]


PERIODS = ("day", "week", "month")
GROUPS = PERIODS + ("unit", "officer")


def satisfaction_rows(user, *, group: str, start: dt.datetime, end: dt.datetime, weight: float):
    """Satisfaction by period (day/week/month of the callback) or by unit/officer, for [start, end).

    Returns dicts: key, label, satisfied, basic, unsatisfied, valid, unreachable, rate (percent or None).
    """
    from django.db.models import Count
    from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
    from django.utils import timezone

    base = Callback.objects.visible_to(user).filter(
        status__in=[CallbackStatus.DONE, CallbackStatus.UNREACHABLE],
        completed_at__gte=start,
        completed_at__lt=end,
    )
    counts = {
        "satisfied": Count("pk", filter=Q(rating=Rating.SATISFIED)),
        "basic": Count("pk", filter=Q(rating=Rating.BASIC)),
        "unsatisfied": Count("pk", filter=Q(rating=Rating.UNSATISFIED)),
        "unreachable": Count("pk", filter=Q(status=CallbackStatus.UNREACHABLE)),
    }
    tz = timezone.get_current_timezone()
    if group in PERIODS:
        trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[group](
            "completed_at", tzinfo=tz
        )
        rows = base.annotate(key=trunc).values("key").annotate(**counts).order_by("key")
        label = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m"}[group]

        def name(row):
            key = row["key"]
            return key.strftime(label) + (gettext(" 起一周") if group == "week" else "")
    elif group == "unit":
        rows = base.values("unit_id", "unit__name").annotate(**counts).order_by("unit__name")

        def name(row):
            return row["unit__name"] or gettext("(未指定单位)")
    elif group == "officer":
        rows = (
            base.values("officer_id", "officer__full_name")
            .annotate(**counts)
            .order_by("officer__full_name")
        )

        def name(row):
            return row["officer__full_name"] or gettext("(未指派)")
    else:
        raise ValueError(f"unknown group {group!r}")
    result = []
    for row in rows:
        valid = row["satisfied"] + row["basic"] + row["unsatisfied"]
        rate = satisfaction_rate(row["satisfied"], row["basic"], valid, weight)
        result.append(
            {
                "label": name(row),
                "satisfied": row["satisfied"],
                "basic": row["basic"],
                "unsatisfied": row["unsatisfied"],
                "valid": valid,
                "unreachable": row["unreachable"],
                "rate": None if rate is None else round(rate, 2),
            }
        )
    return result


def satisfaction_total(rows, weight: float) -> dict:
    total = {
        k: sum(r[k] for r in rows)
        for k in ("satisfied", "basic", "unsatisfied", "valid", "unreachable")
    }
    rate = satisfaction_rate(total["satisfied"], total["basic"], total["valid"], weight)
    total["rate"] = None if rate is None else round(rate, 2)
    return total
