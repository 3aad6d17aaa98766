"""Reads: the filtered list and the work-queue provider."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core.workqueue import WorkItem
from fengqiao.disputes.choices import FIRST_SESSION_CLOCK, Level, Status
from fengqiao.disputes.models import Dispute

OPEN_STATUSES = [
    Status.REGISTERED,
    Status.MEDIATING,
    Status.FAILED,
    Status.AGREED,
    Status.PERFORMING,
]


def my_disputes_needing_action(user, now: dt.datetime) -> list[WorkItem]:
    """My disputes needing action: red without a 一案一策 plan (due now), orange/red whose first
    session is due (the clock's due time), and open 一案一策 measures I am responsible for (due at the end
    of their due date, Asia/Shanghai). Soonest first (the queue sorts)."""
    from fengqiao.core.services import clocks_for

    items: list[WorkItem] = []
    mine = Dispute.objects.visible_to(user).filter(owner=user, status__in=OPEN_STATUSES)
    for d in mine.filter(level=Level.RED, plan__isnull=True):
        items.append(
            WorkItem(
                title=f"{d.reference} " + _("未制定一案一策"),
                url=d.get_absolute_url(),
                due_at=d.registered_at,
                level="red",
                kind="dispute",
                kind_label=_("矛盾纠纷"),
                object=d,
            )
        )
    for d in mine.filter(Q(level=Level.ORANGE) | Q(level=Level.RED)):
        clock = clocks_for(d).filter(kind=FIRST_SESSION_CLOCK, stopped_at__isnull=True).first()
        if clock is not None:
            items.append(
                WorkItem(
                    title=f"{d.reference} " + _("首次调解到期"),
                    url=d.get_absolute_url(),
                    due_at=clock.due_at,
                    level=d.level,
                    kind="dispute",
                    kind_label=_("矛盾纠纷"),
                    object=d,
                )
            )
    from fengqiao.disputes.models import StabilisationMeasure

    measures = StabilisationMeasure.objects.filter(
        responsible=user,
        done_at__isnull=True,
        plan__dispute__in=Dispute.objects.visible_to(user),
        plan__dispute__status__in=OPEN_STATUSES,
    ).select_related("plan__dispute")
    for m in measures:
        d = m.plan.dispute
        due = timezone.make_aware(dt.datetime.combine(m.due_date, dt.time(23, 59, 59)))
        items.append(
            WorkItem(
                title=f"{d.reference} " + _("稳控措施") + f":{m.what}",
                url=d.get_absolute_url(),
                due_at=due,
                level="red",
                kind="dispute",
                kind_label=_("矛盾纠纷"),
                object=m,
            )
        )
    return items
