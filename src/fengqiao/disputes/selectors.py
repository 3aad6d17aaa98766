"""Reads: the filtered list and the work-queue provider."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from fengqiao.core.workqueue import WorkItem
from fengqiao.disputes.choices import FIRST_SESSION_CLOCK, Level, Status
from fengqiao.disputes.models import Dispute

OPEN_STATUSES = [Status.REGISTERED, Status.MEDIATING, Status.FAILED, Status.AGREED, Status.PERFORMING]


def my_disputes_needing_action(user, now: dt.datetime) -> list[WorkItem]:
    """My disputes needing action: red without a 一案一策 plan (due now), orange/red whose first
    session is due (the clock's due time). Soonest first (the queue sorts)."""
    from fengqiao.core.services import clocks_for

    items: list[WorkItem] = []
    mine = Dispute.objects.visible_to(user).filter(owner=user, status__in=OPEN_STATUSES)
    for d in mine.filter(level=Level.RED, plan__isnull=True):
        items.append(WorkItem(title=f"{d.reference} " + _("未制定一案一策"), url=d.get_absolute_url(),
                              due_at=d.registered_at, level="red", kind="dispute", kind_label=_("矛盾纠纷"),
                              object=d))
    for d in mine.filter(Q(level=Level.ORANGE) | Q(level=Level.RED)):
        clock = clocks_for(d).filter(kind=FIRST_SESSION_CLOCK, stopped_at__isnull=True).first()
        if clock is not None:
            items.append(WorkItem(title=f"{d.reference} " + _("首次调解到期"), url=d.get_absolute_url(),
                                  due_at=clock.due_at, level=d.level, kind="dispute",
                                  kind_label=_("矛盾纠纷"), object=d))
    return items
