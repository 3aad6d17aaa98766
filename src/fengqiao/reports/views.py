"""Pages of part 9: the KPI dashboard and its drill-down, the evaluation ranking, the scheme editor,
station categories, the reports (request, progress, download) and the stations' Word templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from fengqiao.core.replica import replica_reads
from fengqiao.core.web import error_text, forbidden
from fengqiao.reports import permissions, selectors, services
from fengqiao.reports.choices import Level, ReportFormat, ReportKind
from fengqiao.reports.documents import TEMPLATE_FIELDS, default_template
from fengqiao.reports.forms import (
    CategoryForm,
    FigureFilterForm,
    IndicatorForm,
    ReportRequestForm,
    SchemeReviseForm,
    StationCategoryForm,
    TemplateUploadForm,
)
from fengqiao.reports.indicators import GROUPS, REGISTRY
from fengqiao.reports.models import (
    Indicator,
    Report,
    ReportTemplate,
    Scheme,
    StationCategory,
    StationProfile,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {
    ReportFormat.DOCX: DOCX,
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
}
GROUP_LABELS = {
    "station": gettext_lazy("派出所"),
    "unit": gettext_lazy("队室"),
    "officer": gettext_lazy("民警"),
    "community": gettext_lazy("社区/村"),
    "month": gettext_lazy("月份"),
}


def _filter(request):
    form = FigureFilterForm(request.GET or None, user=request.user)
    if not request.GET:
        form = FigureFilterForm({"period": "this_month"}, user=request.user)
    return form


def _chart_labels() -> dict:
    return {
        "rates": _("比率(%)"),
        "counts": _("件数"),
        "money": _("金额(元)"),
        "this_year": _("本年"),
        "last_year": _("去年同期"),
        "names": {k: str(f.name) for k, f in REGISTRY.items()},
    }


@login_required
@replica_reads  # heavy read: the replica when it is healthy (core/replica.py)
def dashboard(request):
    form = _filter(request)
    if not form.is_valid():
        return render(
            request,
            "reports/dashboard.html",
            {"form": form, "figures": [], "groups": GROUP_LABELS},
            status=400,
        )
    scope = form.scope()
    data = selectors.dashboard(scope)
    query = form.query()
    group = request.GET.get("by") or ("station" if form.multi_station else "unit")
    if group not in GROUP_LABELS or group == "month":
        group = "unit"
    key = request.GET.get("key") or "callback_satisfaction"
    if key not in REGISTRY:
        key = "callback_satisfaction"
    rows = selectors.breakdown(key, scope, group)
    drill = reverse("reports:drill", args=["__key__"])
    chart = {
        "series": data["series"],
        "labels": _chart_labels(),
        "drill": drill,
        "query": query,
        "breakdown": {
            "key": key,
            "group": group,
            "rows": [{"key": r["key"], "label": r["label"], "value": r["value"]} for r in rows],
        },
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "figures": data["figures"],
            "query": query,
            "chart": chart,
            "rows": rows,
            "group": group,
            "group_label": GROUP_LABELS[group],
            "key": key,
            "key_name": REGISTRY[key].name,
            "groups": GROUP_LABELS,
            "registry": REGISTRY,
            "extra_hidden": [("key", key), ("by", group)],
        },
    )


@login_required
@replica_reads  # heavy read: the replica when it is healthy (core/replica.py)
def drill(request, key):
    fn = REGISTRY.get(key)
    if fn is None:
        raise Http404
    form = _filter(request)
    if not form.is_valid():
        return render(
            request, "reports/drill.html", {"form": form, "fn": fn, "key": key}, status=400
        )
    scope = form.scope()
    total = fn(scope, "total").get(None)
    row = selectors.figure_row(key, scope, total)
    group = request.GET.get("by") or "month"
    if group not in fn.groups or group == "total":
        group = "month"
    rows = selectors.breakdown(key, scope, group)
    page = None
    columns = []
    if fn.drill is not None:
        d = fn.drill(scope)
        columns = [label for label, _f in d.columns]
        paginator = Paginator(d.queryset, 50)
        page = paginator.get_page(request.GET.get("page"))
        page.rows = [
            {"cells": [_cell(f(obj)) for _l, f in d.columns], "url": d.url(obj)}
            for obj in page.object_list
        ]
    groups = {g: GROUP_LABELS[g] for g in GROUPS if g in fn.groups and g != "total"}
    return render(
        request,
        "reports/drill.html",
        {
            "form": form,
            "fn": fn,
            "key": key,
            "row": row,
            "rows": rows,
            "group": group,
            "group_label": GROUP_LABELS.get(group, group),
            "groups": groups,
            "columns": columns,
            "page": page,
            "query": form.query(),
            "extra_hidden": [("by", group)],
        },
    )


def _cell(value):
    import datetime as dt

    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else value


@login_required
@replica_reads  # heavy read: the replica when it is healthy (core/replica.py)
def evaluation(request):
    form = _filter(request)
    level = request.GET.get("level") or ("station" if form.multi_station else "unit")
    if level not in Level.values:
        level = "unit"
    if not form.is_valid():
        return render(
            request,
            "reports/evaluation.html",
            {"form": form, "level": level, "levels": Level.choices},
            status=400,
        )
    ev = selectors.evaluation(form.scope(), level)
    return render(
        request,
        "reports/evaluation.html",
        {
            "form": form,
            "level": level,
            "levels": Level.choices,
            "ev": ev,
            "query": form.query(),
            "extra_hidden": [("level", level)],
        },
    )


# ---------------------------------------------------------------- scheme


@login_required
def scheme_list(request):
    today = timezone.localdate()
    current = selectors.scheme_in_force(today)
    schemes = Scheme.objects.select_related("created_by").order_by("-effective_from")
    return render(
        request,
        "reports/scheme_list.html",
        {
            "schemes": schemes,
            "current": current,
            "today": today,
            "can_manage": permissions.can_manage_scheme(request.user),
        },
    )


def _tree(scheme):
    rows = list(scheme.indicators.select_related("parent").order_by("sort", "pk"))
    kids: dict = {}
    for r in rows:
        kids.setdefault(r.parent_id, []).append(r)
    out = []

    def visit(pid, depth):
        for r in kids.get(pid, []):
            r.depth = depth
            r.formula_name = REGISTRY[r.formula].name if r.formula in REGISTRY else r.formula
            r.unit = REGISTRY[r.formula].unit if r.formula in REGISTRY else ""
            out.append(r)
            visit(r.pk, depth + 1)

    visit(None, 0)
    return out


@login_required
@require_safe
def scheme_detail(request, pk):
    scheme = get_object_or_404(Scheme, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "reports/scheme_detail.html",
        {
            "scheme": scheme,
            "tree": _tree(scheme),
            "editable": scheme.editable_on(today),
            "can_manage": permissions.can_manage_scheme(request.user),
            "registry": REGISTRY,
            "versions": Scheme.objects.order_by("-effective_from"),
        },
    )


@login_required
def scheme_revise(request, pk):
    scheme = get_object_or_404(Scheme, pk=pk)
    if not permissions.can_manage_scheme(request.user):
        return forbidden(request, _("考核方案对全部派出所生效,只有系统管理员可以修订"))
    form = SchemeReviseForm(
        request.POST or None,
        initial={
            "name": scheme.name,
            "basis": scheme.basis,
            "effective_from": timezone.localdate() + timezone.timedelta(days=1),
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = services.scheme_revise(actor=request.user, scheme=scheme, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("已生成新版本,自%(d)s起生效;生效前可修改指标")
                    % {"d": f"{new.effective_from:%Y-%m-%d}"},
                )
                return redirect(new)
        status = 400
    return render(
        request, "reports/scheme_revise.html", {"scheme": scheme, "form": form}, status=status
    )


@login_required
def indicator_edit(request, pk, ipk=None):
    scheme = get_object_or_404(Scheme, pk=pk)
    indicator = get_object_or_404(Indicator, pk=ipk, scheme=scheme) if ipk else None
    if not permissions.can_manage_scheme(request.user):
        return forbidden(request, _("考核指标对全部派出所生效,只有系统管理员可以修改"))
    if not scheme.editable_on(timezone.localdate()):
        return forbidden(request, _("该版本已生效,不能再修改;请“修订”生成新版本"))
    form = IndicatorForm(request.POST or None, instance=indicator, scheme=scheme)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.indicator_save(
                    actor=request.user, scheme=scheme, indicator=indicator, data=form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("已保存"))
                return redirect(scheme)
        status = 400
    return render(
        request,
        "reports/indicator_form.html",
        {"scheme": scheme, "indicator": indicator, "form": form, "registry": REGISTRY},
        status=status,
    )


@login_required
@require_POST
def indicator_delete(request, pk, ipk):
    indicator = get_object_or_404(Indicator, pk=ipk, scheme_id=pk)
    try:
        services.indicator_delete(actor=request.user, indicator=indicator)
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已删除"))
    return redirect(indicator.scheme)


@login_required
def categories(request):
    can = permissions.can_manage_scheme(request.user)  # the category table: administrators
    can_assign = permissions.can_assign_station_category(request.user)  # + a bureau, its stations
    cat_form = CategoryForm(
        request.POST if request.POST.get("form") == "category" else None, prefix="c"
    )
    set_form = StationCategoryForm(
        request.POST if request.POST.get("form") == "station" else None,
        user=request.user,
        prefix="s",
    )
    status = 200
    if request.method == "POST":
        form = cat_form if request.POST.get("form") == "category" else set_form
        if not (can if form is cat_form else can_assign):
            return forbidden(request, _("只有县局或系统管理员可以设置派出所类别"))
        if form.is_valid():
            try:
                if form is cat_form:
                    services.category_save(
                        actor=request.user, category=None, data=form.cleaned_data
                    )
                else:
                    services.station_category_set(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
            else:
                messages.success(request, _("已保存"))
                return redirect("reports:categories")
        status = 400
    from fengqiao.accounts.models import Station

    profiles = {p.station_id: p.category for p in StationProfile.objects.select_related("category")}
    stations = [
        (s, profiles.get(s.pk))
        for s in Station.objects.filter(
            pk__in=selectors.visible_station_ids(request.user)
        ).order_by("name")
    ]
    return render(
        request,
        "reports/categories.html",
        {
            "categories": StationCategory.objects.all(),
            "stations": stations,
            "cat_form": cat_form,
            "set_form": set_form,
            "can_manage": can,
            "can_assign": can_assign,
        },
        status=status,
    )


# ---------------------------------------------------------------- reports


@login_required
def report_list(request):
    reports = Report.objects.visible_to(request.user).select_related("station", "generated_by")
    kind = request.GET.get("kind")
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    can = permissions.can_use_reports(request.user)
    form = ReportRequestForm(
        request.POST or None,
        user=request.user,
        initial={"kind": ReportKind.MONTHLY, "day": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if not can:
            return forbidden(request, _("您无权生成报表"))
        if form.is_valid():
            try:
                report = services.report_request(
                    actor=request.user,
                    station=form.cleaned_data["station"],
                    kind=form.cleaned_data["kind"],
                    day=form.cleaned_data["day"],
                )
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
            else:
                return redirect(report)
        status = 400
    page = Paginator(reports, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/report_list.html",
        {"page": page, "form": form, "can_use": can, "kind": kind, "kinds": ReportKind.choices},
        status=status,
    )


def _report(request, pk) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("station", "generated_by"), pk=pk
    )


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    downloads = report.downloads.all()[:20] if permissions.can_use_reports(request.user) else []
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "can_use": permissions.can_use_reports(request.user),
            "downloads": downloads,
            "formats": ReportFormat.choices,
        },
    )


@login_required
def report_status(request, pk):
    """The progress fragment the report page polls every second while the files are written."""
    report = _report(request, pk)
    response = render(request, "reports/_status.html", {"report": report})
    if not report.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def report_download(request, pk, fmt):
    report = _report(request, pk)
    if fmt not in ReportFormat.values:
        raise Http404
    try:
        f = services.report_download(actor=request.user, report=report, fmt=fmt)
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(report)
    try:
        handle = f.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{report.title}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


# ---------------------------------------------------------------- templates


@login_required
def templates(request):
    station = request.user.station
    can = permissions.can_upload_template(request.user) and station is not None
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not can:
            return forbidden(request, _("只有所领导可以更换本所的报表模板"))
        if request.POST.get("revert") in ReportKind.values:
            services.template_revert(
                actor=request.user, station=station, kind=request.POST["revert"]
            )
            messages.success(request, _("已改用系统默认模板"))
            return redirect("reports:templates")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                t = services.template_upload(
                    actor=request.user,
                    station=station,
                    kind=form.cleaned_data["kind"],
                    content=upload.read(),
                    filename=upload.name,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error("file", error_text(exc))
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
            else:
                messages.success(request, _("已启用新模板(第%(v)s版)") % {"v": t.version})
                return redirect("reports:templates")
        status = 400
    versions = ReportTemplate.objects.visible_to(request.user).select_related(
        "uploaded_by", "station"
    )
    in_use = {k: services.template_for(station, k) for k in ReportKind.values} if station else {}
    return render(
        request,
        "reports/templates.html",
        {
            "form": form,
            "versions": versions,
            "in_use": [(k, label, in_use.get(k)) for k, label in ReportKind.choices],
            "can_upload": can,
            "fields": TEMPLATE_FIELDS,
        },
        status=status,
    )


@login_required
def template_default(request, kind):
    if kind not in ReportKind.values:
        raise Http404
    response = HttpResponse(default_template(kind), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="default-{kind}.docx"'
    return response


@login_required
def template_download(request, pk):
    t = get_object_or_404(ReportTemplate.objects.visible_to(request.user), pk=pk)
    try:
        handle = t.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=t.filename or f"{t.kind}-v{t.version}.docx",
        content_type=DOCX,
    )
