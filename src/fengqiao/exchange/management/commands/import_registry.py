"""Import persons or houses from a spreadsheet: dry run, then optionally commit.

fengqiao import_registry --kind persons FILE --user USERNAME [--commit all|valid]
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from fengqiao.exchange import services
from fengqiao.exchange.choices import ImportKind, ImportMode, ImportStatus

MODES = {"all": ImportMode.ALL, "valid": ImportMode.VALID_ONLY}


class Command(BaseCommand):
    help = "从 .xlsx/.csv 导入实有人口或实有房屋:先校验并列出错误行,加 --commit 才写入"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--user", required=True, help="以该用户的身份和权限导入")
        parser.add_argument(
            "--commit",
            choices=sorted(MODES),
            help="all: 全部导入(要求无错误); valid: 只导入正确的行",
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在")
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"文件不存在: {path}")
        with open(path, "rb") as handle:
            upload = SimpleUploadedFile(os.path.basename(path), handle.read())
        try:
            job = services.import_job_create(actor=user, kind=options["kind"], upload=upload)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        job = services.import_job_validate(job.pk)
        for error in job.errors:
            self.stdout.write(
                f"第{error['row']}行 {error['column']} “{error['value']}”: {error['problem']}"
            )
        self.stdout.write(job.summary)
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.summary)
        if not options["commit"]:
            self.stdout.write(
                f"试导入完成(任务 {job.pk}),未写入数据;加 --commit all 或 --commit valid 导入"
            )
            return
        try:
            job = services.import_job_run_now(actor=user, job=job, mode=MODES[options["commit"]])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(job.summary)
        if job.status != ImportStatus.DONE:
            raise CommandError(job.summary)
