"""Pages of imports and exports. Thin: the work is in services, importers and exports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core.web import forbidden as _forbidden
from fengqiao.exchange import exports, permissions, services, tasks
from fengqiao.exchange.choices import (
    KIND_ALIASES,
    ExportStatus,
    ImportKind,
    ImportMode,
    ImportStatus,
)
from fengqiao.exchange.columns import COLUMNS
from fengqiao.exchange.forms import CommitForm, UploadForm
from fengqiao.exchange.models import ExportRecord, ImportJob
from fengqiao.registry import number_search
from fengqiao.registry.models import Person

ERRORS_PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Where the imported records are listed (registry list pages).
RESULT_LIST = {ImportKind.PERSONS: "registry:person_list", ImportKind.HOUSES: "registry:house_list"}


def _import_kind(kind: str) -> str:
    kind = KIND_ALIASES.get(kind, "")
    if kind not in ImportKind.values:
        raise Http404
    return kind


def _own_job(request, pk) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("station"), pk=pk)
    if job.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return job


@login_required
def import_start(request, kind):
    kind = _import_kind(kind)
    if not permissions.can_import(request.user):
        return _forbidden(request, _("您的角色无权导入数据"))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user, kind=kind, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            tasks.validate_import(job.pk, translation.get_language())
            return redirect("exchange:job_detail", pk=job.pk)
    return render(
        request,
        "exchange/upload.html",
        {
            "kind": kind,
            "kind_label": ImportKind(kind).label,
            "kinds": ImportKind.choices,
            "form": form,
            "columns": COLUMNS[kind],
            "limits": services.limits_text(),
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "recent": ImportJob.objects.filter(user=request.user, kind=kind)[:5],
        },
    )


@login_required
def import_template(request, kind):
    kind = _import_kind(kind)
    name = f"{ImportKind(kind).label}导入模板.xlsx"
    return FileResponse(
        exports.template_workbook(kind), as_attachment=True, filename=name, content_type=XLSX
    )


def _job_context(request, job: ImportJob) -> dict:
    page = Paginator(job.errors, ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "job": job,
        "page": page,
        "can_commit_all": job.status == ImportStatus.VALIDATED
        and not job.invalid_count
        and job.valid_count,
        "can_commit_valid": job.status == ImportStatus.VALIDATED and job.valid_count,
        "modes": ImportMode,
        "result_url": reverse(RESULT_LIST[job.kind]) if job.status == ImportStatus.DONE else "",
    }


@login_required
def job_detail(request, pk):
    job = _own_job(request, pk)
    return render(request, "exchange/job.html", _job_context(request, job))


@login_required
def job_status(request, pk):
    """The progress fragment the job page polls every second while the job runs."""
    job = _own_job(request, pk)
    response = render(request, "exchange/_status.html", {"job": job})
    if (not job.running or job.stale) and request.headers.get("HX-Request"):
        response["HX-Refresh"] = (
            "true"  # finished (or interrupted): reload the page to show the result or the choices
        )
    return response


@login_required
@require_POST
def job_commit(request, pk):
    job = _own_job(request, pk)
    form = CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择导入方式"))
        return redirect("exchange:job_detail", pk=job.pk)
    try:
        services.import_job_commit_start(
            actor=request.user, job=job, mode=form.cleaned_data["mode"]
        )
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exchange:job_detail", pk=job.pk)
    tasks.commit_import(job.pk, translation.get_language())
    return redirect("exchange:job_detail", pk=job.pk)


@login_required
@require_POST
def job_rerun(request, pk):
    """An interrupted job (its worker died): start its dry run again, or re-open its commit."""
    job = _own_job(request, pk)
    try:
        queue = services.import_job_rerun(actor=request.user, job=job)
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exchange:job_detail", pk=job.pk)
    if queue == "validate":
        tasks.validate_import(job.pk, translation.get_language())
        messages.success(request, _("已重新开始校验"))
    else:
        messages.success(request, _("导入已重新打开:尚未写入任何数据,请再次选择导入方式"))
    return redirect("exchange:job_detail", pk=job.pk)


@login_required
@require_POST
def job_abandon(request, pk):
    job = _own_job(request, pk)
    try:
        services.import_job_abandon(actor=request.user, job=job)
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("exchange:job_detail", pk=job.pk)


@login_required
def job_errors(request, pk):
    job = _own_job(request, pk)
    name = f"错误明细_{job.original_name.rsplit('.', 1)[0]}.xlsx"
    return FileResponse(
        exports.errors_workbook(job), as_attachment=True, filename=name, content_type=XLSX
    )


@login_required
def job_list(request):
    jobs = ImportJob.objects.filter(user=request.user)[:50]
    return render(
        request,
        "exchange/jobs.html",
        {
            "jobs": jobs,
            "can_import": permissions.can_import(request.user),
            "kinds": ImportKind.choices,
        },
    )


@login_required
def export(request, kind):
    """A short list downloads at once; a long one goes to a background job and its progress page."""
    kind = KIND_ALIASES.get(kind, "")
    if kind not in exports.SPECS:
        raise Http404
    if kind == "persons":
        # An export by an ID number or phone is a search by number: counted and recorded once.
        query = request.GET.get("q", "")
        try:
            number_search.search(
                request.user,
                Person.objects.visible_to(request.user),
                query,
                channel="export-search",
            )
        except number_search.NumberSearchLimited as exc:
            messages.error(request, str(exc.detail))
            return redirect("registry:person_list")
    if (
        exports.export_count(actor=request.user, kind=kind, params=request.GET)
        > settings.EXPORT_INLINE_ROWS
    ):
        record = exports.export_job_start(actor=request.user, kind=kind, params=request.GET)
        tasks.run_export(record.pk, translation.get_language())
        return redirect("exchange:export_detail", record.pk)
    output, filename, _record = exports.export_workbook(
        actor=request.user, kind=kind, params=request.GET
    )
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX)


def _own_export(request, pk) -> ExportRecord:
    """A user sees only the exports they made themselves (another's is a 404, not a 403)."""
    return get_object_or_404(ExportRecord, pk=pk, user=request.user)


@login_required
def export_list(request):
    page = Paginator(ExportRecord.objects.filter(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "exchange/exports.html", {"page": page})


@login_required
def export_detail(request, pk):
    return render(request, "exchange/export.html", {"record": _own_export(request, pk)})


@login_required
def export_status(request, pk):
    """The progress fragment the export page polls every second while the file is written."""
    record = _own_export(request, pk)
    response = render(request, "exchange/_export_status.html", {"record": record})
    if not record.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def export_download(request, pk):
    record = _own_export(request, pk)
    if record.status != ExportStatus.DONE or not record.file:
        raise Http404
    try:
        handle = record.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=record.filename, content_type=XLSX)
