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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.antifraud import permissions, rules, services
from fengqiao.antifraud.models import FraudType, WarningImport
from fengqiao.antifraud.selectors import Matcher
from fengqiao.exchange.columns import Column, normalise_header
from fengqiao.exchange.readers import FileProblem, _csv_rows, file_type

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
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        try:
            external_id = _text(v.get("external_id"))
            if len(external_id) > 60:
                raise rules.BadWarning("指令编号过长(最多60字)")
            if external_id and external_id in seen:
                raise rules.BadWarning(f"指令编号“{external_id}”与第{seen[external_id]}行重复")
            if external_id:
                seen[external_id] = row.number
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
    if not permissions.can_import(actor):
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
    _save_rows(job, checked.good)
    job.total_rows, job.valid_count = len(rows), len(checked.good)
    job.invalid_count, job.errors = len(rows) - len(checked.good), checked.errors
    job.summary = f"共{len(rows)}行:正确{job.valid_count}行,有问题{job.invalid_count}行"
    job.save()
    return job


def _rows_path(job: WarningImport) -> Path:
    """The good rows of the dry run (JSON) beside the uploaded file: the commit need not parse the sheet again."""
    return Path(job.file.path + ".rows.json")


def _save_rows(job: WarningImport, good: list[Row]) -> None:
    import json

    rows = [
        {
            **r.clean,
            "received_at": r.clean["received_at"].isoformat(),
            "fraud_type": r.clean["fraud_type"].pk,
        }
        for r in good
    ]
    _rows_path(job).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def _checked_rows(job: WarningImport, now) -> tuple[list[dict], int]:
    """The dry run's good rows, checked again where things may have changed since (a fraud type switched
    off). Falls back to reading the file again when the rows file is missing. Returns (rows, problems)."""
    import json

    path = _rows_path(job)
    if not path.exists():
        try:
            rows = read_rows(job.file.path, job.original_name)
        except (FileProblem, OSError) as exc:
            raise ValidationError(f"文件无法再次读取:{exc}") from None
        checked = check_rows(rows, now=now)
        return [r.clean for r in checked.good], len(checked.errors)
    types = {t.pk: t for t in FraudType.objects.filter(active=True)}
    good, problems = [], job.invalid_count
    for row in json.loads(path.read_text(encoding="utf-8")):
        fraud_type = types.get(row["fraud_type"])
        if fraud_type is None:
            problems += 1
            continue
        good.append(
            {
                **row,
                "fraud_type": fraud_type,
                "received_at": dt.datetime.fromisoformat(row["received_at"]),
            }
        )
    return good, problems


def import_commit(
    *, actor, job: WarningImport, valid_only: bool = False, now: dt.datetime | None = None
) -> WarningImport:
    """Write the rows in one transaction: all (refused while any row has a problem) or only the good ones.
    The rows are checked again (a fraud type may have been switched off since the dry run)."""
    if not permissions.can_import(actor) or job.station_id != actor.station_id:
        raise PermissionDenied("您无权导入该文件")
    now = now or timezone.now()
    with transaction.atomic():
        claimed = WarningImport.objects.filter(
            pk=job.pk, status=WarningImport.Status.CHECKED
        ).update(status=WarningImport.Status.DONE, finished_at=now)
        if claimed != 1:
            raise ValidationError("该文件已经导入过,或已失效")
        good, problems = _checked_rows(job, now)
        if problems and not valid_only:
            raise ValidationError(f"有{problems}行存在问题,请修改后重新上传,或选择“只导入正确的行”")
        created, merged = receive_many(actor=actor, station=actor.station, rows=good, now=now)
        job.refresh_from_db()
        job.created_count, job.merged_count = created, merged
        job.summary = f"已导入{created + merged}条预警(新建{created}条,合并重复{merged}条)" + (
            f",跳过有问题的{problems}行" if problems else ""
        )
        job.save(update_fields=["created_count", "merged_count", "summary"])
    return job


def import_files_purge(*, now: dt.datetime, keep_days: int) -> int:
    """Delete warning sheets (and their dry-run rows) uploaded more than `keep_days` ago: they hold
    names, phones and ID numbers. The import record (counts, row problems, summary) stays; a sheet
    checked but never imported can no longer be, and is marked failed. Registered with exchange's
    retention job (`fengqiao purge_imports`, the nightly purge), so IMPORT_FILE_RETENTION_DAYS rules
    both."""
    cutoff = now - dt.timedelta(days=keep_days)
    purged = 0
    for job in WarningImport.objects.filter(created_at__lt=cutoff).exclude(file="").iterator():
        _rows_path(job).unlink(missing_ok=True)
        job.file.delete(save=False)
        changes = {"file": ""}
        if job.status == WarningImport.Status.CHECKED:
            changes |= {
                "status": WarningImport.Status.FAILED,
                "finished_at": now,
                "summary": _("文件已超过保留期限(%(days)s 天)被删除,未导入;如仍需导入请重新上传")
                % {"days": keep_days},
            }
        # conditional: a sheet committed since we read it keeps its status
        WarningImport.objects.filter(pk=job.pk, status=job.status).update(**changes)
        purged += 1
    return purged


# ----------------------------------------------------------------------------- many warnings at once


def _reserve(kind: str, station, year: int, n: int) -> int:
    """Reserve n consecutive reference numbers (the counter row locked, as core.refnumbers does for one);
    returns the first. Call inside the transaction that saves the records."""
    from django.db.models import F

    from fengqiao.core.workflow_models import ReferenceCounter

    ReferenceCounter.objects.get_or_create(
        kind=kind, station_id=station.pk, year=year, defaults={"last": 0}
    )
    counter = ReferenceCounter.objects.select_for_update().get(
        kind=kind, station_id=station.pk, year=year
    )
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + n)
    return ReferenceCounter.objects.values_list("last", flat=True).get(pk=counter.pk) - n + 1


def receive_many(*, actor, station, rows: list[dict], now: dt.datetime) -> tuple[int, int]:
    """Take many checked warnings in one go (a spreadsheet from the county centre), with the same rules
    as `services.warning_receive` — same centre number taken once; a warning about a person with an open
    warning within the merge window merges into it; matched to the registry; assigned to the community's
    officer; contact clock by level from receipt — written with bulk inserts.

    A row that duplicates a warning already in the database goes through `warning_receive` itself (it
    may raise that warning's level). Notifications are summed up: one per officer ("N new warnings, M
    high", urgent when any is high) and one to the command room and leaders for the high and the
    unassigned ones, instead of one per row.
    Returns (created, merged)."""
    from django.contrib.contenttypes.models import ContentType

    from fengqiao.antifraud.choices import CONTACT_CLOCK_KIND, LEVEL_RANK, OPEN_STATUSES, EventKind
    from fengqiao.antifraud.models import Warning, WarningEvent
    from fengqiao.core import rules as core_rules
    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.core.services import rule_in_force, schedule_next_warning
    from fengqiao.core.workflow_models import Clock

    window = dt.timedelta(hours=services.merge_window_hours())
    rows = sorted(rows, key=lambda r: r["received_at"])
    ids = {r["external_id"] for r in rows if r["external_id"]}
    taken = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids)[start : start + 500]
        taken |= set(
            Warning.objects.filter(station=station, external_id__in=chunk).values_list(
                "external_id", flat=True
            )
        )
    unique = []
    for r in rows:  # the same centre number twice (also in the file itself) is taken once
        if r["external_id"] and r["external_id"] in taken:
            continue
        taken.add(r["external_id"])
        unique.append(r)
    rows = unique
    if not rows:
        return 0, 0
    # open warnings in the database that rows of the file may duplicate
    keys = {r["phone"] for r in rows if r["phone"]} | {
        r["id_number"] for r in rows if r["id_number"]
    }
    in_db = {}
    earliest = rows[0]["received_at"] - window
    for w in (
        Warning.objects.filter(
            station=station,
            merged_into__isnull=True,
            status__in=OPEN_STATUSES,
            received_at__gte=earliest,
        )
        .only("pk", "phone", "id_number", "received_at")
        .order_by("received_at", "pk")
    ):
        for key in (w.phone, w.id_number):
            if key and key in keys:
                in_db.setdefault(key, w)

    matcher = Matcher(station)
    matcher.prime(
        id_numbers=[r["id_number"] for r in rows if r["id_number"]],
        phones=[r["phone"] for r in rows if r["phone"]],
        names=[r["name"] for r in rows if r["address_text"]],
    )
    fallback, planned, latest = [], [], {}  # latest: key -> (plan index) of an in-file primary
    for row in rows:
        keys_of_row = [k for k in (row["id_number"], row["phone"]) if k]
        db_hit = next(
            (
                in_db[k]
                for k in keys_of_row
                if k in in_db
                and dt.timedelta(0) <= row["received_at"] - in_db[k].received_at <= window
            ),
            None,
        )
        if db_hit is not None:
            fallback.append(row)
            continue
        primary = next(
            (
                latest[k]
                for k in keys_of_row
                if k in latest
                and row["received_at"] - planned[latest[k]]["row"]["received_at"] <= window
            ),
            None,
        )
        plan = {
            "row": row,
            "primary": primary,
            "level": row["risk_level"],
            "clock_from": row["received_at"],
        }
        if primary is None:
            match = matcher.match(
                name=row["name"],
                phone=row["phone"],
                id_number=row["id_number"],
                address_text=row["address_text"],
            )
            plan.update(match=match, officer=matcher.officer_for(match.community))
            for k in keys_of_row:
                latest[k] = len(planned)
        else:
            head = planned[primary]
            if LEVEL_RANK[row["risk_level"]] > LEVEL_RANK[head["level"]]:
                head["level"], head["clock_from"] = row["risk_level"], row["received_at"]
        planned.append(plan)

    by_year = {}
    for plan in planned:
        by_year.setdefault(timezone.localtime(plan["row"]["received_at"]).year, []).append(plan)
    for year, plans in by_year.items():
        first = _reserve("FZ", station, year, len(plans))
        for i, plan in enumerate(plans):
            plan["reference"] = format_reference("FZ", year, first + i)

    rule_cache = {}
    warnings = []
    for plan in planned:
        row = plan["row"]
        common = dict(
            station=station,
            reference=plan["reference"],
            external_id=row["external_id"],
            name=row["name"],
            phone=row["phone"],
            id_number=row["id_number"],
            address_text=row["address_text"],
            risk_level=row["risk_level"],
            fraud_type=row["fraud_type"],
            content=row["content"],
            received_at=row["received_at"],
            source="import",
            created_by=actor,
        )
        if plan["primary"] is None:
            match, officer = plan["match"], plan["officer"]
            common.update(
                risk_level=plan["level"],
                person=match.person,
                community=match.community,
                match_method=match.method,
                officer=officer,
                assigned_at=now if officer else None,
                status="assigned" if officer else "unassigned",
            )
            kind = CONTACT_CLOCK_KIND[plan["level"]]
            rule_key = (kind, timezone.localtime(plan["clock_from"]).date())
            if rule_key not in rule_cache:
                rule_cache[rule_key] = rule_in_force(kind, plan["clock_from"])
            rule = rule_cache[rule_key]
            due = core_rules.add_period(
                plan["clock_from"],
                rule.limit_value,
                rule.limit_unit,
                holiday_rolls=rule.holiday_rolls,
            )
            common["contact_due_at"] = due
            plan["rule"], plan["kind"], plan["due"] = rule, kind, due
        else:
            head = planned[plan["primary"]]
            common.update(
                status="merged",
                match_method=head["match"].method,
                person=head["match"].person,
                community=head["match"].community,
                officer=head["officer"],
                assigned_at=now if head["officer"] else None,
            )
        warnings.append(Warning(**common))
    Warning.objects.bulk_create(
        [w for w, p in zip(warnings, planned, strict=True) if p["primary"] is None], batch_size=1000
    )
    for w, plan in zip(warnings, planned, strict=True):
        if plan["primary"] is not None:
            w.merged_into = warnings[plan["primary"]]
    Warning.objects.bulk_create(
        [w for w, p in zip(warnings, planned, strict=True) if p["primary"] is not None],
        batch_size=1000,
    )

    content_type = ContentType.objects.get_for_model(Warning)
    clocks, events = [], []
    for w, plan in zip(warnings, planned, strict=True):
        if plan["primary"] is not None:
            head = warnings[plan["primary"]]
            events.append(
                WarningEvent(
                    warning=head,
                    kind=EventKind.MERGED,
                    actor=actor,
                    at=now,
                    data={"reference": w.reference, "level": w.risk_level},
                )
            )
            continue
        clock = Clock(
            content_type=content_type,
            object_id=w.pk,
            station=station,
            assignee=w.officer,
            unit=w.officer.unit if w.officer else None,
            kind=plan["kind"],
            rule=plan["rule"],
            title=f"{w.reference} 预警联系",
            started_at=plan["clock_from"],
            due_at=plan["due"],
        )
        schedule_next_warning(clock)
        clocks.append(clock)
        events.append(
            WarningEvent(
                warning=w,
                kind=EventKind.RECEIVED,
                actor=actor,
                at=w.received_at,
                data={
                    "source": "import",
                    "external_id": w.external_id,
                    "method": w.match_method,
                    "community": w.community.name if w.community else "",
                    "officer": w.officer_id,
                    "officer_name": w.officer.display_name if w.officer else "",
                },
            )
        )
    Clock.objects.bulk_create(clocks, batch_size=1000)
    WarningEvent.objects.bulk_create(events, batch_size=2000)
    log_bulk(warnings, ChangeAction.CREATE, actor=actor, source="import")
    log_bulk(clocks, ChangeAction.CREATE, actor=actor, source="import")
    _notify_many(
        [w for w, p in zip(warnings, planned, strict=True) if p["primary"] is None], station
    )

    created = sum(1 for p in planned if p["primary"] is None)
    merged = len(planned) - created
    for row in fallback:
        warning = services.warning_receive(
            actor=actor, station=station, source="import", matcher=matcher, now=now, **row
        )
        if warning.status == "merged":
            merged += 1
        else:
            created += 1
    return created, merged


def _notify_many(warnings, station) -> None:
    from fengqiao.notifications.services import notification_send

    by_officer = {}
    for w in warnings:
        if w.officer_id:
            by_officer.setdefault(w.officer_id, (w.officer, []))[1].append(w)
    for officer, items in by_officer.values():
        high = [w for w in items if w.risk_level == "high"]
        first_due = min(w.contact_due_at for w in items)
        notification_send(
            recipients=[officer],
            kind="fraud_warning",
            title=f"新到反诈预警 {len(items)} 条" + (f"(高风险 {len(high)} 条)" if high else ""),
            body=f"最早联系期限 {timezone.localtime(first_due):%m-%d %H:%M}:"
            + "、".join(w.name for w in items[:10]),
            level="red" if high else "orange",
            url=reverse("antifraud:my_queue"),
            urgent=bool(high),
        )
    high = [w for w in warnings if w.risk_level == "high"]
    unassigned = [w for w in warnings if not w.officer_id]
    if high:
        notification_send(
            recipients=services._command_room(station),
            kind="fraud_warning",
            title=f"导入反诈预警:高风险 {len(high)} 条",
            body="、".join(w.reference for w in high[:20]),
            level="red",
            url=reverse("antifraud:warning_list") + "?level=high&status=open",
            urgent=True,
        )
    if unassigned:
        notification_send(
            recipients=services._command_room(station) + services._leaders(station),
            kind="fraud_warning",
            title=f"待分派反诈预警 {len(unassigned)} 条(未匹配到社区)",
            body="、".join(w.reference for w in unassigned[:20]),
            level="orange",
            url=reverse("antifraud:warning_list") + "?status=unassigned",
            urgent=any(w.risk_level == "high" for w in unassigned),
        )


def template_workbook():
    from io import BytesIO

    from fengqiao.core.exports import workbook as new_workbook

    workbook = new_workbook()
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
