"""SMS to residents: queue one, and each attempt with backoff."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fengqiao.desk.choices import SmsState
from fengqiao.desk.models import ResidentSms

log = logging.getLogger(__package__)  # the services' logger, named as before the split


def sms_queue(
    *, station_id, phone: str, purpose: str, text: str, stored_text: str | None = None
) -> ResidentSms:
    """Queue an SMS to a resident. `stored_text` replaces the text in the table (a verification code is
    never stored); the real text goes to the sending job only."""
    now = timezone.now()
    enabled = bool(settings.SMS_GATEWAY_URL)
    sms = ResidentSms.objects.create(
        station_id=station_id,
        phone=phone,
        purpose=purpose,
        text=(stored_text if stored_text is not None else text)[:300],
        state=SmsState.PENDING if enabled else SmsState.SKIPPED,
        finished_at=None if enabled else now,
        next_attempt_at=now,
    )
    if enabled:
        transaction.on_commit(lambda: _enqueue_sms(sms.pk, text), robust=True)
    elif settings.DEBUG or settings.SMS_LOG_UNSENT:
        log.warning("SMS gateway not configured; SMS to %s not sent: %s", phone, text)
    return sms


def _enqueue_sms(sms_id: int, text: str) -> None:
    from fengqiao.desk.tasks import send_sms

    send_sms(sms_id, text)


def sms_attempt(sms_id: int, text: str, *, now=None) -> int | None:
    """Send one queued resident SMS through the notifications' SMS gateway channel, once.

    Returns the seconds before the next try after a failure, or None (sent, given up, or taken by
    another worker). Same retry budget and backoff as the notifications' deliveries.
    """
    from types import SimpleNamespace

    from fengqiao.notifications import channels
    from fengqiao.notifications import rules as notify_rules

    now = now or timezone.now()
    claimed = ResidentSms.objects.filter(
        pk=sms_id, state=SmsState.PENDING, next_attempt_at__lte=now
    ).update(state=SmsState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return None
    sms = ResidentSms.objects.get(pk=sms_id)
    channel = channels.get("sms")
    try:
        channel.send(SimpleNamespace(title=text, body=""), sms.phone)
    except channels.ChannelError as exc:
        error = str(exc)[:500]
    except Exception as exc:  # a bug in the channel must not leave the SMS claimed
        log.exception("resident sms %s crashed", sms_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
    else:
        ResidentSms.objects.filter(pk=sms_id).update(
            state=SmsState.SENT, finished_at=timezone.now(), last_error=""
        )
        return None
    if sms.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        ResidentSms.objects.filter(pk=sms_id).update(
            state=SmsState.FAILED, finished_at=timezone.now(), last_error=error
        )
        return None
    delay = notify_rules.retry_delay(
        sms.attempts,
        base_seconds=settings.NOTIFY_RETRY_BASE_SECONDS,
        cap_seconds=settings.NOTIFY_RETRY_CAP_SECONDS,
    )
    ResidentSms.objects.filter(pk=sms_id).update(
        state=SmsState.PENDING, next_attempt_at=now + dt.timedelta(seconds=delay), last_error=error
    )
    return delay
