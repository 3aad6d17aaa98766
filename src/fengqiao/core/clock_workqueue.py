"""Clocks in "my work queue": my open time limits, and extension requests waiting for my decision."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from fengqiao.core import workqueue
from fengqiao.core.choices import ClockState, ExtensionDecision


def my_clocks(user, now):
    from fengqiao.core.workflow_models import Clock

    clocks = (
        Clock.objects.visible_to(user)
        .filter(assignee=user)
        .filter(
            Q(state__in=[ClockState.RUNNING, ClockState.PAUSED])
            | Q(state=ClockState.BREACHED, stopped_at__isnull=True)
        )
        .select_related("rule")
        .order_by("due_at")[:50]
    )
    for clock in clocks:
        yield workqueue.WorkItem(
            title=clock.title or clock.rule.name,
            url=clock.get_absolute_url(),
            due_at=clock.due_at,
            level=clock.colour,
            kind="clock",
            kind_label=clock.rule.name,
            object=clock,
        )


def extensions_to_decide(user, now):
    from fengqiao.core.permissions import can_approve
    from fengqiao.core.workflow_models import Clock, ClockExtension

    pending = (
        ClockExtension.objects.filter(
            decision=ExtensionDecision.PENDING, clock__in=Clock.objects.visible_to(user)
        )
        .select_related("clock__rule", "clock__station")
        .order_by("clock__due_at")[:50]
    )
    for extension in pending:
        if can_approve(user, extension):
            clock = extension.clock
            yield workqueue.WorkItem(
                title=f"{extension.label}:{clock.title or clock.rule.name}",
                url=clock.get_absolute_url(),
                due_at=clock.due_at,
                level="orange",
                kind="clock_extension",
                kind_label=_("延长审批"),
                object=extension,
            )


def register() -> None:
    workqueue.register("clock", lambda user, now: list(my_clocks(user, now)))
    workqueue.register("clock_extension", lambda user, now: list(extensions_to_decide(user, now)))
