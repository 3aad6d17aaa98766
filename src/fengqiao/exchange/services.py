"""Every write of the exchange app: upload, dry run, commit of imports; exports and their records.

An import runs in two steps. `import_job_validate` reads the file and checks every row without
writing a registry record. `import_job_commit_start` then claims the job (validated → committing,
a conditional UPDATE that must change exactly one row, so a second click imports nothing), and
`import_job_commit` checks the rows again and writes them in ONE transaction: all of them, or only
the good ones; on any failure nothing is written.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core import context
from fengqiao.exchange.choices import ImportKind, ImportMode, ImportStatus
from fengqiao.exchange.importers import IMPORTERS
from fengqiao.exchange.models import ExportRecord, ImportJob
from fengqiao.exchange.permissions import can_import
from fengqiao.exchange.readers import FileProblem, file_type, read_table

logger = logging.getLogger(__name__)


def limits_text() -> str:
    megabytes = settings.IMPORT_MAX_BYTES / (1024 * 1024)
    size = f"{megabytes:g} MB" if megabytes >= 1 else f"{settings.IMPORT_MAX_BYTES // 1024} KB"
    return _("文件不超过 %(size)s,不超过 %(rows)s 行数据;格式 .xlsx 或 .csv(UTF-8 或 GBK 编码)") % {
        "size": size,
        "rows": f"{settings.IMPORT_MAX_ROWS:,}",
    }


# ----------------------------------------------------------------------------- upload


@transaction.atomic
def import_job_create(*, actor, kind: str, upload) -> ImportJob:
    """Store an uploaded file as a new job. Refuses (nothing stored) files of the wrong type or size."""
    if not can_import(actor):
        raise PermissionDenied(_("您的角色无权导入数据"))
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("请选择导入类型")})
    if upload is None:
        raise ValidationError({"file": _("请选择要上传的文件")})
    name = os.path.basename(upload.name or "")[:200]
    try:
        file_type(name)
    except FileProblem as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if upload.size == 0:
        raise ValidationError({"file": _("文件是空的(0 字节),请检查后重新上传")})
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("文件大小 %(size)s MB 超过上限 %(max)s MB,请拆分后分批导入")
                % {
                    "size": f"{upload.size / 1048576:.1f}",
                    "max": f"{settings.IMPORT_MAX_BYTES / 1048576:g}",
                }
            }
        )
    job = ImportJob(
        user=actor, station_id=actor.station_id, kind=kind, original_name=name, size=upload.size
    )
    suffix = Path(name).suffix.lower()
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{actor.pk}{suffix}", File(upload), save=False)
    job.save()
    return job


# ----------------------------------------------------------------------------- dry run


def _fail(job: ImportJob, summary: str) -> None:
    job.status = ImportStatus.FAILED
    job.summary = summary
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "summary",
            "finished_at",
            "errors",
            "valid_count",
            "invalid_count",
            "total_rows",
            "processed_rows",
        ]
    )


def _progress(job: ImportJob):
    def report(done: int) -> None:
        # The heartbeat: a job without one for IMPORT_STALE_MINUTES is shown as interrupted.
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, heartbeat_at=timezone.now())

    return report


def _rows_path(job: ImportJob) -> Path:
    """The good rows of the dry run (JSON) beside the uploaded file."""
    return Path(job.file.path + ".rows.json")


def _check(job: ImportJob):
    table = read_table(
        job.file.path, job.original_name, job.kind, max_rows=settings.IMPORT_MAX_ROWS
    )
    job.total_rows = len(table)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows, processed_rows=0)
    importer = IMPORTERS[job.kind](user=job.user, station=job.station)
    plans = importer.check(table, progress=_progress(job))
    job.errors = sorted(importer.errors, key=lambda e: e["row"])
    job.invalid_count = len(importer.bad_rows)
    job.valid_count = len(plans)
    job.processed_rows = job.total_rows
    return importer, plans


def import_job_validate(job_id: int) -> ImportJob:
    """The dry run: check every row, record every problem, write no registry record."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.VALIDATING, heartbeat_at=timezone.now()
    )
    job = ImportJob.objects.select_related("user", "station").get(pk=job_id)
    if not claimed:
        return job
    try:
        with context.acting_as(job.user, source="import"):
            importer, plans = _check(job)
            _rows_path(job).write_text(
                json.dumps(importer.dump(plans), ensure_ascii=False), encoding="utf-8"
            )
    except FileProblem as exc:
        _fail(job, str(exc))
        return job
    except Exception:
        logger.exception("import job %s: validation crashed", job.pk)
        _fail(job, _("校验时发生内部错误,未写入任何数据;请联系管理员"))
        return job
    job.status = ImportStatus.VALIDATED
    job.validated_at = timezone.now()
    counts = {"total": job.total_rows, "valid": job.valid_count, "invalid": job.invalid_count}
    if job.invalid_count:
        job.summary = _("共 %(total)s 行:正确 %(valid)s 行,有错误 %(invalid)s 行") % counts
    else:
        job.summary = (
            _("共 %(total)s 行:正确 %(valid)s 行,有错误 %(invalid)s 行,可以全部导入") % counts
        )
    job.save()
    return job


# ----------------------------------------------------------------------------- commit


def import_job_commit_start(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """Claim a validated job for committing (exactly once); the caller then runs `import_job_commit`."""
    if job.user_id != actor.pk:
        raise PermissionDenied(_("只能导入自己上传的文件"))
    if not can_import(actor):
        raise PermissionDenied(_("您的角色无权导入数据"))
    if mode not in ImportMode.values:
        raise ValidationError(_("请选择导入方式"))
    if job.status != ImportStatus.VALIDATED:
        raise ValidationError(_("该文件正在导入或已经导入,不会重复导入"))
    if mode == ImportMode.ALL and job.invalid_count:
        raise ValidationError(
            _("还有 %(n)s 行有错误,不能全部导入;请改正后重新上传,或选择“只导入正确的行”")
            % {"n": job.invalid_count}
        )
    if not job.valid_count:
        raise ValidationError(_("没有正确的行可以导入"))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.COMMITTING,
        mode=mode,
        processed_rows=0,
        heartbeat_at=timezone.now(),
        attempt=F("attempt") + 1,
    )
    if claimed != 1:
        raise ValidationError(_("该文件正在导入或已经导入,不会重复导入"))
    job.refresh_from_db()
    return job


def _recheck(job: ImportJob):
    """The dry run's good rows, checked again against the database as it is now (scope, duplicates)."""
    path = _rows_path(job)
    if not path.exists():
        return _check(job)  # the rows file is gone: read the spreadsheet again
    importer = IMPORTERS[job.kind](user=job.user, station=job.station)
    plans = importer.recheck(importer.load(json.loads(path.read_text(encoding="utf-8"))))
    if importer.errors:
        job.errors = sorted([*job.errors, *importer.errors], key=lambda e: e["row"])
        job.invalid_count = len({e["row"] for e in job.errors})
        job.valid_count = len(plans)
    return importer, plans


def import_job_commit(job_id: int) -> ImportJob:
    """Check the rows again and write them in one transaction. On any failure nothing is written."""
    job = ImportJob.objects.select_related("user", "station").get(pk=job_id)
    if job.status != ImportStatus.COMMITTING or job.finished_at is not None:
        return job
    try:
        with context.acting_as(job.user, source="import"):
            importer, plans = _recheck(job)
            if job.mode == ImportMode.ALL and job.invalid_count:
                _fail(
                    job,
                    _("校验之后数据有变化:现有 %(n)s 行错误,按“全部导入”的要求未导入任何数据")
                    % {"n": job.invalid_count},
                )
                return job
            if not plans:
                _fail(job, _("没有正确的行可以导入,未写入任何数据"))
                return job
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=0, heartbeat_at=timezone.now()
            )
            with transaction.atomic():
                counts = importer.write(plans)
                # Done in the same transaction as the rows, and only if this run still owns the job:
                # one re-run or abandoned meanwhile (its worker thought dead) rolls its rows back.
                job.created_count = counts.get(job.kind, 0)
                job.summary = _import_summary(job, counts)
                finished = ImportJob.objects.filter(
                    pk=job.pk, status=ImportStatus.COMMITTING, attempt=job.attempt
                ).update(
                    status=ImportStatus.DONE,
                    finished_at=timezone.now(),
                    processed_rows=job.total_rows,
                    created_count=job.created_count,
                    summary=job.summary,
                    errors=job.errors,
                    valid_count=job.valid_count,
                    invalid_count=job.invalid_count,
                )
                if finished != 1:
                    raise _Superseded
    except _Superseded:
        logger.warning(
            "import job %s: re-run or abandoned while this run wrote; rolled back", job.pk
        )
        job.refresh_from_db()
        return job
    except FileProblem as exc:
        _fail(job, str(exc))
        return job
    except Exception as exc:
        logger.exception("import job %s: commit failed", job.pk)
        _fail(job, _("导入失败,未写入任何数据(%(error)s)") % {"error": type(exc).__name__})
        return job
    job.refresh_from_db()
    return job


class _Superseded(Exception):
    """This run no longer owns its job (it was re-run or abandoned while the run was thought dead)."""


def _require_own_stale(actor, job: ImportJob) -> None:
    if job.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("只能处理自己上传的文件"))
    if not job.stale:
        raise ValidationError(
            _("该导入仍在进行中(%(n)s 分钟内有进展),请稍候") % {"n": settings.IMPORT_STALE_MINUTES}
        )


def _claim_stale(job: ImportJob, **changes) -> None:
    """Change a stale job only if it is still as the user saw it (no worker moved it meanwhile)."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=job.status, attempt=job.attempt, heartbeat_at=job.heartbeat_at
    ).update(attempt=F("attempt") + 1, **changes)
    if claimed != 1:
        raise ValidationError(_("该导入的状态刚刚发生了变化,请刷新页面后再试"))
    job.refresh_from_db()


def import_job_rerun(*, actor, job: ImportJob) -> str:
    """Start an interrupted job again. Returns what the caller must queue: "validate" (the dry run is
    run again from the file) or "" (the commit was interrupted: the job is back to 已校验 with its dry
    run, and the user chooses the import mode again; the commit re-checks every row)."""
    _require_own_stale(actor, job)
    now = timezone.now()
    if job.status == ImportStatus.COMMITTING:
        _claim_stale(
            job, status=ImportStatus.VALIDATED, heartbeat_at=now, processed_rows=0, mode=""
        )
        logger.info("import job %s: interrupted commit re-opened by %s", job.pk, actor.username)
        return ""
    _claim_stale(job, status=ImportStatus.UPLOADED, heartbeat_at=now, processed_rows=0)
    logger.info("import job %s: interrupted dry run restarted by %s", job.pk, actor.username)
    return "validate"


def import_job_abandon(*, actor, job: ImportJob) -> ImportJob:
    """Give up an interrupted job. Nothing of it was written (the commit is one transaction)."""
    _require_own_stale(actor, job)
    _claim_stale(
        job,
        status=ImportStatus.ABANDONED,
        finished_at=timezone.now(),
        summary=_("导入已中断并已放弃,未写入任何数据"),
    )
    logger.info("import job %s: abandoned by %s", job.pk, actor.username)
    return job


def _import_summary(job: ImportJob, counts: dict) -> str:
    """One whole sentence per case (no translated fragments glued together)."""
    params = {
        "kind": ImportKind(job.kind).label,
        "n": job.created_count,
        "skipped": job.invalid_count,
        "houses": counts.get("houses", 0) if job.kind == ImportKind.PERSONS else 0,
        "addresses": counts.get("addresses", 0),
    }
    if job.invalid_count:
        if params["houses"] and params["addresses"]:
            text = _(
                "已导入%(kind)s %(n)s 条,跳过有错误的 %(skipped)s 行;"
                "新建房屋 %(houses)s 处,新建标准地址 %(addresses)s 个"
            )
        elif params["houses"]:
            text = _("已导入%(kind)s %(n)s 条,跳过有错误的 %(skipped)s 行;新建房屋 %(houses)s 处")
        elif params["addresses"]:
            text = _(
                "已导入%(kind)s %(n)s 条,跳过有错误的 %(skipped)s 行;新建标准地址 %(addresses)s 个"
            )
        else:
            text = _("已导入%(kind)s %(n)s 条,跳过有错误的 %(skipped)s 行")
    elif params["houses"] and params["addresses"]:
        text = _("已导入%(kind)s %(n)s 条;新建房屋 %(houses)s 处,新建标准地址 %(addresses)s 个")
    elif params["houses"]:
        text = _("已导入%(kind)s %(n)s 条;新建房屋 %(houses)s 处")
    elif params["addresses"]:
        text = _("已导入%(kind)s %(n)s 条;新建标准地址 %(addresses)s 个")
    else:
        text = _("已导入%(kind)s %(n)s 条")
    return text % params


# ----------------------------------------------------------------------------- retention


# Other apps' importers keep uploaded spreadsheets too (antifraud's warning sheets): each registers a
# `purge(*, now, keep_days) -> int` here (from its AppConfig.ready) and the one retention job runs them.
_IMPORT_FILE_PURGERS: list = []


def register_import_files_purge(purge) -> None:
    if purge not in _IMPORT_FILE_PURGERS:
        _IMPORT_FILE_PURGERS.append(purge)


def import_files_purge(*, now=None, keep_days: int | None = None) -> int:
    """Delete the uploaded files (and dry-run rows) of jobs uploaded more than `keep_days` ago.

    The spreadsheets hold residents' personal data; the job record (counts, row errors, summary) stays
    for the history. A job still waiting to be imported is marked failed, because it can no longer be
    committed; a job validating or committing right now is left for the next run. Returns the number
    of jobs whose file was deleted, with those of the importers registered by other apps.
    """
    now = now or timezone.now()
    keep_days = settings.IMPORT_FILE_RETENTION_DAYS if keep_days is None else keep_days
    cutoff = now - timezone.timedelta(days=keep_days)
    stale = (
        ImportJob.objects.filter(created_at__lt=cutoff)
        .exclude(file="")
        .exclude(status__in=[ImportStatus.VALIDATING, ImportStatus.COMMITTING])
    )
    purged = 0
    for job in stale.iterator():
        rows = Path(job.file.path + ".rows.json")
        rows.unlink(missing_ok=True)
        job.file.delete(save=False)
        changes = {"file": ""}
        if job.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
            changes |= {
                "status": ImportStatus.FAILED,
                "finished_at": now,
                "summary": _("文件已超过保留期限(%(days)s 天)被删除,未导入;如仍需导入请重新上传")
                % {"days": keep_days},
            }
        # conditional: a job claimed for committing since we read it keeps its status
        ImportJob.objects.filter(pk=job.pk, status=job.status).update(**changes)
        purged += 1
    for purge in _IMPORT_FILE_PURGERS:
        purged += purge(now=now, keep_days=keep_days)
    if purged:
        logger.info("import files: deleted %s uploaded files older than %s days", purged, keep_days)
    return purged


def export_files_purge(*, now=None, keep_days: int | None = None) -> int:
    """Delete the files of background exports older than `keep_days`; the export records stay."""
    now = now or timezone.now()
    keep_days = settings.EXPORT_FILE_RETENTION_DAYS if keep_days is None else keep_days
    cutoff = now - timezone.timedelta(days=keep_days)
    purged = 0
    for record in ExportRecord.objects.filter(created_at__lt=cutoff).exclude(file="").iterator():
        record.file.delete(save=False)
        ExportRecord.objects.filter(pk=record.pk).update(file="")
        purged += 1
    if purged:
        logger.info("exports: deleted %s export files older than %s days", purged, keep_days)
    return purged


def import_job_run_now(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """Claim and commit in the calling process (management command)."""
    import_job_commit_start(actor=actor, job=job, mode=mode)
    return import_job_commit(job.pk)
