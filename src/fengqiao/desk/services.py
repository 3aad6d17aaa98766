"""Every write of the registration desk (户籍室一门通办).

Residents book on the public pages (phone verified by an SMS code; rate-limited per address and per
phone); on the day they check in and get a number with priority, or take a number on site. A counter
calls the next number with one conditional UPDATE (two counters never call the same number), recalls,
skips (a skipped appointment is a no-show), transfers and finishes; the resident rates the service
once (好差评). Each service validates, writes in one transaction, records a `TicketEvent` where a
number's life changes, keeps the change log, and refuses bad input with a clear message.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import push
from fengqiao.accounts.choices import Role, UnitKind
from fengqiao.accounts.roles import LEADER_ROLES
from fengqiao.core import calendar
from fengqiao.core.audit import log_bulk, serialize
from fengqiao.core.models import ChangeAction
from fengqiao.core.refnumbers import next_reference
from fengqiao.desk import rules
from fengqiao.desk.choices import (
    AppointmentStatus,
    SmsPurpose,
    SmsState,
    TicketEventKind,
    TicketSource,
    TicketStatus,
)
from fengqiao.desk.models import (
    Appointment,
    BookingDay,
    Counter,
    DeskConfig,
    PhoneVerification,
    PublicHit,
    Rating,
    ResidentSms,
    Service,
    Ticket,
    TicketEvent,
)

log = logging.getLogger(__name__)

# Roles that work the counters and the ticket desk (besides every member of the station's 户籍室).
OPERATOR_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.DUTY_OFFICER, Role.AUXILIARY, Role.COMMUNITY_OFFICER}
)


# ----------------------------------------------------------------------------- who may do what


def can_operate(user, station_id=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    if station_id is not None and user.station_id != station_id and not user.is_superuser:
        return False
    if user.is_superuser:
        return True
    if not user.station_id:
        return False
    return user.role in OPERATOR_ROLES or bool(
        user.unit_id and user.unit.kind == UnitKind.REGISTRATION
    )


def can_manage(user, station_id=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return (
        user.role in LEADER_ROLES
        and bool(user.station_id)
        and (station_id is None or user.station_id == station_id)
    )


def _require_operator(actor, station_id) -> None:
    if actor is not None and not can_operate(actor, station_id):
        raise PermissionDenied(_("只有本所户籍室和值班人员可以操作叫号"))


def _require_manager(actor, station_id) -> None:
    if actor is not None and not can_manage(actor, station_id):
        raise PermissionDenied(_("只有本所领导或系统管理员可以修改一门通办设置"))


def config_for(station) -> DeskConfig:
    station_id = getattr(station, "pk", station)
    config = DeskConfig.objects.filter(station_id=station_id).first()
    if config is None:
        try:
            with transaction.atomic():
                config = DeskConfig.objects.create(station_id=station_id)
        except IntegrityError:
            config = DeskConfig.objects.get(station_id=station_id)
    return config


def _local_now(now=None) -> dt.datetime:
    return timezone.localtime(now or timezone.now())


# ----------------------------------------------------------------------------- rate limits


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


# ----------------------------------------------------------------------------- SMS to residents


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


# ----------------------------------------------------------------------------- phone verification


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


# ----------------------------------------------------------------------------- booking


class AlreadyBooked(ValidationError):
    """A double booking: the existing appointment comes with the error."""

    def __init__(self, message, appointment):
        super().__init__(message, code="already_booked")
        self.appointment = appointment


class DayFull(ValidationError):
    def __init__(self, message, next_free):
        super().__init__(message, code="day_full")
        self.next_free = next_free


def bookable_days(station, now=None) -> list[dt.date]:
    config = config_for(station)
    local = _local_now(now)
    return rules.bookable_days(
        local.date(),
        local.hour,
        days_ahead=config.booking_days_ahead,
        cutoff_hour=config.booking_cutoff_hour,
        is_working_day=calendar.is_working_day,
    )


def day_availability(service: Service, days: list[dt.date]) -> dict[dt.date, int]:
    """Places left per day."""
    booked = dict(
        BookingDay.objects.filter(service=service, date__in=days).values_list("date", "booked")
    )
    return {d: max(0, service.daily_capacity - booked.get(d, 0)) for d in days}


def noshow_block(phone: str, station, now=None) -> dt.datetime | None:
    config = config_for(station)
    now = now or timezone.now()
    times = list(
        Appointment.objects.filter(
            station_id=getattr(station, "pk", station),
            phone=phone,
            status=AppointmentStatus.NO_SHOW,
            no_show_at__gte=now - dt.timedelta(days=config.noshow_window_days),
        ).values_list("no_show_at", flat=True)
    )
    return rules.noshow_blocked_until(
        times,
        now,
        limit=config.noshow_limit,
        window_days=config.noshow_window_days,
        block_days=config.noshow_block_days,
    )


def booking_check(
    *, service: Service, date: dt.date, phone: str, now=None, private: bool = True
) -> None:
    """Everything that refuses a booking. Before the phone is verified (`private=False`) only what
    reveals nothing about the phone: the service, the day, the places left; after it, also the
    no-show limit and a booking the phone already holds (shown to its verified owner)."""
    station = service.station
    if not service.active or not service.bookable:
        raise ValidationError({"service": _("该事项暂不接受网上预约,请到户籍室现场办理")})
    days = bookable_days(station, now)
    if date not in days:
        if not calendar.is_working_day(date):
            raise ValidationError(
                {"date": _("%(d)s 不是工作日,户籍室不办公") % {"d": f"{date:%Y-%m-%d}"}}
            )
        raise ValidationError(
            {
                "date": _("只能预约今后 %(n)s 天内的工作日")
                % {"n": config_for(station).booking_days_ahead}
            }
        )
    if private:
        _private_checks(service, date, phone, now)
    if day_availability(service, [date])[date] <= 0:
        raise _full(service, date, days)


def _private_checks(service, date, phone, now) -> None:
    station = service.station
    blocked = noshow_block(phone, station, now)
    if blocked:
        raise ValidationError(
            _("该手机号近期多次预约未到,%(until)s 前不能网上预约,可到户籍室现场取号办理")
            % {"until": f"{timezone.localtime(blocked):%Y-%m-%d}"},
            code="no_show_blocked",
        )
    existing = Appointment.objects.active().filter(service=service, date=date, phone=phone).first()
    if existing is not None:
        raise AlreadyBooked(
            _("您已预约 %(d)s 的“%(s)s”(预约号 %(ref)s),不能重复预约")
            % {"d": f"{date:%Y-%m-%d}", "s": service.name, "ref": existing.reference},
            existing,
        )


def _full(service, date, days) -> DayFull:
    avail = day_availability(service, days)
    free = next((d for d in days if d > date and avail.get(d, 0) > 0), None)
    if free:
        message = _("%(d)s 的“%(s)s”预约已满,最近可预约的日期是 %(free)s") % {
            "d": f"{date:%Y-%m-%d}",
            "s": service.name,
            "free": f"{free:%Y-%m-%d}",
        }
    else:
        message = _("%(d)s 的“%(s)s”预约已满,可预约期内已无名额,请到户籍室现场取号") % {
            "d": f"{date:%Y-%m-%d}",
            "s": service.name,
        }
    return DayFull({"date": message}, free)


def appointment_book(
    *,
    service: Service,
    date: dt.date,
    name: str,
    phone: str,
    verification: PhoneVerification,
    ip: str | None = None,
    now=None,
) -> tuple[Appointment, str]:
    """Book a verified phone on a day. Returns the appointment and the cancellation code (sent by SMS,
    shown once; only its hash is kept)."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name or len(name) > 30:
        raise ValidationError({"name": _("请填写办事人姓名(30字以内)")})
    if verification is None or verification.verified_at is None or verification.phone != phone:
        raise ValidationError({"code": _("手机号尚未验证")})
    if now - verification.verified_at > dt.timedelta(minutes=30):
        raise ValidationError({"code": _("验证已超时,请重新获取验证码")})
    booking_check(service=service, date=date, phone=phone, now=now)
    days = bookable_days(service.station, now)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        BookingDay.objects.get_or_create(
            service=service, date=date, defaults={"capacity": service.daily_capacity}
        )
        BookingDay.objects.filter(service=service, date=date).update(
            capacity=service.daily_capacity
        )
        claimed = BookingDay.objects.filter(
            service=service, date=date, booked__lt=F("capacity")
        ).update(booked=F("booked") + 1)
        if claimed != 1:
            raise _full(service, date, days)
        appointment = Appointment(
            station_id=service.station_id,
            reference=next_reference("YY", service.station_id, year=date.year),
            service=service,
            date=date,
            name=name,
            phone=phone,
            cancel_code_hash="",
            created_at=now,
            ip_address=ip,
        )
        appointment.cancel_code_hash = rules.code_hash(
            code, key=settings.SECRET_KEY, salt=_code_salt("cancel", appointment.reference)
        )
        try:
            with transaction.atomic():
                appointment.save()
        except IntegrityError:
            existing = (
                Appointment.objects.active().filter(service=service, date=date, phone=phone).first()
            )
            raise AlreadyBooked(_("您已预约该事项当天的号,不能重复预约"), existing) from None
        PhoneVerification.objects.filter(pk=verification.pk).update(
            expires_at=now
        )  # one booking per code
        sms_queue(
            station_id=service.station_id,
            phone=phone,
            purpose=SmsPurpose.BOOKED,
            text=_(
                "预约成功:%(d)s %(s)s,预约号%(ref)s,取消码%(code)s。请带齐材料到户籍室签到取号。"
            )
            % {"d": f"{date:%m-%d}", "s": service.name, "ref": appointment.reference, "code": code},
            stored_text=_("预约成功:%(d)s %(s)s,预约号%(ref)s。")
            % {"d": f"{date:%m-%d}", "s": service.name, "ref": appointment.reference},
        )
    return appointment, code


def _release_place(appointment: Appointment) -> None:
    BookingDay.objects.filter(
        service_id=appointment.service_id, date=appointment.date, booked__gt=0
    ).update(booked=F("booked") - 1)


def appointment_cancel_by_resident(
    *, reference: str, phone: str, code: str, now=None
) -> Appointment:
    """The resident cancels with the reference, the phone and the cancellation code (attempts limited)."""
    now = now or timezone.now()
    reference, phone = (reference or "").strip().upper(), (phone or "").strip()
    appointment = Appointment.objects.filter(reference=reference, phone=phone).first()
    if appointment is None:
        raise ValidationError(_("没有找到该手机号的这个预约号,请核对"))
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            _("该预约当前为“%(s)s”,不能取消") % {"s": appointment.get_status_display()}
        )
    if appointment.cancel_failures >= settings.DESK_SMS_MAX_ATTEMPTS:
        raise ValidationError(_("取消码错误次数过多,请致电或到户籍室取消"))
    if not rules.code_matches(
        code,
        appointment.cancel_code_hash,
        key=settings.SECRET_KEY,
        salt=_code_salt("cancel", appointment.reference),
    ):
        Appointment.objects.filter(pk=appointment.pk).update(
            cancel_failures=F("cancel_failures") + 1
        )
        raise ValidationError(_("取消码不正确"))
    before = serialize(appointment)
    with transaction.atomic():
        changed = Appointment.objects.filter(
            pk=appointment.pk, status=AppointmentStatus.BOOKED
        ).update(status=AppointmentStatus.CANCELLED, cancelled_at=now, cancelled_by_resident=True)
        if changed != 1:
            raise ValidationError(_("该预约已不能取消"))
        _release_place(appointment)
        appointment.refresh_from_db()
        log_bulk([appointment], ChangeAction.UPDATE, befores=[before])
    return appointment


def appointment_cancel(*, actor, appointment: Appointment, now=None) -> Appointment:
    _require_operator(actor, appointment.station_id)
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != AppointmentStatus.BOOKED:
            raise ValidationError(
                _("该预约当前为“%(s)s”,不能取消") % {"s": appointment.get_status_display()}
            )
        appointment.status, appointment.cancelled_at = AppointmentStatus.CANCELLED, now
        appointment.save()
        _release_place(appointment)
        sms_queue(
            station_id=appointment.station_id,
            phone=appointment.phone,
            purpose=SmsPurpose.CANCELLED,
            text=_("您%(d)s的“%(s)s”预约(%(ref)s)已由户籍室取消,如有疑问请致电派出所。")
            % {
                "d": f"{appointment.date:%m-%d}",
                "s": appointment.service.name,
                "ref": appointment.reference,
            },
        )
    return appointment


def appointment_check_in(*, actor, appointment: Appointment, now=None) -> Ticket:
    """On the booked day the resident checks in and gets a number (with priority when the station says so)."""
    _require_operator(actor, appointment.station_id)
    now = now or timezone.now()
    today = _local_now(now).date()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status == AppointmentStatus.CHECKED_IN:
            ticket = Ticket.objects.filter(appointment=appointment).first()
            raise ValidationError(
                _("该预约已签到,号码是 %(n)s") % {"n": ticket.number if ticket else "-"}
            )
        if appointment.status != AppointmentStatus.BOOKED:
            raise ValidationError(
                _("该预约当前为“%(s)s”,不能签到") % {"s": appointment.get_status_display()}
            )
        if appointment.date != today:
            raise ValidationError(
                _("该预约的日期是 %(d)s,只能在当天签到;今天请现场取号")
                % {"d": f"{appointment.date:%Y-%m-%d}"}
            )
        config = config_for(appointment.station_id)
        ticket = _ticket_create(
            actor=actor,
            service=appointment.service,
            phone=appointment.phone,
            now=now,
            source=TicketSource.APPOINTMENT,
            appointment=appointment,
            priority=rules.ticket_priority(
                appointment=True, appointment_first=config.appointment_priority
            ),
        )
        appointment.status, appointment.checked_in_at = AppointmentStatus.CHECKED_IN, now
        appointment.save()
    return ticket


def appointments_mark_no_show(*, now=None) -> int:
    """Appointments never checked in whose day has passed become no-shows (counted against the phone)."""
    now = now or timezone.now()
    today = _local_now(now).date()
    with transaction.atomic():
        rows = list(
            Appointment.objects.filter(
                status=AppointmentStatus.BOOKED, date__lt=today
            ).select_for_update()
        )
        if not rows:
            return 0
        befores = {r.pk: serialize(r) for r in rows}
        Appointment.objects.filter(
            pk__in=[r.pk for r in rows], status=AppointmentStatus.BOOKED
        ).update(status=AppointmentStatus.NO_SHOW, no_show_at=now)
        fresh = list(Appointment.objects.filter(pk__in=[r.pk for r in rows]))
        befores = [befores[r.pk] for r in fresh]
        log_bulk(fresh, ChangeAction.UPDATE, befores=befores)
    return len(rows)


# ----------------------------------------------------------------------------- numbers and the queue


def _event(ticket, kind, actor, at, counter=None, **data) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, counter=counter, at=at, data=data
    )
    # The station's counter and waiting-room screens refresh at once (push tier, after commit).
    push.send(
        f"desk:{ticket.station_id}",
        "desk.ticket",
        {"kind": str(kind), "ticket": ticket.number, "counter": counter.pk if counter else None},
    )
    return event


def _ticket_create(*, actor, service, phone, now, source, appointment=None, priority=0) -> Ticket:
    date = _local_now(now).date()
    # A locked counter row per service prefix and day (core refnumbers): never count()+1.
    kind = f"Q{service.prefix}{date:%m%d}"
    seq = int(next_reference(kind, service.station_id, year=date.year).rsplit("-", 1)[1])
    ticket = Ticket.objects.create(
        station_id=service.station_id,
        date=date,
        service=service,
        number=rules.format_number(service.prefix, seq),
        seq=seq,
        source=source,
        appointment=appointment,
        priority=priority,
        phone=phone or "",
        taken_at=now,
    )
    _event(ticket, TicketEventKind.TAKEN, actor, now, source=source)
    return ticket


def ticket_take(*, actor, service: Service, phone: str = "", now=None) -> Ticket:
    """A number taken on site (the phone, if given, gets an SMS when the turn is near)."""
    _require_operator(actor, service.station_id)
    now = now or timezone.now()
    phone = (phone or "").strip()
    if phone and not rules_phone_ok(phone):
        raise ValidationError({"phone": _("请输入正确的11位手机号,或留空")})
    if not service.active:
        raise ValidationError({"service": _("该事项已停办")})
    with transaction.atomic():
        return _ticket_create(
            actor=actor, service=service, phone=phone, now=now, source=TicketSource.ONSITE
        )


def waiting_ahead(ticket: Ticket) -> int:
    """How many waiting numbers of the same service come before this one."""
    return (
        Ticket.objects.filter(
            station_id=ticket.station_id,
            date=ticket.date,
            service_id=ticket.service_id,
            status=TicketStatus.WAITING,
        )
        .filter(
            Q(priority__gt=ticket.priority)
            | Q(priority=ticket.priority, taken_at__lt=ticket.taken_at)
            | Q(priority=ticket.priority, taken_at=ticket.taken_at, pk__lt=ticket.pk)
        )
        .count()
    )


def current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED)
        .select_related("service")
        .first()
    )


def _counter_service_ids(counter: Counter) -> list[int]:
    cached = getattr(counter, "_service_ids", None)
    if cached is None:
        cached = list(counter.services.filter(active=True).values_list("pk", flat=True))
        counter._service_ids = cached
    return cached


def ticket_call_next(*, actor, counter: Counter, now=None) -> Ticket | None:
    """Call the best waiting number the counter serves: one conditional UPDATE claims it (WHERE it is
    still waiting), so two counters never call the same number. None when nobody is waiting."""
    _require_operator(actor, counter.station_id)
    if not counter.active:
        raise ValidationError(_("该窗口已停用"))
    now = now or timezone.now()
    today = _local_now(now).date()
    service_ids = _counter_service_ids(counter)
    if not service_ids:
        raise ValidationError(_("该窗口还没有设置办理事项"))
    current = (
        Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED)
        .values_list("number", flat=True)
        .first()
    )
    if current:
        raise ValidationError(_("请先办结、过号或转移当前的 %(n)s 号") % {"n": current})
    waiting = Ticket.objects.filter(
        station_id=counter.station_id,
        date=today,
        status=TicketStatus.WAITING,
        service_id__in=service_ids,
    )
    # Where the database can (PostgreSQL), the read skips rows another counter's transaction holds,
    # so counters calling at the same moment take different numbers instead of racing for the head.
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _attempt in range(10):
        try:
            with transaction.atomic():
                candidates = waiting.order_by("-priority", "taken_at", "pk")
                if skip_locked:
                    candidates = candidates.select_for_update(skip_locked=True)
                candidate = candidates.first()
                if candidate is None:
                    return None
                before = serialize(candidate)
                # The claim: one conditional UPDATE that changes the row only while it still waits.
                claimed = Ticket.objects.filter(
                    pk=candidate.pk, status=TicketStatus.WAITING
                ).update(
                    status=TicketStatus.CALLED,
                    counter=counter,
                    officer=actor,
                    called_at=now,
                    first_called_at=Coalesce(F("first_called_at"), now),
                    call_count=F("call_count") + 1,
                )
                if claimed == 0:
                    continue  # another counter took it first: try the next one
                ticket = Ticket.objects.select_related("service").get(pk=candidate.pk)
                _event(ticket, TicketEventKind.CALLED, actor, now, counter=counter)
                log_bulk([ticket], ChangeAction.UPDATE, befores=[before], actor=actor)
                _near_sms(ticket.station_id, ticket.service_id, today, now)
                return ticket
        except IntegrityError:
            raise ValidationError(_("该窗口已有正在办理的号(可能重复点击了叫号)")) from None
    # Ten numbers in a row were taken by other counters between our read and our claim.
    raise ValidationError(_("其他窗口正同时叫号,请再点一次“叫下一号”"))


def _near_sms(station_id, service_id, today, now) -> None:
    """Residents whose turn is near (notify_ahead or fewer ahead) and who gave a phone get one SMS."""
    config = config_for(station_id)
    if config.notify_ahead <= 0:
        return
    rows = list(
        Ticket.objects.filter(
            station_id=station_id, date=today, service_id=service_id, status=TicketStatus.WAITING
        )
        .order_by("-priority", "taken_at", "pk")
        .values_list("pk", "phone", "number", "near_sms_at")[: config.notify_ahead + 1]
    )
    for ahead, (pk, phone, number, sent) in enumerate(rows):
        if not phone or sent is not None or not rules.near_positions(ahead, config.notify_ahead):
            continue
        if Ticket.objects.filter(pk=pk, near_sms_at__isnull=True).update(near_sms_at=now) == 1:
            sms_queue(
                station_id=station_id,
                phone=phone,
                purpose=SmsPurpose.NEAR,
                text=_("您的%(n)s号前面还有%(k)s位,请回到户籍室等候叫号。")
                % {"n": number, "k": ahead},
            )
            TicketEvent.objects.create(
                ticket_id=pk, kind=TicketEventKind.NEAR_SMS, at=now, data={"ahead": ahead}
            )


def _current_or_refuse(counter) -> Ticket:
    ticket = current_ticket(counter)
    if ticket is None:
        raise ValidationError(_("该窗口当前没有正在办理的号"))
    return ticket


def ticket_recall(*, actor, counter: Counter, now=None) -> Ticket:
    _require_operator(actor, counter.station_id)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _current_or_refuse(counter)
        ticket.called_at, ticket.call_count = now, ticket.call_count + 1
        ticket.save()
        _event(
            ticket, TicketEventKind.RECALLED, actor, now, counter=counter, count=ticket.call_count
        )
    return ticket


def ticket_skip(*, actor, counter: Counter, now=None) -> Ticket:
    """过号: the resident did not come to the counter. A checked-in appointment becomes a no-show."""
    _require_operator(actor, counter.station_id)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _current_or_refuse(counter)
        ticket.status, ticket.finished_at = TicketStatus.SKIPPED, now
        ticket.save()
        if ticket.appointment_id:
            appointment = ticket.appointment
            appointment.status, appointment.no_show_at = AppointmentStatus.NO_SHOW, now
            appointment.save()
        _event(ticket, TicketEventKind.SKIPPED, actor, now, counter=counter)
    return ticket


def ticket_requeue(*, actor, ticket: Ticket, now=None) -> Ticket:
    """A skipped resident comes back the same day: the number waits again, after the others."""
    _require_operator(actor, ticket.station_id)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status != TicketStatus.SKIPPED:
            raise ValidationError(_("只有过号的号码可以重新排队"))
        if ticket.date != _local_now(now).date():
            raise ValidationError(_("只能重排当天的号码"))
        ticket.status, ticket.counter, ticket.finished_at, ticket.priority = (
            TicketStatus.WAITING,
            None,
            None,
            rules.REQUEUE_PRIORITY,
        )
        ticket.save()
        if ticket.appointment_id and ticket.appointment.status == AppointmentStatus.NO_SHOW:
            appointment = ticket.appointment
            appointment.status, appointment.no_show_at = AppointmentStatus.CHECKED_IN, None
            appointment.save()
        _event(ticket, TicketEventKind.REQUEUED, actor, now)
    return ticket


def ticket_transfer(
    *, actor, counter: Counter, service: Service, note: str = "", now=None
) -> Ticket:
    """Send the number being served to another service (it keeps its number and goes first there)."""
    _require_operator(actor, counter.station_id)
    now = now or timezone.now()
    if service.station_id != counter.station_id or not service.active:
        raise ValidationError({"service": _("请选择本所在办的事项")})
    with transaction.atomic():
        ticket = _current_or_refuse(counter)
        if ticket.service_id == service.pk:
            raise ValidationError(
                {"service": _("该号已经是“%(s)s”,请选择另一事项") % {"s": service.name}}
            )
        before = ticket.service.name
        ticket.service, ticket.status, ticket.counter = service, TicketStatus.WAITING, None
        ticket.priority, ticket.note = rules.TRANSFER_PRIORITY, (note or "")[:200]
        ticket.save()
        _event(
            ticket,
            TicketEventKind.TRANSFERRED,
            actor,
            now,
            counter=counter,
            **{"from": before, "to": service.name, "note": note[:200]},
        )
    return ticket


def ticket_finish(*, actor, counter: Counter, now=None) -> Ticket:
    """办结: the service is done; the resident gets a one-time rating link (QR on the counter screen, SMS)."""
    _require_operator(actor, counter.station_id)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _current_or_refuse(counter)
        ticket.status, ticket.finished_at = TicketStatus.DONE, now
        ticket.rating_token = secrets.token_urlsafe(9)
        ticket.save()
        if ticket.appointment_id:
            appointment = ticket.appointment
            appointment.status = AppointmentStatus.SERVED
            appointment.save()
        _event(
            ticket,
            TicketEventKind.FINISHED,
            actor,
            now,
            counter=counter,
            seconds=round(ticket.service_seconds or 0),
        )
        if ticket.phone:
            from django.urls import reverse

            url = reverse("desk_public:rate", args=[ticket.rating_token])
            if settings.NOTIFY_SITE_URL:
                url = settings.NOTIFY_SITE_URL + url
            sms_queue(
                station_id=ticket.station_id,
                phone=ticket.phone,
                purpose=SmsPurpose.RATE,
                text=_("您的%(n)s号业务已办结,欢迎评价:%(url)s") % {"n": ticket.number, "url": url},
            )
    return ticket


def rating_submit(*, token: str, score: int, comment: str = "", now=None) -> Rating:
    """The resident rates a finished number once, within the station's rating window."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.filter(rating_token=token or "-", status=TicketStatus.DONE).first()
        if token
        else None
    )
    if ticket is None:
        raise ValidationError(_("评价链接无效"))
    config = config_for(ticket.station_id)
    if ticket.finished_at and now - ticket.finished_at > dt.timedelta(hours=config.rating_hours):
        raise ValidationError(
            _("评价链接已过期(办结后 %(h)s 小时内有效)") % {"h": config.rating_hours}
        )
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in (1, 2, 3, 4, 5):
        raise ValidationError({"score": _("请选择评价等级")})
    if Rating.objects.filter(ticket=ticket).exists():
        raise ValidationError(_("该号已评价过,感谢您的反馈"))
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                ticket=ticket,
                station_id=ticket.station_id,
                score=score,
                comment=(comment or "").strip()[:300],
                created_at=now,
            )
            _event(ticket, TicketEventKind.RATED, None, now, score=score)
    except IntegrityError:
        raise ValidationError(_("该号已评价过,感谢您的反馈")) from None
    return rating


# ----------------------------------------------------------------------------- catalogue, counters, settings


def service_save(*, actor, station, instance: Service | None, data: dict) -> Service:
    _require_manager(actor, station.pk)
    service = instance or Service(station=station)
    for key, value in data.items():
        setattr(service, key, value)
    service.prefix = (service.prefix or "").strip().upper()
    service.full_clean()
    with transaction.atomic():
        service.save()
    return service


def counter_save(*, actor, station, instance: Counter | None, data: dict) -> Counter:
    _require_manager(actor, station.pk)
    services = data.pop("services", None)
    counter = instance or Counter(station=station)
    for key, value in data.items():
        setattr(counter, key, value)
    counter.full_clean()
    if services is not None and any(s.station_id != station.pk for s in services):
        raise ValidationError({"services": _("只能选择本所的办理事项")})
    with transaction.atomic():
        counter.save()
        if services is not None:
            counter.services.set(services)
    return counter


def counter_sit(*, actor, counter: Counter) -> Counter:
    """The officer takes the counter (shown on the display and the figures)."""
    _require_operator(actor, counter.station_id)
    with transaction.atomic():
        counter.officer = actor
        counter.save()
    return counter


def config_save(*, actor, config: DeskConfig, data: dict) -> DeskConfig:
    _require_manager(actor, config.station_id)
    for key, value in data.items():
        setattr(config, key, value)
    config.full_clean()
    with transaction.atomic():
        config.save()
    return config


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
