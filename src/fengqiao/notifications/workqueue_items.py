"""The notifications part's work-queue provider: unread notifications that need action."""

from django.utils.translation import gettext as _

from fengqiao.core import workqueue
from fengqiao.notifications.choices import Level
from fengqiao.notifications.models import Notification

KIND = "notification"


def unread_needing_action(user, now):
    from django.urls import reverse

    rows = (
        Notification.objects.for_user(user)
        .unread()
        .filter(level__in=[Level.YELLOW, Level.ORANGE, Level.RED])
        .only(
            "id",
            "kind",
            "title",
            "url",
            "level",
            "created_at",
            "updated_at",
            "content_type_id",
            "object_id",
            "repeats",
        )[:200]
    )
    return [
        workqueue.WorkItem(
            title=n.title,
            url=reverse("notifications:open", args=[n.pk]),
            due_at=n.updated_at or n.created_at,
            level=n.level,
            kind=KIND,
            kind_label=_("未读通知"),
            object=n,
        )
        for n in rows
    ]


workqueue.register(KIND, unread_needing_action)
