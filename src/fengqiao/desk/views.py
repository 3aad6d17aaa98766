"""户籍室一门通办 pages for the station: today's desk (take a number, check in), the counter screen,
the waiting-room display, appointments, numbers, figures, the catalogue, counters and settings."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core.masking import mask_phone
from fengqiao.core.web import error_text, forbidden, safe_next
from fengqiao.desk import rules, selectors, services
from fengqiao.desk.choices import AppointmentStatus, TicketStatus
from fengqiao.desk.forms import ConfigForm, CounterForm, ServiceForm, TakeForm, TransferForm
from fengqiao.desk.models import Appointment, Counter, ResidentSms, Service, Ticket


def _add_errors(form, exc: ValidationError) -> None:
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, errors in items:
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


def _station_required(request):
    if not request.user.station_id:
        return forbidden(request, _("一门通办按派出所使用,请以派出所的账号登录"))
    return None


def _parse_day(value, default):
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def home(request):
    refused = _station_required(request)
    if refused:
        return refused
    station = request.user.station
    today = timezone.localdate()
    q = (request.GET.get("q") or "").strip()
    appointments = (
        Appointment.objects.visible_to(request.user)
        .filter(date=today)
        .select_related("service")
        .order_by("status", "pk")
    )
    if q:
        appointments = appointments.filter(
            Q(reference__iexact=q) | Q(phone__endswith=q) | Q(name=q)
        )
    return render(
        request,
        "desk/home.html",
        {
            "queue": selectors.queue_summary(station.pk, today),
            "counters": Counter.objects.visible_to(request.user)
            .filter(active=True)
            .select_related("officer")
            .prefetch_related("services"),
            "take_form": TakeForm(station=station),
            "appointments": [(a, mask_phone(a.phone)) for a in appointments[:100]],
            "q": q,
            "can_operate": services.can_operate(request.user, station.pk),
            "can_manage": services.can_manage(request.user, station.pk),
            "today": today,
        },
    )


@login_required
@require_POST
def take(request):
    refused = _station_required(request)
    if refused:
        return refused
    form = TakeForm(request.POST, station=request.user.station)
    if not form.is_valid():
        messages.error(request, _("请选择办理事项"))
        return redirect("desk:home")
    try:
        ticket = services.ticket_take(
            actor=request.user,
            service=form.cleaned_data["service"],
            phone=form.cleaned_data["phone"],
        )
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("desk:home")
    return redirect("desk:slip", ticket.pk)


@login_required
def slip(request, pk):
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("service"), pk=pk
    )
    return render(
        request,
        "desk/slip.html",
        {
            "ticket": ticket,
            "ahead": services.waiting_ahead(ticket) if ticket.status == TicketStatus.WAITING else 0,
        },
    )


@login_required
@require_POST
def appointment_action(request, pk, action):
    appointment = get_object_or_404(Appointment.objects.visible_to(request.user), pk=pk)
    try:
        if action == "checkin":
            ticket = services.appointment_check_in(actor=request.user, appointment=appointment)
            messages.success(request, _("已签到,号码 %(n)s") % {"n": ticket.number})
            return redirect("desk:slip", ticket.pk)
        if action == "cancel":
            services.appointment_cancel(actor=request.user, appointment=appointment)
            messages.success(request, _("预约 %(r)s 已取消") % {"r": appointment.reference})
        else:
            return HttpResponseNotAllowed(["POST"])
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(safe_next(request, reverse("desk:home")))


# ----------------------------------------------------------------------------- counter screen


def _counter_context(request, counter, *, speak=False, error="", finished=None, notice=""):
    ticket = services.current_ticket(counter)
    service_ids = list(counter.services.values_list("pk", flat=True))
    today = timezone.localdate()
    waiting = list(
        Ticket.objects.filter(
            station_id=counter.station_id,
            date=today,
            status=TicketStatus.WAITING,
            service_id__in=service_ids,
        )
        .select_related("service")
        .order_by("-priority", "taken_at", "pk")[:30]
    )
    skipped = list(
        Ticket.objects.filter(
            station_id=counter.station_id, date=today, status=TicketStatus.SKIPPED, counter=counter
        ).order_by("-finished_at")[:10]
    )
    rating_url = rating_qr = ""
    if finished is not None and finished.rating_token:
        rating_url = request.build_absolute_uri(
            reverse("desk_public:rate", args=[finished.rating_token])
        )
        rating_qr = segno.make(rating_url, error="m").svg_data_uri(scale=4)
    return {
        "counter": counter,
        "ticket": ticket,
        "waiting": waiting,
        "waiting_total": Ticket.objects.filter(
            station_id=counter.station_id,
            date=today,
            status=TicketStatus.WAITING,
            service_id__in=service_ids,
        ).count(),
        "skipped": skipped,
        "transfer_form": TransferForm(station=counter.station),
        "speak": rules.speech_text(ticket.number, counter.number) if speak and ticket else "",
        "call_text": rules.call_text(ticket.number, counter.number) if ticket else "",
        "speak_key": f"{ticket.pk}-{ticket.call_count}" if ticket else "",
        "error": error,
        "notice": notice,
        "finished": finished,
        "rating_url": rating_url,
        "rating_qr": rating_qr,
        "can_operate": services.can_operate(request.user, counter.station_id),
    }


@login_required
def counter(request, pk):
    counter = get_object_or_404(
        Counter.objects.visible_to(request.user).select_related("station", "officer"), pk=pk
    )
    return render(request, "desk/counter.html", _counter_context(request, counter))


@login_required
def counter_waiting(request, pk):
    """The counter screen's waiting list, refreshed every few seconds (htmx) without touching the forms."""
    counter = get_object_or_404(
        Counter.objects.visible_to(request.user).select_related("station"), pk=pk
    )
    return render(request, "desk/_counter_waiting.html", _counter_context(request, counter))


ACTIONS = {
    "call": lambda actor, counter, form: services.ticket_call_next(actor=actor, counter=counter),
    "recall": lambda actor, counter, form: services.ticket_recall(actor=actor, counter=counter),
    "skip": lambda actor, counter, form: services.ticket_skip(actor=actor, counter=counter),
    "finish": lambda actor, counter, form: services.ticket_finish(actor=actor, counter=counter),
    "sit": lambda actor, counter, form: services.counter_sit(actor=actor, counter=counter),
}


@login_required
@require_POST
def counter_action(request, pk, action):
    counter = get_object_or_404(
        Counter.objects.visible_to(request.user).select_related("station"), pk=pk
    )
    error, speak, finished, status, notice = "", False, None, 200, ""
    try:
        if action == "transfer":
            form = TransferForm(request.POST, station=counter.station)
            if not form.is_valid():
                raise ValidationError(_("请选择要转到的事项"))
            moved = services.ticket_transfer(
                actor=request.user,
                counter=counter,
                service=form.cleaned_data["service"],
                note=form.cleaned_data["note"],
            )
            notice = _("%(n)s 号已转到“%(s)s”,在那里优先叫号") % {
                "n": moved.number,
                "s": moved.service.name,
            }
        elif action == "requeue":
            ticket = get_object_or_404(
                Ticket.objects.visible_to(request.user), pk=request.POST.get("ticket") or 0
            )
            ticket = services.ticket_requeue(actor=request.user, ticket=ticket)
            notice = _("%(n)s 号已重新排队") % {"n": ticket.number}
        elif action in ACTIONS:
            result = ACTIONS[action](request.user, counter, request.POST)
            if action == "call" and result is None:
                error = _("当前没有等候的号")
            speak = action in ("call", "recall") and result is not None
            if action == "finish":
                finished = result
            if action == "skip":
                notice = _("%(n)s 号已过号") % {"n": result.number}
                if result.appointment_id:
                    notice += _(";该预约记为爽约(当天回来可重新排队)")
        else:
            return HttpResponseNotAllowed(["POST"])
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        error, status = error_text(exc), 400
    context = _counter_context(
        request, counter, speak=speak, error=error, finished=finished, notice=notice
    )
    if request.headers.get("HX-Request"):
        return render(request, "desk/_counter_panel.html", context, status=status)
    return render(request, "desk/counter.html", context, status=status)


# ----------------------------------------------------------------------------- waiting-room display


@login_required
def display(request):
    refused = _station_required(request)
    if refused:
        return refused
    state = selectors.display_state(request.user.station_id, timezone.localdate())
    return render(request, "desk/display.html", {"state": state, "station": request.user.station})


@login_required
def display_panel(request):
    refused = _station_required(request)
    if refused:
        return refused
    state = selectors.display_state(request.user.station_id, timezone.localdate())
    return render(request, "desk/_display_panel.html", {"state": state})


# ----------------------------------------------------------------------------- lists


@login_required
def appointment_list(request):
    qs = Appointment.objects.visible_to(request.user).select_related("service")
    f = {
        k: (request.GET.get(k) or "").strip()
        for k in ("q", "date", "service", "status", "from", "to")
    }
    if f["q"]:
        qs = qs.filter(Q(reference__iexact=f["q"]) | Q(phone__endswith=f["q"]) | Q(name=f["q"]))
    if f["date"]:
        day = _parse_day(f["date"], None)
        qs = qs.filter(date=day) if day else qs
    if f["from"] and _parse_day(f["from"], None):
        qs = qs.filter(date__gte=_parse_day(f["from"], None))
    if f["to"] and _parse_day(f["to"], None):
        qs = qs.filter(date__lte=_parse_day(f["to"], None))
    if f["service"].isdigit():
        qs = qs.filter(service_id=int(f["service"]))
    if f["status"] in AppointmentStatus.values:
        qs = qs.filter(status=f["status"])
    page = Paginator(qs.order_by("-date", "-pk"), 50).get_page(request.GET.get("page"))
    rows = [(a, mask_phone(a.phone)) for a in page]
    return render(
        request,
        "desk/appointments.html",
        {
            "page": page,
            "rows": rows,
            "f": f,
            "services": Service.objects.visible_to(request.user),
            "statuses": AppointmentStatus.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def ticket_list(request):
    qs = Ticket.objects.visible_to(request.user).select_related("service", "counter", "officer")
    day = _parse_day(request.GET.get("date"), timezone.localdate())
    qs = qs.filter(date=day)
    f = {k: (request.GET.get(k) or "").strip() for k in ("q", "service", "status", "counter")}
    if f["q"]:
        qs = qs.filter(Q(number__iexact=f["q"]) | Q(phone__endswith=f["q"]))
    if f["service"].isdigit():
        qs = qs.filter(service_id=int(f["service"]))
    if f["counter"].isdigit():
        qs = qs.filter(counter_id=int(f["counter"]))
    if f["status"] in TicketStatus.values:
        qs = qs.filter(status=f["status"])
    page = Paginator(qs.order_by("taken_at", "pk"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/tickets.html",
        {
            "page": page,
            "f": f,
            "day": day,
            "services": Service.objects.visible_to(request.user),
            "counters": Counter.objects.visible_to(request.user),
            "statuses": TicketStatus.choices,
        },
    )


@login_required
def figures(request):
    refused = _station_required(request)
    if refused:
        return refused
    today = timezone.localdate()
    end = _parse_day(request.GET.get("to"), today)
    start = _parse_day(request.GET.get("from"), end - dt.timedelta(days=29))
    if start > end:
        start, end = end, start
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    fig = selectors.figures(request.user.station_id, start, end)
    return render(request, "desk/figures.html", {"fig": fig, "chart": selectors.chart_data(fig)})


# ----------------------------------------------------------------------------- catalogue, counters, settings


@login_required
def service_list(request, pk=None):
    refused = _station_required(request)
    if refused:
        return refused
    station = request.user.station
    can_manage = services.can_manage(request.user, station.pk)
    instance = get_object_or_404(Service.objects.visible_to(request.user), pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=instance) if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            return forbidden(request, _("只有本所领导或系统管理员可以修改办理事项"))
        if form.is_valid():
            try:
                services.service_save(
                    actor=request.user, station=station, instance=instance, data=form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("已保存"))
                return redirect("desk:service_list")
        else:
            status = 400
    return render(
        request,
        "desk/services.html",
        {
            "services": Service.objects.visible_to(request.user),
            "form": form,
            "instance": instance,
            "can_manage": can_manage,
        },
        status=status,
    )


@login_required
def counter_list(request, pk=None):
    refused = _station_required(request)
    if refused:
        return refused
    station = request.user.station
    can_manage = services.can_manage(request.user, station.pk)
    instance = get_object_or_404(Counter.objects.visible_to(request.user), pk=pk) if pk else None
    form = (
        CounterForm(request.POST or None, instance=instance, station=station)
        if can_manage
        else None
    )
    status = 200
    if request.method == "POST":
        if not can_manage:
            return forbidden(request, _("只有本所领导或系统管理员可以修改窗口"))
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ("number", "name", "active")}
            data["services"] = list(form.cleaned_data["services"])
            try:
                services.counter_save(
                    actor=request.user, station=station, instance=instance, data=data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("已保存"))
                return redirect("desk:counter_list")
        else:
            status = 400
    return render(
        request,
        "desk/counters.html",
        {
            "counters": Counter.objects.visible_to(request.user)
            .prefetch_related("services")
            .select_related("officer"),
            "form": form,
            "instance": instance,
            "can_manage": can_manage,
        },
        status=status,
    )


@login_required
def settings_view(request):
    refused = _station_required(request)
    if refused:
        return refused
    config = services.config_for(request.user.station)
    can_manage = services.can_manage(request.user, config.station_id)
    form = ConfigForm(request.POST or None, instance=config)
    status = 200
    if request.method == "POST":
        if not can_manage:
            return forbidden(request, _("只有本所领导或系统管理员可以修改一门通办设置"))
        if form.is_valid():
            services.config_save(actor=request.user, config=config, data=form.cleaned_data)
            messages.success(request, _("已保存"))
            return redirect("desk:settings")
        status = 400
    sms = (
        ResidentSms.objects.filter(station_id=config.station_id).order_by("-pk")[:30]
        if can_manage
        else []
    )
    return render(
        request,
        "desk/settings.html",
        {
            "form": form,
            "can_manage": can_manage,
            "sms": [(s, mask_phone(s.phone)) for s in sms],
            "public_url": request.build_absolute_uri(
                reverse("desk_public:book", args=[request.user.station.code])
            ),
        },
        status=status,
    )
