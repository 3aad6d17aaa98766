"""Phone verification by an SMS code."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.desk import rules
from fengqiao.desk.choices import SmsPurpose
from fengqiao.desk.models import PhoneVerification
from fengqiao.desk.services.sms import sms_queue
from fengqiao.desk.services.throttle import _hit, _hits


def _code_salt(kind: str, phone: str) -> str:
    return f"desk.{kind}.{phone}"


def verification_send(
    *, phone: str, ip: str | None, station_id=None, now=None
) -> PhoneVerification:
    """Send a 6-digit code to `phone`: one a minute per phone, DESK_SMS_PER_PHONE_HOUR an hour per
    phone, DESK_SMS_PER_IP_HOUR an hour per address. Only the code's salted hash is kept."""
    now = now or timezone.now()
    phone = (phone or "").strip()
    if not rules_phone_ok(phone):
        raise ValidationError({"phone": _("请输入正确的11位手机号")})
    last = (
        PhoneVerification.objects.filter(phone=phone)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last and now - last < dt.timedelta(seconds=settings.DESK_SMS_RESEND_SECONDS):
        wait = settings.DESK_SMS_RESEND_SECONDS - int((now - last).total_seconds())
        raise ValidationError(
            _("验证码已发送,请 %(s)s 秒后再重新获取") % {"s": max(wait, 1)}, code="throttled"
        )
    if _hits(f"sms:phone:{phone}", 3600, now) >= settings.DESK_SMS_PER_PHONE_HOUR:
        raise ValidationError(
            _("该手机号一小时内获取验证码次数已达上限,请稍后再试"), code="throttled"
        )
    if _hits(f"sms:ip:{ip or '-'}", 3600, now) >= settings.DESK_SMS_PER_IP_HOUR:
        raise ValidationError(
            _("本网络地址一小时内获取验证码次数已达上限,请稍后再试"), code="throttled"
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        _hit(f"sms:phone:{phone}", f"sms:ip:{ip or '-'}", now=now)
        verification = PhoneVerification.objects.create(
            phone=phone,
            code_hash=rules.code_hash(code, key=settings.SECRET_KEY, salt=_code_salt("sms", phone)),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.DESK_SMS_CODE_SECONDS),
            ip_address=ip,
        )
        minutes = max(1, settings.DESK_SMS_CODE_SECONDS // 60)
        text = _("您的户籍室预约验证码为%(code)s,%(m)s分钟内有效。如非本人操作请忽略。") % {
            "code": code,
            "m": minutes,
        }
        sms_queue(
            station_id=station_id,
            phone=phone,
            purpose=SmsPurpose.CODE,
            text=text,
            stored_text=text.replace(code, "******"),
        )
    verification.code = code  # for the caller's tests only; never stored
    return verification


def rules_phone_ok(phone: str) -> bool:
    return len(phone) == 11 and phone.isdigit() and phone[0] == "1" and phone[1] in "3456789"


def verification_check(
    *, verification_id: int | None, phone: str, code: str, now=None
) -> PhoneVerification:
    """Check a code. Wrong codes count; after DESK_SMS_MAX_ATTEMPTS the code is dead."""
    now = now or timezone.now()
    verification = PhoneVerification.objects.filter(pk=verification_id or 0, phone=phone).first()
    if verification is None:
        raise ValidationError({"code": _("请先获取短信验证码")})
    if verification.verified_at is not None:
        return verification
    if verification.expires_at <= now:
        raise ValidationError({"code": _("验证码已过期,请重新获取")})
    if verification.attempts >= settings.DESK_SMS_MAX_ATTEMPTS:
        raise ValidationError({"code": _("验证码错误次数过多,请重新获取")})
    if not rules.code_matches(
        code, verification.code_hash, key=settings.SECRET_KEY, salt=_code_salt("sms", phone)
    ):
        PhoneVerification.objects.filter(pk=verification.pk).update(attempts=F("attempts") + 1)
        left = settings.DESK_SMS_MAX_ATTEMPTS - verification.attempts - 1
        if left <= 0:
            raise ValidationError({"code": _("验证码错误次数过多,请重新获取")})
        raise ValidationError({"code": _("验证码不正确,还可再试 %(n)s 次") % {"n": left}})
    PhoneVerification.objects.filter(pk=verification.pk).update(verified_at=now)
    verification.verified_at = now
    return verification
