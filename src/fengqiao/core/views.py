import datetime as dt

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.models import Station
from fengqiao.accounts.roles import AUDIT_ROLES, BUREAU_ROLES, has_role
from fengqiao.core import permissions
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.history import (
    object_label,
    place_search_refused,
    shown_repr,
    type_label,
    with_rows,
)
from fengqiao.core.models import ChangeAction, ObjectChange, PersonalDataAccess
from fengqiao.core.navigation import PARTS, part_by_key, part_url


@login_required
def home(request):
    from fengqiao.command import today
    from fengqiao.core import calendar_services

    now = timezone.now()
    missing = (
        calendar_services.missing_years() if permissions.can_manage_calendar(request.user) else []
    )
    sections = today.sections_for(request.user, now)  # what needs this person today, by role
    return render(
        request,
        "core/home.html",
        {
            "parts": PARTS,
            "work_items": sections["today"],
            "tiles": sections["tiles"],
            "later": sections["later"],
            "later_items": sections["later_items"],
            "now": now,
            "calendar_missing": missing,
        },
    )


@login_required
def part_pending(request, key):
    """A part's own page when it is built (all ten are: old links and bookmarks still land), else
    the clear 建设中 page."""
    part = part_by_key(key)
    if part is None:
        raise Http404(_("没有这个模块"))
    url = part_url(part)
    if url != request.path:
        return redirect(url)
    return render(request, "core/pending.html", {"part": part})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def audit_station_ids(user) -> list[int] | None:
    """Stations whose change log the user may read; None means every station (superuser)."""
    if user.is_superuser:
        return None
    if user.role in BUREAU_ROLES and user.bureau_id:
        return list(Station.objects.filter(bureau_id=user.bureau_id).values_list("id", flat=True))
    return [user.station_id] if user.station_id else []


def _logged_types():
    from django.apps import apps

    models = [m for m in apps.get_models() if issubclass(m, ChangeLogged)]
    types = ContentType.objects.get_for_models(*models)
    return sorted(
        ((ct.pk, str(model._meta.verbose_name)) for model, ct in types.items()), key=lambda t: t[1]
    )


_URL_NAMES = {("registry", "liaisonpoint"): "registry:liaison_point_detail"}


def _detail_url(content_type, object_id) -> str:
    if not object_id:  # a search that found nobody, or was refused (registry/number_search.py)
        return ""
    name = _URL_NAMES.get(
        (content_type.app_label, content_type.model),
        f"{content_type.app_label}:{content_type.model}_detail",
    )
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return ""


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@login_required
def changelog(request):
    """The auditor's search of the change log and of personal-data views, within their station(s)."""
    user = request.user
    if not has_role(user, AUDIT_ROLES):
        raise PermissionDenied(_("只有审计员和所领导可以查看变更记录"))
    tab = "access" if request.GET.get("tab") == "access" else "changes"
    stations = audit_station_ids(user)
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("user", "type", "action", "date_from", "date_to", "request_id", "text")
    }
    errors = []
    date_from, date_to = _parse_date(params["date_from"]), _parse_date(params["date_to"])
    if params["date_from"] and date_from is None or params["date_to"] and date_to is None:
        errors.append(_("日期格式应为 年-月-日,如 2026-05-01"))
    if date_from and date_to and date_to < date_from:
        errors.append(_("结束日期不能早于开始日期"))

    model = PersonalDataAccess if tab == "access" else ObjectChange
    rows = model.objects.all()
    if stations is not None:
        rows = rows.filter(station_id__in=stations)
    if params["user"]:
        rows = rows.filter(Q(user_name__contains=params["user"]) | Q(user__username=params["user"]))
    if params["type"].isdigit():
        rows = rows.filter(content_type_id=int(params["type"]))
    if tab == "changes" and params["action"] in ChangeAction.values:
        rows = rows.filter(action=params["action"])
    if date_from:
        rows = rows.filter(time__gte=_day_start(date_from))
    if date_to:
        rows = rows.filter(time__lt=_day_start(date_to + dt.timedelta(days=1)))
    if params["request_id"]:
        rows = rows.filter(request_id=params["request_id"])
    if params["text"]:
        text_q = Q(object_repr__contains=params["text"])
        if place_search_refused(user, params["text"]):  # would confirm a door not shown
            text_q &= ~Q(
                content_type__app_label="registry", content_type__model__in=["address", "house"]
            )
        if tab == "access":
            text_q |= Q(purpose__contains=params["text"])
        rows = rows.filter(text_q)
    rows = rows.select_related("content_type").order_by("-time", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    if tab == "changes":
        page.object_list = with_rows(page.object_list)
    for row in page.object_list:
        row.url = _detail_url(row.content_type, row.object_id)
        row.type_label = type_label(row.content_type)
        row.object_repr = shown_repr(user, row.content_type, object_label(row))
    return render(
        request,
        "core/changelog.html",
        {
            "tab": tab,
            "page": page,
            "params": params,
            "errors": errors,
            "types": _logged_types(),
            "actions": ChangeAction.choices,
        },
    )


@login_required
def map_tile(request, z, x, y):
    """One tile of the offline base map (core/tiles.py); the browser keeps it a day."""
    from django.http import HttpResponse

    from fengqiao.core import tiles

    try:
        data = tiles.tile(z, x, y)
    except ValueError:
        raise Http404 from None
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response
