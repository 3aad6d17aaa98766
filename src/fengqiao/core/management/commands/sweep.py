"""`fengqiao sweep`: fire due time-limit warnings once, now (the Huey job does this every minute)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fengqiao.core import context, sweeper


class Command(BaseCommand):
    help = "发出到期的时限预警并标记超期(每分钟由后台任务自动执行,此命令立即执行一次)"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="以该时间为当前时间(ISO 8601,带时区),用于补跑或演示")
        parser.add_argument("--limit", type=int, default=None, help="本次最多处理的时限数")

    def handle(self, *args, now=None, limit=None, **options):
        moment = None
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now 不是有效的时间: {now}") from None
            if timezone.is_naive(moment):
                raise CommandError("--now 必须带时区,例如 2026-10-08T09:00:00+08:00")

        def progress(done, total):
            self.stdout.write(f"已处理 {done}/{total}")

        with context.acting_as(None, source="command"):
            result = sweeper.sweep(now=moment, limit=limit, progress=progress)
        self.stdout.write(result.summary())
        if result.errors:
            raise CommandError(f"{result.errors} 个时限处理出错,详见日志;下次扫描会重试")
