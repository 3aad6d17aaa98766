"""反诈 pages: warnings (list, entry, detail with attempts and outcome, import, feedback export), figures,
fraud cases, fraud types, publicity (activities with a map, content items)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.models import User
from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, UNMASKED_EXPORT_ROLES, has_role
from fengqiao.antifraud import figures as figures_module
from fengqiao.antifraud import importing, permissions, services
from fengqiao.antifraud.choices import (
    FOUR_CHECKS,
    THREE_QUESTIONS,
    Outcome,
    RiskLevel,
    WarningStatus,
)
from fengqiao.antifraud.filters import filter_warnings
from fengqiao.antifraud.forms import (
    ActivityForm,
    AssignForm,
    AttemptForm,
    ContentForm,
    ContentUpdateForm,
    FraudCaseForm,
    FraudTypeForm,
    ImportForm,
    OutcomeForm,
    WarningForm,
)
from fengqiao.antifraud.models import (
    FraudCase,
    FraudType,
    PublicityActivity,
    PublicityContent,
    Warning,
    WarningImport,
)
from fengqiao.antifraud.selectors import overdue_q
from fengqiao.core import geo
from fengqiao.core.history import timeline_for
from fengqiao.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from fengqiao.core.replica import replica_reads
from fengqiao.core.services import clocks_for
from fengqiao.core.web import editable_table
from fengqiao.core.web import error_text as _error_text
from fengqiao.core.web import forbidden as _forbidden
from fengqiao.exchange.choices import ExportKind
from fengqiao.exchange.exports import record_export
from fengqiao.registry.models import Community

PAGE_SIZE = 50


# ----------------------------------------------------------------------------- warnings


def _list_queryset(request):
    queryset = Warning.objects.visible_to(request.user).select_related(
        "fraud_type", "community", "officer"
    )
    return filter_warnings(queryset, request.GET, user=request.user)


@login_required
def warning_list(request):
    queryset = _list_queryset(request)
    if request.GET.get("export") == "xlsx":
        return _export(request, queryset)
    now = timezone.now()
    page = Paginator(queryset.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    overdue = set(
        Warning.objects.filter(pk__in=[w.pk for w in page])
        .filter(overdue_q(now))
        .values_list("pk", flat=True)
    )
    for w in page:
        w.phone_masked = mask_phone(w.phone)
        w.overdue = w.pk in overdue
    params = request.GET.copy()
    params.pop("page", None)
    params["export"] = "xlsx"
    return render(
        request,
        "antifraud/list.html",
        {
            "page": page,
            "levels": RiskLevel.choices,
            "statuses": WarningStatus.choices,
            "communities": Community.objects.visible_to(request.user).order_by("name"),
            "officers": User.objects.filter(
                station_id=request.user.station_id, is_active=True
            ).order_by("full_name"),
            "f": request.GET,
            "export_query": params.urlencode(),
            "can_create": permissions.can_enter(request.user),
            "can_import": permissions.can_import(request.user),
        },
    )


EXPORT_HEADERS = [
    "预警编号",
    "中心指令编号",
    "接收时间",
    "姓名",
    "手机号",
    "身份证号",
    "风险等级",
    "诈骗类型",
    "社区/村",
    "责任民警",
    "指派时间",
    "联系期限",
    "首次联系时间",
    "按时联系",
    "劝阻次数",
    "劝阻方式",
    "状态",
    "处置结果",
    "避免损失(元)",
    "损失金额(元)",
    "办结时间",
    "合并到",
]


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


@replica_reads  # the rows of an export may be a few seconds old
def _export(request, queryset):
    """Feedback to the county centre: each warning's handling and outcome (masked unless the role may export)."""
    from fengqiao.core.exports import workbook as new_workbook

    masked = not has_role(request.user, UNMASKED_EXPORT_ROLES)
    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet("预警处置反馈")
    sheet.append(EXPORT_HEADERS)
    queryset = queryset.select_related("merged_into", "fraud_case").prefetch_related("attempts")
    exported = []
    for w in queryset.order_by("-received_at", "-pk").iterator(chunk_size=2000):
        exported.append((w.pk, w.station_id, w.reference))
        attempts = list(w.attempts.all())
        on_time = (
            ""
            if w.first_contact_at is None or w.contact_due_at is None
            else ("是" if w.first_contact_at <= w.contact_due_at else "否")
        )
        case = getattr(w, "fraud_case", None)
        sheet.append(
            [
                w.reference,
                w.external_id,
                _local(w.received_at),
                mask_name(w.name) if masked else w.name,
                mask_phone(w.phone) if masked else w.phone,
                mask_id_number(w.id_number) if masked else w.id_number,
                w.get_risk_level_display(),
                str(w.fraud_type),
                w.community.name if w.community_id else "",
                w.officer.display_name if w.officer_id else "",
                _local(w.assigned_at),
                _local(w.contact_due_at),
                _local(w.first_contact_at),
                on_time,
                len(attempts),
                "、".join(dict.fromkeys(a.get_method_display() for a in attempts)),
                w.get_status_display(),
                w.get_outcome_display(),
                float(w.amount_protected),
                float(case.loss) if case else None,
                _local(w.outcome_at),
                w.merged_into.reference if w.merged_into_id else "",
            ]
        )
    # recorded like every export: who, filter, rows, masked; each warning's data when unmasked
    record_export(
        actor=request.user,
        kind=ExportKind.FRAUD_WARNINGS,
        model=Warning,
        title="反诈预警处置反馈",
        query=request.GET.urlencode(),
        exported=exported,
        masked=masked,
        personal=["name", "phone", "id_number"],
    )
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"反诈预警处置反馈_{timezone.localtime():%Y%m%d_%H%M}.xlsx",
    )


@login_required
def warning_create(request):
    user = request.user
    if not permissions.can_enter(user):
        return _forbidden(request, _("您的角色无权录入预警指令"))
    form = WarningForm(
        request.POST or None,
        initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                warning = services.warning_receive(
                    actor=user, station=user.station, source="manual", **d
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
                status = 400
            else:
                messages.success(request, _("已录入预警:%(ref)s") % {"ref": warning.reference})
                return redirect(warning)
        else:
            status = 400
    return render(
        request, "antifraud/form.html", {"form": form, "title": _("录入预警指令")}, status=status
    )


def _detail(request, pk):
    return get_object_or_404(
        Warning.objects.visible_to(request.user).select_related(
            "fraud_type", "community", "officer", "person", "merged_into", "station", "created_by"
        ),
        pk=pk,
    )


def _detail_context(request, warning, **extra):
    can_act = Warning.objects.editable_by(request.user).filter(pk=warning.pk).exists()
    checks = dict(FOUR_CHECKS + THREE_QUESTIONS)
    attempts = list(warning.attempts.select_related("officer"))
    for a in attempts:
        a.check_labels = [checks[k] for k in a.checklist if k in checks]
    context = {
        "warning": warning,
        "phone": mask_phone(warning.phone),
        "id_number": mask_id_number(warning.id_number),
        "address": mask_address(warning.address_text),
        "can_act": can_act and warning.is_open,
        "can_reveal": can_act and has_role(request.user, FULL_PERSONAL_DATA_ROLES),
        "can_assign": permissions.can_assign(request.user) and warning.is_open,
        "attempts": attempts,
        "events": warning.events.select_related("actor"),
        "duplicates": warning.duplicates.all(),
        "changes": timeline_for(warning),
        "clocks": clocks_for(warning),
        "overdue": Warning.objects.filter(pk=warning.pk).filter(overdue_q(timezone.now())).exists(),
        "fraud_case": FraudCase.objects.filter(warning=warning).select_related("incident").first(),
        "attempt_form": AttemptForm(initial={"method": "phone"}),
        "outcome_form": OutcomeForm(),
        "assign_form": AssignForm(station=warning.station),
        "four_checks": FOUR_CHECKS,
        "three_questions": THREE_QUESTIONS,
    }
    context.update(extra)
    return context


@login_required
def warning_detail(request, pk):
    warning = _detail(request, pk)
    return render(request, "antifraud/detail.html", _detail_context(request, warning))


def _reveal(request, warning):
    services.warning_contact_reveal(actor=request.user, warning=warning, channel="web")
    return render(
        request,
        "antifraud/detail.html",
        _detail_context(
            request,
            warning,
            phone=warning.phone,
            id_number=warning.id_number,
            address=warning.address_text,
            revealed=True,
        ),
    )


@login_required
def warning_action(request, pk, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    warning = _detail(request, pk)
    user, post = request.user, request.POST
    extra = {}
    try:
        if action == "reveal":
            return _reveal(request, warning)
        if action == "attempt":
            form = AttemptForm(post)
            extra["attempt_form"] = form
            if not form.is_valid():
                raise ValidationError(_("请填写劝阻方式和情况"))
            d = form.cleaned_data
            services.attempt_record(
                actor=user,
                warning=warning,
                method=d["method"],
                at=d["at"],
                reached=d["reached"],
                result=d["result"],
                checklist={k: True for k in d["checks"]},
            )
            messages.success(request, _("已记录劝阻"))
        elif action == "outcome":
            form = OutcomeForm(post)
            extra["outcome_form"] = form
            if not form.is_valid():
                raise ValidationError(_("请选择处置结果"))
            d = form.cleaned_data
            services.warning_close(
                actor=user,
                warning=warning,
                outcome=d["outcome"],
                note=d["note"],
                amount_protected=d["amount_protected"],
                loss=d["loss"],
            )
            if d["outcome"] == Outcome.DEFRAUDED:
                messages.warning(
                    request, _("已办结:已被骗,已登记诈骗案件并生成诈骗警情,请案件办理队受案立案")
                )
            else:
                messages.success(request, _("已办结"))
        elif action == "assign":
            form = AssignForm(post, station=warning.station)
            if not form.is_valid():
                raise ValidationError(_("请选择责任民警"))
            services.warning_assign(
                actor=user, warning=warning, officer=form.cleaned_data["officer"]
            )
            messages.success(request, _("已分派"))
        else:
            return _forbidden(request, _("未知操作"))
    except PermissionDenied:
        return _forbidden(request, _("无权处置该预警"))
    except ValidationError as exc:
        warning = _detail(request, pk)
        context = _detail_context(request, warning, error=_error_text(exc))
        context.update(extra)
        return render(request, "antifraud/detail.html", context, status=400)
    return redirect(warning)


@login_required
def my_queue(request):
    """我的预警: the open warnings assigned to me, the soonest deadline first."""
    warnings = (
        Warning.objects.visible_to(request.user)
        .open()
        .filter(officer=request.user)
        .select_related("fraud_type", "community")
        .order_by("contact_due_at", "received_at")
    )
    now = timezone.now()
    rows = list(warnings[:200])
    for w in rows:
        w.phone_masked = mask_phone(w.phone)
        w.overdue = (
            w.first_contact_at is None and w.contact_due_at is not None and w.contact_due_at <= now
        )
    return render(request, "antifraud/mine.html", {"rows": rows})


# ----------------------------------------------------------------------------- import


@login_required
def import_upload(request):
    user = request.user
    if not permissions.can_import(user):
        return _forbidden(request, _("您的角色无权导入预警指令"))
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = importing.import_upload(actor=user, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                form.add_error("file", _error_text(exc))
                status = 400
            else:
                return redirect("antifraud:import_detail", pk=job.pk)
        else:
            status = 400
    jobs = WarningImport.objects.filter(station_id=user.station_id).select_related("user")[:20]
    return render(request, "antifraud/import.html", {"form": form, "jobs": jobs}, status=status)


@login_required
def import_detail(request, pk):
    job = get_object_or_404(WarningImport.objects.filter(station_id=request.user.station_id), pk=pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            job = importing.import_commit(
                actor=request.user, job=job, valid_only=request.POST.get("mode") == "valid_only"
            )
        except PermissionDenied:
            return _forbidden(request, _("您无权导入该文件"))
        except ValidationError as exc:
            error, status = _error_text(exc), 400
            job.refresh_from_db()
        else:
            messages.success(request, job.summary)
            return redirect("antifraud:import_detail", pk=job.pk)
    return render(
        request,
        "antifraud/import_detail.html",
        {"job": job, "errors": job.errors[:500], "error": error},
        status=status,
    )


@login_required
def import_template(request):
    response = HttpResponse(
        importing.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E9%A2%84%E8%AD%A6%E6%8C%87%E4%BB%A4%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# ----------------------------------------------------------------------------- figures


@login_required
def figures(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2015), today.year)
    data = figures_module.figures_for(request.user, year=year)
    return render(
        request, "antifraud/figures.html", {"fig": data, "chart": figures_module.chart_data(data)}
    )


# ----------------------------------------------------------------------------- fraud cases


@login_required
def case_list(request, pk=None):
    user = request.user
    can_record = permissions.can_record_cases(user)
    instance = get_object_or_404(FraudCase.objects.visible_to(user), pk=pk) if pk else None
    initial = {}
    if instance is not None:
        initial = {
            f: getattr(instance, f)
            for f in (
                "occurred_on",
                "fraud_type",
                "loss",
                "victim_name",
                "community",
                "officer",
                "solved",
                "suspects_caught",
                "note",
            )
        }
    form = (
        FraudCaseForm(request.POST or None, station=user.station, initial=initial)
        if can_record
        else None
    )
    error, status = "", 200
    if request.method == "POST":
        if not can_record:
            return _forbidden(request, _("您的角色无权登记诈骗案件"))
        if form.is_valid():
            try:
                if instance is None:
                    services.fraud_case_create(actor=user, **form.cleaned_data)
                else:
                    services.fraud_case_update(actor=user, case=instance, **form.cleaned_data)
            except ValidationError as exc:
                error, status = _error_text(exc), 400
            except PermissionDenied:
                return _forbidden(request, _("您的角色无权修改诈骗案件"))
            else:
                messages.success(request, _("已保存"))
                return redirect("antifraud:case_list")
        else:
            status = 400
    cases = FraudCase.objects.visible_to(user).select_related("fraud_type", "community", "incident")
    year = request.GET.get("year")
    if year and year.isdigit():
        cases = cases.filter(occurred_on__year=int(year))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "antifraud/cases.html",
        {"page": page, "form": form, "instance": instance, "error": error, "f": request.GET},
        status=status,
    )


# ----------------------------------------------------------------------------- fraud types


@login_required
def type_list(request, pk=None):
    def save(instance, data):
        if instance is None:
            return services.fraud_type_create(actor=request.user, **data)
        return services.fraud_type_update(actor=request.user, fraud_type=instance, **data)

    return editable_table(
        request,
        model=FraudType,
        pk=pk,
        form_class=FraudTypeForm,
        can_manage=permissions.can_manage_types(request.user),
        save=save,
        refusal=_("诈骗类型对全部派出所生效,只有系统管理员可以修改"),
        template="antifraud/types.html",
        success_url="antifraud:type_list",
        context={"types": FraudType.objects.all()},
    )


# ----------------------------------------------------------------------------- publicity


def _activity_points(activities) -> dict:
    features = [
        {
            "type": "Feature",
            "geometry": geo.map_feature_point(a.latitude, a.longitude),
            "properties": {
                "name": a.place,
                "date": a.date.isoformat(),
                "kind": a.get_kind_display(),
                "audience": a.audience,
            },
        }
        for a in activities
        if a.latitude is not None and a.longitude is not None
    ]
    return {"type": "FeatureCollection", "features": features}


@login_required
def publicity(request):
    from django.conf import settings

    user = request.user
    can_edit = permissions.can_publicise(user)
    form = ActivityForm(request.POST or None, station=user.station) if can_edit else None
    error, status = "", 200
    if request.method == "POST":
        if not can_edit:
            return _forbidden(request, _("您的角色无权登记宣传活动"))
        if form.is_valid():
            try:
                services.activity_create(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                error, status = _error_text(exc), 400
            else:
                messages.success(request, _("已登记宣传活动"))
                return redirect("antifraud:publicity")
        else:
            status = 400
    activities = PublicityActivity.objects.visible_to(user).select_related("officer", "community")
    since = timezone.localdate() - dt.timedelta(days=365 * 3)
    recent = list(activities.filter(date__gte=since)[:2000])
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    contents = PublicityContent.objects.visible_to(user).select_related("updated_by")[:100]
    return render(
        request,
        "antifraud/publicity.html",
        {
            "page": page,
            "form": form,
            "error": error,
            "contents": contents,
            "content_form": ContentForm() if can_edit else None,
            "can_edit": can_edit,
            "points": _activity_points(recent),
            "map_tile_url": getattr(settings, "MAP_TILE_URL", ""),
            "totals": {"activities": len(recent), "audience": sum(a.audience for a in recent)},
        },
        status=status,
    )


@login_required
def content_edit(request, pk=None):
    user = request.user
    if not permissions.can_publicise(user):
        return _forbidden(request, _("您的角色无权编辑宣传内容"))
    instance = get_object_or_404(PublicityContent.objects.visible_to(user), pk=pk) if pk else None
    if instance is None:
        form = ContentForm(request.POST or None)
    else:
        form = ContentUpdateForm(
            request.POST or None,
            initial={"title": instance.title, "body": instance.body, "active": instance.active},
        )
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if instance is None:
                    services.content_create(actor=user, **form.cleaned_data)
                else:
                    services.content_update(actor=user, content=instance, **form.cleaned_data)
            except ValidationError as exc:
                error, status = _error_text(exc), 400
            else:
                messages.success(request, _("已保存"))
                return redirect("antifraud:publicity")
        else:
            status = 400
    updates = instance.updates.select_related("actor")[:50] if instance else []
    return render(
        request,
        "antifraud/content.html",
        {"form": form, "instance": instance, "updates": updates, "error": error},
        status=status,
    )
