"""Booking: bookable days and places, book, cancel, check in, mark no-shows."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core import calendar
from fengqiao.core.audit import log_bulk, serialize
from fengqiao.core.models import ChangeAction
from fengqiao.core.refnumbers import next_reference
from fengqiao.desk import rules
from fengqiao.desk.choices import AppointmentStatus, SmsPurpose, TicketSource
from fengqiao.desk.models import Appointment, BookingDay, PhoneVerification, Service, Ticket
from fengqiao.desk.services.common import _local_now, _require_operator, config_for
from fengqiao.desk.services.sms import sms_queue
from fengqiao.desk.services.tickets import _ticket_create
from fengqiao.desk.services.verification import _code_salt


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
