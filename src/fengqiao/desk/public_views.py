"""The only pages of Fengqiao open without a login: residents book, cancel and rate (under /public/desk/).

Kept narrow: the station's catalogue and days, the resident's own booking once their phone is
verified by an SMS code, and a rating form for a finished number. No one else's data is ever shown;
CSRF is on, the strict CSP of every page applies, each POST is rate-limited per address, codes are
rate-limited per phone and address, and every answer is `no-store`.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fengqiao.accounts.models import Station
from fengqiao.core.clientaddr import client_ip
from fengqiao.core.masking import mask_name, mask_phone
from fengqiao.core.web import error_text
from fengqiao.desk import services
from fengqiao.desk.forms import BookingForm, CancelForm, CodeForm, RatingForm
from fengqiao.desk.models import Appointment, Service, Ticket

SESSION_KEY = "desk_booking"


def public(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _station(code: str) -> Station:
    station = Station.objects.filter(code=code).first()
    if (
        station is None
        or not Service.objects.filter(station=station, active=True, bookable=True).exists()
    ):
        raise Http404
    return station


@public
@require_http_methods(["GET"])
def index(request):
    stations = list(
        Station.objects.filter(
            pk__in=Service.objects.filter(active=True, bookable=True).values("station_id")
        ).order_by("name")
    )
    if len(stations) == 1:
        return redirect("desk_public:book", stations[0].code)
    return render(request, "desk/public/index.html", {"stations": stations})


def _refuse(request, template, context, exc, status=400):
    form = context.get("form")
    if form is not None and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        context["error"] = error_text(exc)
    return render(request, template, context, status=status)


@public
@require_http_methods(["GET", "POST"])
def book(request, code):
    station = _station(code)
    days = services.bookable_days(station)
    catalogue = list(
        Service.objects.filter(station=station, active=True).order_by("sort", "prefix")
    )
    form = BookingForm(
        request.POST or None,
        station=station,
        days=days,
        initial={"service": request.GET.get("service")},
    )
    places = {
        str(s.pk): {d.isoformat(): n for d, n in services.day_availability(s, days).items()}
        for s in catalogue
        if s.bookable
    }
    context = {
        "station": station,
        "catalogue": catalogue,
        "form": form,
        "days": days,
        "places": places,
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "desk/public/book.html", context, status=400)
        data = form.cleaned_data
        try:
            services.public_throttle(ip=client_ip(request), action="book")
            services.booking_check(
                service=data["service"], date=data["date"], phone=data["phone"], private=False
            )
            verification = services.verification_send(
                phone=data["phone"], ip=client_ip(request), station_id=station.pk
            )
        except services.DayFull as exc:
            context["next_free"] = exc.next_free
            return _refuse(request, "desk/public/book.html", context, exc)
        except ValidationError as exc:
            status = 429 if getattr(exc, "code", None) == "throttled" else 400
            return _refuse(request, "desk/public/book.html", context, exc, status=status)
        request.session[SESSION_KEY] = {
            "station": station.pk,
            "service": data["service"].pk,
            "date": data["date"].isoformat(),
            "name": data["name"],
            "phone": data["phone"],
            "verification": verification.pk,
        }
        return redirect("desk_public:verify", station.code)
    return render(request, "desk/public/book.html", context)


def _pending(request, station):
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("station") != station.pk:
        return None
    return pending


@public
@require_http_methods(["GET", "POST"])
def verify(request, code):
    station = _station(code)
    pending = _pending(request, station)
    if pending is None:
        return redirect("desk_public:book", station.code)
    service = get_object_or_404(Service, pk=pending["service"], station=station)
    date = dt.date.fromisoformat(pending["date"])
    form = CodeForm(request.POST or None) if request.POST.get("action") != "resend" else CodeForm()
    context = {
        "station": station,
        "service": service,
        "date": date,
        "phone": mask_phone(pending["phone"]),
        "form": form,
    }
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                verification = services.verification_send(
                    phone=pending["phone"], ip=client_ip(request), station_id=station.pk
                )
            except ValidationError as exc:
                status = 429 if getattr(exc, "code", None) == "throttled" else 400
                return _refuse(request, "desk/public/verify.html", context, exc, status=status)
            pending["verification"] = verification.pk
            request.session[SESSION_KEY] = pending
            context["resent"] = True
            return render(request, "desk/public/verify.html", context)
        if not form.is_valid():
            return render(request, "desk/public/verify.html", context, status=400)
        try:
            services.public_throttle(ip=client_ip(request), action="verify")
            verification = services.verification_check(
                verification_id=pending["verification"],
                phone=pending["phone"],
                code=form.cleaned_data["code"],
            )
            appointment, cancel_code = services.appointment_book(
                service=service,
                date=date,
                name=pending["name"],
                phone=pending["phone"],
                verification=verification,
                ip=client_ip(request),
            )
        except services.AlreadyBooked as exc:
            request.session.pop(SESSION_KEY, None)
            existing = exc.appointment
            return render(
                request,
                "desk/public/existing.html",
                {"station": station, "appointment": existing, "error": error_text(exc)},
                status=409,
            )
        except services.DayFull as exc:
            context["next_free"] = exc.next_free
            return _refuse(request, "desk/public/verify.html", context, exc)
        except ValidationError as exc:
            status = 429 if getattr(exc, "code", None) == "throttled" else 400
            return _refuse(request, "desk/public/verify.html", context, exc, status=status)
        request.session.pop(SESSION_KEY, None)
        request.session["desk_done"] = {"appointment": appointment.pk, "cancel_code": cancel_code}
        return redirect("desk_public:done", station.code)
    return render(request, "desk/public/verify.html", context)


@public
@require_http_methods(["GET"])
def done(request, code):
    station = _station(code)
    info = request.session.pop("desk_done", None)
    if not info:
        return redirect("desk_public:book", station.code)
    appointment = get_object_or_404(
        Appointment.objects.select_related("service"), pk=info["appointment"], station=station
    )
    return render(
        request,
        "desk/public/done.html",
        {
            "station": station,
            "appointment": appointment,
            "cancel_code": info["cancel_code"],
            "name": mask_name(appointment.name),
            "phone": mask_phone(appointment.phone),
        },
    )


@public
@require_http_methods(["GET", "POST"])
def cancel(request, code):
    station = _station(code)
    form = CancelForm(request.POST or None)
    context = {"station": station, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "desk/public/cancel.html", context, status=400)
        try:
            services.public_throttle(ip=client_ip(request), action="cancel")
            appointment = services.appointment_cancel_by_resident(**form.cleaned_data)
        except ValidationError as exc:
            status = 429 if getattr(exc, "code", None) == "throttled" else 400
            return _refuse(request, "desk/public/cancel.html", context, exc, status=status)
        if appointment.station_id != station.pk:
            raise Http404
        context.update({"cancelled": appointment, "form": CancelForm()})
    return render(request, "desk/public/cancel.html", context)


@public
@require_http_methods(["GET", "POST"])
def rate(request, token):
    ticket = (
        Ticket.objects.filter(rating_token=token).select_related("service", "counter").first()
        if token
        else None
    )
    if ticket is None:
        return render(request, "desk/public/rate.html", {"error": _("评价链接无效")}, status=404)
    form = RatingForm(request.POST or None)
    context = {"ticket": ticket, "form": form, "rated": hasattr(ticket, "rating") and ticket.rating}
    if request.method == "POST" and not context["rated"]:
        if not form.is_valid():
            return render(request, "desk/public/rate.html", context, status=400)
        try:
            services.public_throttle(ip=client_ip(request), action="rate")
            context["rated"] = services.rating_submit(token=token, **form.cleaned_data)
            context["thanks"] = True
        except ValidationError as exc:
            return _refuse(request, "desk/public/rate.html", context, exc)
    return render(request, "desk/public/rate.html", context)
