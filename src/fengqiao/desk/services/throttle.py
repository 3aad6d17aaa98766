"""Rate limits of the public pages (per address and per phone)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.desk.choices import SmsState
from fengqiao.desk.models import PhoneVerification, PublicHit, ResidentSms


def _hits(key: str, seconds: int, now) -> int:
    return PublicHit.objects.filter(key=key, at__gt=now - dt.timedelta(seconds=seconds)).count()


def _hit(*keys: str, now) -> None:
    PublicHit.objects.bulk_create([PublicHit(key=k[:80], at=now) for k in keys])


def public_throttle(*, ip: str | None, action: str, now=None) -> None:
    """Refuse a public action from an address that made too many of them in the last minute/hour."""
    now = now or timezone.now()
    limit_minute = settings.DESK_PUBLIC_PER_MINUTE
    limit_hour = settings.DESK_PUBLIC_PER_HOUR
    key = f"ip:{action}:{ip or '-'}"
    if _hits(key, 60, now) >= limit_minute:
        raise ValidationError(_("操作太频繁,请一分钟后再试"), code="throttled")
    if _hits(key, 3600, now) >= limit_hour:
        raise ValidationError(
            _("本网络地址一小时内操作次数已达上限,请稍后再试或到户籍室窗口办理"), code="throttled"
        )
    _hit(key, now=now)


def public_hits_purge(*, now=None) -> int:
    """Nightly: rate-limit counts older than a day, SMS codes a day after they expired, and the
    resident SMS log after 90 days (it holds phone numbers) are deleted."""
    now = now or timezone.now()
    deleted, _count = PublicHit.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    PhoneVerification.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    ResidentSms.objects.filter(
        created_at__lt=now - dt.timedelta(days=90),
        state__in=[SmsState.SENT, SmsState.FAILED, SmsState.SKIPPED],
    ).delete()
    return deleted
