"""节假日安排 in the interface: everyone reads a year's grid; administrators and the county bureau edit it.

The entries matter only for a year the installed `chinesecalendar` does not know yet; every write
goes through core/calendar_services.py (which also moves the due times of open clocks).
"""

from __future__ import annotations

import calendar as _pycalendar
import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao.core import calendar as cn_calendar
from fengqiao.core import calendar_services as services
from fengqiao.core import permissions
from fengqiao.core.workflow_models import CalendarDay

WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    day_off = forms.TypedChoiceField(
        label=gettext_lazy("安排"),
        choices=[("1", gettext_lazy("休(放假)")), ("0", gettext_lazy("班(调休上班的周末)"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=gettext_lazy("节日"), max_length=20)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


def _year(request) -> int | None:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if not raw:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        return None
    return year if cn_calendar.FIRST_YEAR <= year <= cn_calendar.LAST_YEAR else None


def _months(
    year: int, entries: dict[dt.date, CalendarDay], library: bool, today: dt.date
) -> list[dict]:
    grid = _pycalendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            days = []
            for day in week:
                if day.month != month:
                    days.append(None)
                    continue
                weekend = day.weekday() >= 5
                kind, name = ("weekend" if weekend else ""), ""
                if library:
                    off = cn_calendar.is_holiday(day)
                    holiday = cn_calendar.library_holiday_name(day)
                    if off and holiday:
                        kind, name = "holiday", holiday
                    elif not off and weekend:
                        kind, name = "workday", holiday or ""
                elif day in entries:
                    entry = entries[day]
                    kind, name = ("holiday" if entry.day_off else "workday"), entry.name
                days.append({"date": day, "kind": kind, "name": name, "today": day == today})
            weeks.append(days)
        months.append({"number": month, "first": dt.date(year, month, 1), "weeks": weeks})
    return months


def _page(request, year: int, *, status: int = 200, **extra):
    today = timezone.localdate()
    rows = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    info = services.year_status(year)
    context = {
        "year": year,
        "status": info,
        "rows": rows,
        "months": _months(year, {r.date: r for r in rows}, info["library"], today),
        "weekdays": WEEKDAYS,
        "can_manage": permissions.can_manage_calendar(request.user),
        "form": CalendarDayForm(initial={"day_off": "1"}),
        "text": "",
        "lines": None,
        "years": [year - 1, year + 1],
    }
    context.update(extra)
    return render(request, "core/calendar.html", context, status=status)


@login_required
def calendar_year(request):
    year = _year(request)
    if year is None:
        return HttpResponseBadRequest(_("年份应为 2000 至 2100 之间的整数"))
    return _page(request, year)


def _require_manager(request) -> None:
    if not permissions.can_manage_calendar(request.user):
        raise PermissionDenied(_("节假日安排对全部派出所生效,只有系统管理员可以修改"))


def _back(year: int):
    return redirect(f"{reverse('core:calendar')}?year={year}")


def _report(request, result) -> None:
    messages.success(request, result.summary())
    past = [c for c, _old, new in result.clocks if new <= timezone.now()]
    if past:
        messages.warning(
            request,
            _("其中 %(n)s 个时限按新安排已经到期,下次扫描时发出到期提醒") % {"n": len(past)},
        )


@login_required
@require_POST
def calendar_add(request):
    _require_manager(request)
    form = CalendarDayForm(request.POST)
    year = _year(request) or timezone.localdate().year
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.calendar_days_save(actor=request.user, entries=[data])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _report(request, result)
            return _back(data["date"].year)
        year = data["date"].year
    return _page(request, year, form=form, status=400)


@login_required
def calendar_edit(request, pk):
    _require_manager(request)
    day = get_object_or_404(CalendarDay, pk=pk)
    initial = {
        "date": day.date,
        "day_off": "1" if day.day_off else "0",
        "name": day.name,
        "note": day.note,
    }
    form = CalendarDayForm(request.POST if request.method == "POST" else None, initial=initial)
    form.fields[
        "date"
    ].disabled = True  # a different date is a different entry: delete this one, add that one
    if request.method == "POST" and form.is_valid():
        try:
            result = services.calendar_days_save(actor=request.user, entries=[form.cleaned_data])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _report(request, result)
            return _back(day.date.year)
    return render(request, "core/calendar_edit.html", {"form": form, "day": day})


@login_required
@require_POST
def calendar_delete(request, pk):
    _require_manager(request)
    day = get_object_or_404(CalendarDay, pk=pk)
    year = day.date.year
    result = services.calendar_day_delete(actor=request.user, day=day)
    _report(request, result)
    return _back(year)


@login_required
@require_POST
def calendar_import(request):
    """The pasted notice: 检查 (dry run, every line with its reason) or 保存 (all lines, or none)."""
    _require_manager(request)
    year = _year(request) or timezone.localdate().year
    text = request.POST.get("text", "")
    lines = services.calendar_import_preview(text)
    bad = [line for line in lines if line.error]
    if request.POST.get("action") == "save" and lines and not bad:
        try:
            _lines, result = services.calendar_text_save(actor=request.user, text=text)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            _report(request, result)
            first = next((line.date for line in lines if line.date), None)
            return _back(first.year if first else year)
    if request.POST.get("action") == "save":
        if bad:
            messages.error(
                request, _("有 %(n)s 行不正确,全部未保存,请改正后再保存") % {"n": len(bad)}
            )
        elif not lines:
            messages.error(request, _("没有可保存的日期"))
    return _page(request, year, text=text, lines=lines, status=400 if bad or not lines else 200)
