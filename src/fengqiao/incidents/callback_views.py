"""回访 pages: the callback queue, one callback with its form, rectifications, the 督察 list, the figures."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import LEADER_ROLES, has_role
from fengqiao.core.masking import mask_phone
from fengqiao.core.services import clocks_for
from fengqiao.core.web import error_text as _error_text
from fengqiao.core.web import forbidden as _forbidden
from fengqiao.incidents import conf, permissions, selectors, services
from fengqiao.incidents.choices import RectificationStatus
from fengqiao.incidents.forms import CallbackForm, RectificationForm
from fengqiao.incidents.models import Callback, Rectification

PAGE_SIZE = 50
SHOWS = ("", "due", "overdue", "mine")
INSPECTION_ROLES = frozenset({Role.INSPECTOR, Role.BUREAU}) | LEADER_ROLES


@login_required
def callback_list(request):
    now = timezone.now()
    show = request.GET.get("show", "")
    show = show if show in SHOWS else ""
    queryset = selectors.callback_queue(request.user, now, show=show)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for callback in page:
        callback.phone_masked = mask_phone(callback.phone)
        callback.overdue = callback.due_at <= now
    rectifications = (
        Rectification.objects.visible_to(request.user)
        .filter(status=RectificationStatus.OPEN)
        .select_related("incident", "unit")
        .order_by("due_at")[:50]
    )
    return render(
        request,
        "incidents/callbacks.html",
        {
            "page": page,
            "show": show,
            "rectifications": rectifications,
            "now": now,
            "can_call_back": permissions.can_call_back(request.user),
        },
    )


def _callback(request, pk):
    return get_object_or_404(
        Callback.objects.visible_to(request.user).select_related(
            "incident",
            "incident__category",
            "incident__category__parent",
            "unit",
            "officer",
            "assignee",
            "complaint_officer",
            "completed_by",
        ),
        pk=pk,
    )


def _callback_context(request, callback, form=None, **extra):
    context = {
        "callback": callback,
        "phone": mask_phone(callback.phone),
        "attempts": callback.attempt_log.select_related("by"),
        "clocks": clocks_for(callback),
        "can_call_back": permissions.can_call_back(request.user),
        "max_attempts": conf.max_attempts(),
        "form": form
        or CallbackForm(station=callback.station, initial={"seen_attempts": callback.attempts}),
        "rectification": Rectification.objects.filter(callback=callback).first(),
        "overdue": callback.status == "pending" and callback.due_at <= timezone.now(),
    }
    context.update(extra)
    return context


@login_required
def callback_detail(request, pk):
    callback = _callback(request, pk)
    if request.method != "POST":
        return render(
            request, "incidents/callback_detail.html", _callback_context(request, callback)
        )
    if not permissions.can_call_back(request.user):
        return _forbidden(request, _("只有值班民警、指挥室、所领导和辅警可以回访"))
    form = CallbackForm(request.POST, station=callback.station)
    error = ""
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.callback_record(
                actor=request.user,
                callback=callback,
                reached=d["reached"],
                rating=d["rating"],
                reason=d["reason"],
                note=d["note"],
                complaint_officer=d["complaint_officer"],
                seen_attempts=d["seen_attempts"],
            )
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except services.AlreadyRecorded as exc:
            messages.info(request, _error_text(exc))
            return redirect(callback)
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            callback.refresh_from_db()
            if callback.status == "pending":
                messages.info(request, _("已记录未接通(第%(n)s次)") % {"n": callback.attempts})
            else:
                messages.success(request, _("回访已登记"))
            return redirect(callback)
    else:
        error = _("请检查填写的内容")
    callback = _callback(request, pk)
    return render(
        request,
        "incidents/callback_detail.html",
        _callback_context(request, callback, form=form, error=error),
        status=400,
    )


@login_required
def rectification_detail(request, pk):
    rectification = get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related(
            "incident", "callback", "unit", "unit__leader", "closed_by"
        ),
        pk=pk,
    )
    # Bound on every POST, an empty one too (`request.POST or None` left it unbound: a 500).
    form = RectificationForm(request.POST if request.method == "POST" else None)
    error, status = "", 200
    if request.method == "POST":
        form.is_valid()
        try:
            services.rectification_close(
                actor=request.user,
                rectification=rectification,
                action=form.cleaned_data.get("action", ""),
            )
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            error, status = _error_text(exc), 400
        else:
            messages.success(request, _("整改已完成"))
            return redirect(rectification)
    return render(
        request,
        "incidents/rectification_detail.html",
        {
            "r": rectification,
            "form": form,
            "error": error,
            "clocks": clocks_for(rectification),
            "can_rectify": permissions.can_rectify(request.user, rectification),
        },
        status=status,
    )


@login_required
def inspection_list(request):
    """督察: callbacks with a complaint about an officer (inspectors, leaders and the bureau)."""
    if not has_role(request.user, INSPECTION_ROLES):
        return _forbidden(request, _("只有督察、所领导和县局可以查看投诉民警的回访"))
    queryset = (
        Callback.objects.visible_to(request.user)
        .filter(complaint_officer__isnull=False)
        .select_related("incident", "complaint_officer", "completed_by")
        .order_by("-completed_at")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incidents/inspection.html", {"page": page})


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _parse_date(text, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default


@login_required
def callback_figures(request):
    """Satisfaction by day, week, month, unit or officer, with a chart (ECharts, data via json_script)."""
    today = timezone.localdate()
    group = request.GET.get("group", "month")
    group = group if group in selectors.GROUPS else "month"
    default_from = {
        "day": today - dt.timedelta(days=30),
        "week": today - dt.timedelta(weeks=12),
    }.get(group, _month_start(today.replace(year=today.year - 1)))
    start_day = _parse_date(request.GET.get("from"), default_from)
    end_day = _parse_date(request.GET.get("to"), today)
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(start_day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    weight = conf.basic_weight()
    rows = selectors.satisfaction_rows(
        request.user, group=group, start=start, end=end, weight=weight
    )
    total = selectors.satisfaction_total(rows, weight)
    chart = {
        "labels": [r["label"] for r in rows],
        "rates": [r["rate"] for r in rows],
        "valid": [r["valid"] for r in rows],
        "rateName": _("满意率(%)"),
        "validName": _("有效回访"),
        "horizontal": group in ("unit", "officer"),
    }
    return render(
        request,
        "incidents/figures.html",
        {
            "rows": rows,
            "total": total,
            "group": group,
            "groups": [
                ("day", _("按日")),
                ("week", _("按周")),
                ("month", _("按月")),
                ("unit", _("按单位")),
                ("officer", _("按民警")),
            ],
            "from": start_day,
            "to": end_day,
            "weight": weight,
            "chart": chart,
        },
    )
