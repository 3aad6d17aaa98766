"""`fengqiao calendar_import FILE [--dry-run]`: enter the State Council's holiday arrangement from a text file.

One day a line, as on the 节假日安排 page: `2027-01-01 休 元旦`, `2027-02-07 班 春节` (a note may follow;
`#` starts a comment). Every line is checked first; while any line is bad nothing is saved.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.core import calendar_services, context, rules


class Command(BaseCommand):
    help = "从文本文件录入节假日安排(每行:日期 休/班 节日名称),保存后重新计算受影响时限的到期时间"

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 文本文件,每行如 2027-01-01 休 元旦;“-”表示标准输入")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并列出每一行的结果,不保存"
        )

    def handle(self, *args, file, dry_run=False, **options):
        if file == "-":
            import sys

            text = sys.stdin.read()
        else:
            path = Path(file)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except FileNotFoundError:
                raise CommandError(f"找不到文件: {file}") from None
            except UnicodeDecodeError:
                raise CommandError(f"{file} 不是 UTF-8 文本,请另存为 UTF-8 后再导入") from None
        lines = calendar_services.calendar_import_preview(text)
        bad = [line for line in lines if line.error]
        for line in lines:
            result = f"错误:{line.error}" if line.error else line.action
            self.stdout.write(f"第 {line.number} 行  {line.text}  →  {result}")
        if not lines:
            raise CommandError("文件中没有可保存的日期")
        if bad:
            raise CommandError(f"{len(bad)} 行不正确,全部未保存;改正后再导入")
        if dry_run:
            self.stdout.write(f"检查通过:{len(lines)} 行(--dry-run,未保存)")
            return
        with context.acting_as(None, source="command"):
            try:
                _, result = calendar_services.calendar_text_save(actor=None, text=text)
            except ValidationError as exc:
                raise CommandError(";".join(exc.messages)) from None
        self.stdout.write(result.summary())
        for clock, old, new in result.clocks:
            self.stdout.write(
                f"  时限 #{clock.pk} {clock.title}: {old.astimezone(rules.TZ):%Y-%m-%d %H:%M} → {new.astimezone(rules.TZ):%Y-%m-%d %H:%M}"
            )
