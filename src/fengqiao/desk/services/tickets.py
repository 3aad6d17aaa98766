"""Numbers and the queue: take, call next, recall, skip, requeue, transfer, finish, rate."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import push
from fengqiao.core.audit import log_bulk, serialize
from fengqiao.core.models import ChangeAction
from fengqiao.core.refnumbers import next_reference
from fengqiao.desk import rules
from fengqiao.desk.choices import (
    AppointmentStatus,
    SmsPurpose,
    TicketEventKind,
    TicketSource,
    TicketStatus,
)
from fengqiao.desk.models import Counter, Rating, Service, Ticket, TicketEvent
from fengqiao.desk.services.common import _local_now, _require_operator, config_for
from fengqiao.desk.services.sms import sms_queue
from fengqiao.desk.services.verification import rules_phone_ok


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
