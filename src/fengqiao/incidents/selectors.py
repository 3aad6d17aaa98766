"""Read-side queries for incidents."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext

from fengqiao.core.choices import ClockState
from fengqiao.core.workflow_models import Clock
from fengqiao.incidents.choices import ARRIVAL_CLOCK_KIND
from fengqiao.incidents.models import Incident

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
    return _clock_exists(CASE_REVIEW_KINDS, due_at__lte=now, state__in=[ClockState.RUNNING, ClockState.BREACHED])


def unfiled_incidents(user, now: dt.datetime):
    return (
        Incident.objects.visible_to(user)
        .filter(Q(category__requires_case=True) | Q(category__parent__requires_case=True), case_reference="")
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
        Clock.objects.filter(content_type=ct, object_id=incident.pk, kind__in=list(ARRIVAL_CLOCK_KIND.values()))
        .order_by("-started_at")
        .first()
    )


def my_open_incidents_items(user, now):
    from fengqiao.core.workqueue import WorkItem

    ct = ContentType.objects.get_for_model(Incident)
    incidents = list(
        Incident.objects.visible_to(user).open().filter(assignments__officer=user).select_related("category").distinct()
    )
    if not incidents:
        return []
    due = {}
    for clock in Clock.objects.filter(
        content_type=ct, object_id__in=[i.pk for i in incidents], state__in=[ClockState.RUNNING, ClockState.BREACHED],
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
