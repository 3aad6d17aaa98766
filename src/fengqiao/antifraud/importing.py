"""Import the warning spreadsheet the county anti-fraud centre sends (.xlsx or .csv).

The exchange app's import jobs are built for the registry (their kinds are a fixed list), so this is a
small importer of its own that reuses exchange's reading pieces: the file-type check and its messages
(`readers.file_type`, `readers.FileProblem`), the CSV reader, and the header normalisation
(`columns.normalise_header`, `columns.Column`). Same two steps as the registry: upload → dry run with
every row's problems listed (nothing written) → commit all rows (only when none has a problem) or
only the good ones, in ONE transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from fengqiao.antifraud import rules, services
from fengqiao.antifraud.choices import WarningSource, WarningStatus
from fengqiao.antifraud.models import FraudType, WarningImport
from fengqiao.antifraud.selectors import Matcher
from fengqiao.exchange.columns import Column, normalise_header
from fengqiao.exchange.readers import FileProblem, _csv_rows, file_type
from fengqiao.registry.rules import normalise_id_number, normalise_phone

COLUMNS = (
    Column(
        "external_id",
        "指令编号",
        ("预警编号", "编号", "预警指令编号"),
        False,
        "反诈中心的指令编号;重复导入同一编号不会重复建档",
        "FZZX-20261129-0001",
        60,
    ),
    Column("name", "姓名", ("预警对象", "受害人姓名", "当事人"), True, "", "张三", 50),
    Column(
        "phone",
        "手机号",
        ("电话", "联系电话", "手机号码", "受害人电话"),
        False,
        "手机号与身份证号至少填一项",
        "13800000000",
        20,
    ),
    Column(
        "id_number",
        "身份证号",
        ("证件号码", "公民身份号码", "身份证号码"),
        False,
        "18位,末位可为X",
        "",
        30,
    ),
    Column(
        "address",
        "住址",
        ("地址", "现住址", "居住地址"),
        False,
        "用于按姓名+地址匹配",
        "玉津镇西街12号",
        200,
    ),
    Column("risk_level", "风险等级", ("预警等级", "等级", "风险级别"), True, "高/中/低", "高"),
    Column(
        "fraud_type",
        "诈骗类型",
        ("涉诈类型", "案件类型", "预警类型"),
        True,
        "刷单返利、冒充公检法……",
        "刷单返利",
    ),
    Column(
        "received_at",
        "接收时间",
        ("预警时间", "下发时间", "时间"),
        True,
        "如 2026-11-29 09:30",
        "2026-11-29 09:30",
    ),
    Column("content", "预警内容", ("内容", "备注", "预警详情"), False, "", ""),
)
_LOOKUP = {normalise_header(n): c for c in COLUMNS for n in (c.title, *c.aliases)}
_TITLE = {c.key: c.title for c in COLUMNS}
_TIME_RE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?$"
)
SHEET_NAMES = ("预警指令", "预警", "反诈预警")


@dataclass
class Row:
    number: int
    values: dict
    clean: dict | None = None


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if r.clean is not None]


# ----------------------------------------------------------------------------- reading


def _xlsx_rows(path: Path):
    if not zipfile.is_zipfile(path):
        raise FileProblem("文件不是有效的 Excel(.xlsx) 文件:可能已损坏,或只是把扩展名改成了 .xlsx")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise FileProblem(
            "文件不是有效的 Excel(.xlsx) 文件:可能已损坏,或只是把扩展名改成了 .xlsx"
        ) from exc
    try:
        names = [ws.title.strip() for ws in workbook.worksheets]
        if not names:
            raise FileProblem("文件中没有工作表")
        sheet = next(
            (workbook.worksheets[names.index(n)] for n in SHEET_NAMES if n in names),
            workbook.worksheets[0],
        )
        return list(enumerate(sheet.iter_rows(values_only=True), start=1))
    except FileProblem:
        raise
    except Exception as exc:
        raise FileProblem("工作表无法读取:文件可能已损坏") from exc
    finally:
        workbook.close()


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(path, name: str, *, max_rows: int | None = None) -> list[Row]:
    """The data rows of the file, keyed by column. Raises FileProblem for a file that is not a warning table."""
    path = Path(path)
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    kind = file_type(name)
    if path.stat().st_size == 0:
        raise FileProblem("文件是空的(0 字节),请检查后重新上传")
    raw = _xlsx_rows(path) if kind == "xlsx" else list(_csv_rows(path))
    header = next(((n, v) for n, v in raw[:10] if v and not all(_empty(x) for x in v)), None)
    if header is None:
        raise FileProblem("文件是空的,没有表头和数据")
    header_number, header_values = header
    positions: dict[str, int] = {}
    for index, value in enumerate(header_values):
        column = _LOOKUP.get(normalise_header(value)) if not _empty(value) else None
        if column is None:
            continue
        if column.key in positions:
            raise FileProblem(f"第{header_number}行:列“{column.title}”出现了两次")
        positions[column.key] = index
    missing = [c.title for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise FileProblem(
            f"第{header_number}行(表头)缺少必填列:{'、'.join(missing)}。这不是反诈中心的预警指令表?"
        )
    if "phone" not in positions and "id_number" not in positions:
        raise FileProblem(f"第{header_number}行(表头)缺少“手机号”和“身份证号”列,至少需要其中一列")
    rows = []
    for number, values in raw:
        if number <= header_number:
            continue
        picked = {k: (values[i] if i < len(values) else None) for k, i in positions.items()}
        picked = {k: (v.strip() if isinstance(v, str) else v) for k, v in picked.items()}
        if all(_empty(v) for v in picked.values()):
            continue
        if len(rows) >= max_rows:
            raise FileProblem(f"文件超过 {max_rows:,} 行数据的上限,请拆分后分批导入")
        rows.append(Row(number=number, values=picked))
    if not rows:
        raise FileProblem("文件只有表头,没有数据行")
    return rows


def parse_time(value) -> dt.datetime:
    """A cell as an aware time (Beijing time when the cell has none). Raises BadWarning."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        raise rules.BadWarning(f"接收时间“{value}”只有日期,请填写到分钟")
    else:
        text = str(value or "").strip()
        match = _TIME_RE.match(text)
        if not match:
            raise rules.BadWarning(f"接收时间“{text}”无法识别,应如 2026-11-29 09:30")
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
        try:
            moment = dt.datetime(y, mo, d, h, mi, s)
        except ValueError:
            raise rules.BadWarning(f"接收时间“{text}”不存在(日期或时刻超出范围)") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# ----------------------------------------------------------------------------- checking


def check_rows(rows: list[Row], *, now: dt.datetime) -> Checked:
    """The dry run: every row's problems, nothing written."""
    types = {t.name: t for t in FraudType.objects.filter(active=True)}
    types.update({t.code: t for t in types.values()})
    result = Checked(rows=rows)
    for row in rows:
        v = row.values
        try:
            if len(_text(v.get("external_id"))) > 60:
                raise rules.BadWarning("指令编号过长(最多60字)")
            received_at = parse_time(v.get("received_at"))
            cleaned = rules.clean_warning(
                name=_text(v.get("name")),
                phone=_text(v.get("phone")),
                id_number=_text(v.get("id_number")),
                risk_level=_text(v.get("risk_level")),
                received_at=received_at,
                now=now,
            )
            fraud_type = types.get(_text(v.get("fraud_type")))
            if fraud_type is None:
                raise rules.BadWarning(f"诈骗类型“{_text(v.get('fraud_type'))}”不在诈骗类型表中")
        except rules.BadWarning as exc:
            result.errors.append(
                {
                    "row": row.number,
                    "column": _column_of(str(exc)),
                    "value": _shown(v, str(exc)),
                    "problem": str(exc),
                }
            )
            continue
        row.clean = {
            "name": cleaned.name,
            "phone": cleaned.phone,
            "id_number": cleaned.id_number,
            "risk_level": cleaned.risk_level,
            "received_at": cleaned.received_at,
            "fraud_type": fraud_type,
            "address_text": _text(v.get("address"))[:200],
            "content": _text(v.get("content")),
            "external_id": _text(v.get("external_id")),
        }
    return result


_PROBLEM_COLUMN = (
    ("接收时间", "received_at"),
    ("风险等级", "risk_level"),
    ("诈骗类型", "fraud_type"),
    ("身份证", "id_number"),
    ("电话", "phone"),
    ("手机号或身份证号", "phone"),
    ("姓名", "name"),
    ("指令编号", "external_id"),
)


def _column_of(problem: str) -> str:
    for word, key in _PROBLEM_COLUMN:
        if word in problem:
            return _TITLE[key]
    return ""


def _shown(values: dict, problem: str) -> str:
    for word, key in _PROBLEM_COLUMN:
        if word in problem:
            value = values.get(key)
            return "" if value is None else str(value)[:100]
    return ""


# ----------------------------------------------------------------------------- upload, dry run, commit


@transaction.atomic
def import_upload(*, actor, upload, now: dt.datetime | None = None) -> WarningImport:
    """Store the file and run the dry run. A file that cannot be read is refused (nothing stored)."""
    if not services.can_import(actor):
        raise PermissionDenied("您的角色无权导入预警指令")
    if upload is None:
        raise ValidationError("请选择要上传的文件")
    name = os.path.basename(upload.name or "")[:200]
    try:
        file_type(name)
    except FileProblem as exc:
        raise ValidationError(str(exc)) from None
    if upload.size == 0:
        raise ValidationError("文件是空的(0 字节),请检查后重新上传")
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"文件超过大小上限 {settings.IMPORT_MAX_BYTES / 1048576:g} MB,请拆分后分批导入"
        )
    job = WarningImport(station_id=actor.station_id, user=actor, original_name=name)
    job.file.save(
        f"{timezone.now():%Y%m%d%H%M%S}-{actor.pk}{Path(name).suffix.lower()}",
        File(upload),
        save=False,
    )
    try:
        rows = read_rows(job.file.path, name)
    except FileProblem as exc:
        job.file.delete(save=False)
        raise ValidationError(str(exc)) from None
    checked = check_rows(rows, now=now or timezone.now())
    job.total_rows, job.valid_count = len(rows), len(checked.good)
    job.invalid_count, job.errors = len(rows) - len(checked.good), checked.errors
    job.summary = f"共{len(rows)}行:正确{job.valid_count}行,有问题{job.invalid_count}行"
    job.save()
    return job


def import_commit(
    *, actor, job: WarningImport, valid_only: bool = False, now: dt.datetime | None = None
) -> WarningImport:
    """Write the rows in one transaction: all (refused while any row has a problem) or only the good ones.
    The rows are checked again (a fraud type may have been switched off since the dry run)."""
    if not services.can_import(actor) or job.station_id != actor.station_id:
        raise PermissionDenied("您无权导入该文件")
    now = now or timezone.now()
    with transaction.atomic():
        claimed = WarningImport.objects.filter(
            pk=job.pk, status=WarningImport.Status.CHECKED
        ).update(status=WarningImport.Status.DONE, finished_at=now)
        if claimed != 1:
            raise ValidationError("该文件已经导入过,或已失效")
        try:
            rows = read_rows(job.file.path, job.original_name)
        except (FileProblem, OSError) as exc:
            raise ValidationError(f"文件无法再次读取:{exc}") from None
        checked = check_rows(rows, now=now)
        if checked.errors and not valid_only:
            raise ValidationError(
                f"有{len(checked.errors)}行存在问题,请修改后重新上传,或选择“只导入正确的行”"
            )
        good = checked.good
        matcher = Matcher(actor.station)
        matcher.prime(
            id_numbers=[normalise_id_number(r.clean["id_number"]) for r in good],
            phones=[normalise_phone(r.clean["phone"]) for r in good if r.clean["phone"]],
            names=[r.clean["name"] for r in good if r.clean["address_text"]],
        )
        created = merged = 0
        for row in good:
            warning = services.warning_receive(
                actor=actor,
                station=actor.station,
                source=WarningSource.IMPORT,
                matcher=matcher,
                now=now,
                **row.clean,
            )
            if warning.status == WarningStatus.MERGED:
                merged += 1
            else:
                created += 1
        job.refresh_from_db()
        job.created_count, job.merged_count = created, merged
        job.summary = f"已导入{created + merged}条预警(新建{created}条,合并重复{merged}条)" + (
            f",跳过有问题的{len(checked.errors)}行" if checked.errors else ""
        )
        job.save(update_fields=["created_count", "merged_count", "summary"])
    return job


def template_workbook():
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "预警指令"
    sheet.append([c.title + ("(必填)" if c.required else "") for c in COLUMNS])
    sheet.append([c.example for c in COLUMNS])
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(["列", "必填", "说明"])
    for c in COLUMNS:
        help_sheet.append([c.title, "是" if c.required else "", c.help])
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()
