"""Every write of notifications: send, read, quiet hours, and each outbound delivery attempt.

`notification_send` is the one door the rest of the platform uses (the clock sweeper, disputes,
anti-fraud...). It writes the inbox rows at once; the outside channels (email, webhook, SMS) are
queued as `Delivery` rows and sent by Huey after the transaction commits, held through the
recipient's quiet hours unless the notification is red or urgent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import push
from fengqiao.notifications import channels, rules
from fengqiao.notifications.choices import LEVEL_RANK, DeliveryState, Level, Outcome
from fengqiao.notifications.models import Delivery, DeliveryAttempt, Notification

log = logging.getLogger(__name__)

# A pending delivery whose task has not run this long after it was due is picked up by the periodic job.
LOST_TASK_GRACE = dt.timedelta(seconds=90)
# A delivery claimed this long ago whose worker never finished (crash) is tried again.
STALE_CLAIM = dt.timedelta(minutes=10)


def notification_send(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    level: str = "info",
    url: str = "",
    obj=None,
    urgent: bool = False,
    dedupe_key: str = "",
    thread_key: str = "",
) -> list[Notification]:
    """Put a notification in each recipient's inbox and queue it on the outside channels.

    level: info | yellow | orange | red. urgent=True (fraud warnings) and red go out at once even
    in quiet hours. A repeat with the same (recipient, dedupe_key) is a no-op. Returns the rows
    created by this call.

    `thread_key` names the thing the notification is about ("command_alert:42"): a recipient who
    already has a notification with that key gets no new row — a reminder is not a new item. Their
    row takes the new title, body and the higher level, `repeats` goes up by one and the bell count
    stays as it was; a row already read becomes unread again only when the level rose (an
    escalation from orange to red is news; the same reminder again is not). Such a reminder is not
    sent again on the outside channels (the first notification was).
    """
    level = Level(level).value  # ValueError on an unknown level
    if not title:
        raise ValueError("notification_send: title is required")
    content_type = ContentType.objects.get_for_model(obj.__class__) if obj is not None else None
    object_id = obj.pk if obj is not None else None
    if not url and obj is not None and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
    now = timezone.now()
    people = {}
    for user in recipients:
        if user is not None and user.is_active:
            people.setdefault(user.pk, user)
    # No savepoint of its own: inside a caller's transaction (the sweeper's), an error is the caller's.
    with transaction.atomic(savepoint=False):
        if dedupe_key and people:
            already = Notification.objects.filter(
                recipient_id__in=list(people), dedupe_key=dedupe_key
            )
            for pk in already.values_list("recipient_id", flat=True):
                people.pop(pk, None)
        if thread_key and people:
            _remind(people, thread_key[:200], title, body, level, url, now)
        rows = [
            Notification(
                recipient=user,
                kind=kind[:50],
                level=level,
                urgent=urgent,
                title=title[:200],
                body=body,
                url=url[:500],
                content_type=content_type,
                object_id=object_id,
                dedupe_key=dedupe_key[:200],
                thread_key=thread_key[:200],
                created_at=now,
            )
            for user in people.values()
        ]
        created = _insert(rows, dedupe=bool(dedupe_key))
        deliveries = _queue_deliveries(created, now)
    _push(created)
    due_now = [d.pk for d in deliveries if d.state == DeliveryState.PENDING]
    if due_now:
        # robust: a queue that is down must not fail the sender; the periodic job picks these up.
        transaction.on_commit(lambda: _enqueue(due_now), robust=True)
    return created


def _remind(people: dict, thread_key: str, title, body, level, url, now) -> None:
    """Update each recipient's existing row of this thread in place (and take them out of `people`)."""
    rank = LEVEL_RANK[Level(level)]
    existing = {}
    for n in (
        Notification.objects.filter(recipient_id__in=list(people), thread_key=thread_key)
        .order_by("recipient_id", "-id")
        .only("id", "recipient_id", "level", "read_at", "title", "body", "url", "repeats")
    ):
        existing.setdefault(n.recipient_id, n)
    for recipient_id, n in existing.items():
        people.pop(recipient_id, None)
        rose = rank > LEVEL_RANK[Level(n.level)]
        n.title, n.body = title[:200], body or n.body
        n.url = url[:500] or n.url
        n.level = level if rose else n.level
        n.repeats += 1
        n.updated_at = now
        if rose:
            n.read_at = None
        n.save(update_fields=["title", "body", "url", "level", "repeats", "updated_at", "read_at"])
        # Open tabs refresh the row; the bell's count is left alone (notify.repeat is not a new item).
        push.send(
            f"user:{recipient_id}",
            "notify.repeat",
            {"id": n.pk, "repeats": n.repeats, "title": n.title, "unread": n.read_at is None},
        )


def _push(created: list[Notification]) -> None:
    """Each new row to its recipient's open tabs (the push tier; after commit)."""
    from django.urls import reverse

    push.send_many(
        (
            f"user:{n.recipient_id}",
            "notification",
            {
                "id": n.pk,
                "kind": n.kind,
                "level": n.level,
                "urgent": n.urgent,
                "title": n.title,
                "body": n.body[:500],
                "url": reverse("notifications:open", args=[n.pk]),
                "created_at": n.created_at.isoformat(),
            },
        )
        for n in created
    )


def _insert(rows: list[Notification], *, dedupe: bool) -> list[Notification]:
    """One INSERT for all recipients; if a concurrent send with the same dedupe key got in first
    (the unique constraint fires), insert row by row and skip the ones that exist."""
    if not rows:
        return []
    if not dedupe:
        return Notification.objects.bulk_create(rows)
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        pass
    created = []
    for row in rows:
        row.pk = None
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue
        created.append(row)
    return created


def _queue_deliveries(notifications: list[Notification], now: dt.datetime) -> list[Delivery]:
    routes = channels.routing()
    if not routes or not notifications:
        return []
    tz = ZoneInfo(settings.TIME_ZONE)
    rows = []
    for notification in notifications:
        names = rules.channels_for(
            notification.level, notification.urgent, routes, settings.NOTIFY_URGENT_CHANNELS
        )
        if not names:
            continue
        user = notification.recipient
        held_until = None
        if not rules.bypasses_quiet_hours(notification.level, notification.urgent):
            held_until = rules.quiet_period_end(now, user.quiet_from, user.quiet_until, tz)
        for name in names:
            address = channels.get(name).address_for(user)
            if not address:
                state, at = DeliveryState.SKIPPED, now
            elif held_until:
                state, at = DeliveryState.HELD, held_until
            else:
                state, at = DeliveryState.PENDING, now
            rows.append(
                Delivery(
                    notification=notification,
                    channel=name,
                    address=address,
                    state=state,
                    next_attempt_at=at,
                    finished_at=now if state == DeliveryState.SKIPPED else None,
                    created_at=now,
                )
            )
    return Delivery.objects.bulk_create(rows)


def _enqueue(delivery_ids: list[int]) -> None:
    # local: notifications.tasks imports this module at its top (a cycle)
    from fengqiao.notifications.tasks import deliver

    for delivery_id in delivery_ids:
        deliver(delivery_id)


def delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> int | None:
    """Try one delivery once, if it is due and nobody else holds it; record the attempt.

    Returns the seconds to wait before the next try after a failure, or None (sent, given up,
    not due, or claimed by another worker).
    """
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, next_attempt_at__lte=now)
        .filter(
            Q(state__in=[DeliveryState.PENDING, DeliveryState.HELD])
            | Q(state=DeliveryState.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .update(state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    channel = channels.get(delivery.channel)
    response_code, error = None, ""
    try:
        result = channel.send(delivery.notification, delivery.address)
        response_code = result.response_code
        ok = True
    except channels.ChannelError as exc:
        ok, response_code, error = False, exc.response_code, str(exc)[:2000]
    except Exception as exc:  # a bug in a channel must not leave the delivery claimed forever
        log.exception("delivery %s: channel %s crashed", delivery_id, delivery.channel)
        ok, error = False, f"{type(exc).__name__}: {exc}"[:2000]
    finished = timezone.now() if now is None else now
    retry = None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            notification_id=delivery.notification_id,
            channel=delivery.channel,
            number=delivery.attempts,
            at=finished,
            outcome=Outcome.OK if ok else Outcome.ERROR,
            response_code=response_code,
            error=error,
        )
        if ok:
            delivery.state, delivery.finished_at = DeliveryState.SENT, finished
        elif delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            delivery.state, delivery.finished_at = DeliveryState.FAILED, finished
            log.warning(
                "delivery %s on %s failed for good after %s attempts: %s",
                delivery_id,
                delivery.channel,
                delivery.attempts,
                error,
            )
        else:
            retry = rules.retry_delay(
                delivery.attempts,
                base_seconds=settings.NOTIFY_RETRY_BASE_SECONDS,
                cap_seconds=settings.NOTIFY_RETRY_CAP_SECONDS,
            )
            delivery.state, delivery.next_attempt_at = (
                DeliveryState.PENDING,
                finished + dt.timedelta(seconds=retry),
            )
        delivery.save(update_fields=["state", "finished_at", "next_attempt_at"])
    return retry


def deliveries_due(*, now: dt.datetime | None = None) -> list[int]:
    """Deliveries the periodic job should hand to workers: held ones whose quiet hours ended,
    pending ones whose task was lost, and claims left by a crashed worker."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(
            Q(state=DeliveryState.HELD, next_attempt_at__lte=now)
            | Q(state=DeliveryState.PENDING, next_attempt_at__lte=now - LOST_TASK_GRACE)
            | Q(state=DeliveryState.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )


def notification_mark_read(*, actor, notification_id: int) -> bool:
    """Mark one of the actor's own notifications read. False if it is not theirs (or already read)."""
    done = bool(
        Notification.objects.for_user(actor)
        .unread()
        .filter(pk=notification_id)
        .update(read_at=timezone.now())
    )
    if done:  # the bell of the user's other tabs
        push.send(f"user:{actor.pk}", "notify.read", {"id": notification_id})
    return done


def notification_mark_all_read(*, actor) -> int:
    done = Notification.objects.for_user(actor).unread().update(read_at=timezone.now())
    if done:
        push.send(f"user:{actor.pk}", "notify.read", {"all": True})
    return done


def quiet_hours_set(*, actor, quiet_from: dt.time | None, quiet_until: dt.time | None) -> None:
    """Set the actor's own quiet hours (both or neither)."""
    if (quiet_from is None) != (quiet_until is None):
        raise ValueError(_("免打扰开始和结束时间须同时填写或同时留空"))
    with transaction.atomic():
        actor.quiet_from, actor.quiet_until = quiet_from, quiet_until
        actor.save(update_fields=["quiet_from", "quiet_until"])
