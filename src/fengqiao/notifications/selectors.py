from fengqiao.notifications.models import Notification
from fengqiao.push.models import PushEvent


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def bell_context(user) -> dict:
    """Unread count for the header bell, and the newest id (where the page's live stream starts)."""
    return {
        "notify_unread": unread_count(user),
        "notify_last_id": Notification.objects.for_user(user)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0,
        # Where this page's push stream starts (push.js), so nothing sent while it loads is missed.
        "push_last_id": PushEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0,
    }
