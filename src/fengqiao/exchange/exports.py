"""Workbooks: exports of any filtered registry list, the import templates and the error reports.

Exports go through the same filtersets as the list pages and `visible_to(user)`; personal data is
masked unless the role is in UNMASKED_EXPORT_ROLES, and 重点人员 labels appear only for
KEY_PERSON_ROLES. Every export is recorded (ExportRecord); an unmasked one also writes a
PersonalDataAccess row (channel "export") for each person or house whose data left the system.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.files.base import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext

from fengqiao.accounts.roles import KEY_PERSON_ROLES, UNMASKED_EXPORT_ROLES, has_role
from fengqiao.core import context, masking
from fengqiao.core.audit import personal_data_view_row, record_personal_data_views
from fengqiao.core.exports import workbook as new_workbook
from fengqiao.exchange.choices import ExportKind, ExportStatus
from fengqiao.exchange.columns import COLUMNS
from fengqiao.exchange.models import ExportRecord, ImportJob
from fengqiao.registry import filtersets
from fengqiao.registry.choices import (
    CommunityKind,
    HouseUse,
    InflowReason,
    OrganisationCategory,
    PersonCategory,
    Relation,
    Sex,
)
from fengqiao.registry.models import Address, Community, House, Organisation, Person, PersonLabel

CHUNK = 5000
logger = logging.getLogger(__name__)


def _labels(choices) -> Callable:
    table = {key: str(label) for key, label in choices.choices}
    return lambda value: table.get(value, value or "")


def _plain(value):
    return value


@dataclass(frozen=True)
class Col:
    title: str
    field: str
    show: Callable = _plain
    mask: Callable | None = None  # applied when the export is masked
    personal: str = ""  # the revealable field name recorded in PersonalDataAccess when unmasked


@dataclass(frozen=True)
class ExportSpec:
    kind: str
    model: type
    filterset: type
    title: str
    columns: tuple[Col, ...]
    order: tuple[str, ...] = ("pk",)
    extra: dict = field(default_factory=dict)


def _hidden(value):
    """A door-level part of a standard address in a masked export (core/masking.py)."""
    return "****" if value not in (None, "") else ""


def _area(value):
    """A coordinate in a masked export: two decimals (about a kilometre), the area and not the door."""
    return round(value, 2) if value is not None else None


SPECS = {
    ExportKind.PERSONS: ExportSpec(
        ExportKind.PERSONS,
        Person,
        filtersets.PersonFilterSet,
        "实有人口",
        (
            Col("姓名", "name"),
            Col("身份证号", "id_number", mask=masking.mask_id_number, personal="id_number"),
            Col("性别", "sex", _labels(Sex)),
            Col("出生日期", "birth_date", mask=masking.mask_birth_date, personal="birth_date"),
            Col("手机号", "phone", mask=masking.mask_phone, personal="phone"),
            Col("人口类别", "category", _labels(PersonCategory)),
            Col("社区", "community__name"),
            Col("现住地址", "address__full_text", mask=masking.mask_address, personal="address"),
            Col(
                "户籍地址",
                "registered_address",
                mask=masking.mask_address,
                personal="registered_address",
            ),
            Col("与户主关系", "relation", _labels(Relation)),
            Col("流入日期", "inflow_date"),
            Col("流入原因", "inflow_reason", _labels(InflowReason)),
            Col("预计离开日期", "expected_departure"),
            Col("民族", "ethnicity"),
            Col("国籍", "nationality"),
            Col("备注", "note"),
        ),
    ),
    ExportKind.HOUSES: ExportSpec(
        ExportKind.HOUSES,
        House,
        filtersets.HouseFilterSet,
        "实有房屋",
        (
            Col("社区", "community__name"),
            Col("地址", "address__full_text", mask=masking.mask_address, personal="address"),
            Col("用途", "use", _labels(HouseUse)),
            Col("房主姓名", "owner_name"),
            Col("房主电话", "owner_phone", mask=masking.mask_phone, personal="owner_phone"),
            Col("面积", "area_m2", lambda v: float(v) if v is not None else None),
            Col("间数", "rooms"),
            Col("建成年份", "built_year"),
            Col("备注", "note"),
        ),
    ),
    ExportKind.ADDRESSES: ExportSpec(
        ExportKind.ADDRESSES,
        Address,
        filtersets.AddressFilterSet,
        "标准地址",
        (
            Col("社区", "community__name"),
            Col("完整地址", "full_text", mask=masking.mask_address, personal="address"),
            Col("街道/乡镇", "town"),
            Col("街路巷/小区", "road"),
            Col("门牌号", "doorplate", mask=_hidden, personal="address"),
            Col("楼栋", "building", mask=_hidden, personal="address"),
            Col("单元", "unit", mask=_hidden, personal="address"),
            Col("层", "floor", mask=_hidden, personal="address"),
            Col("户室", "room", mask=_hidden, personal="address"),
            Col("地址编码", "code", mask=_hidden, personal="address"),
            Col("纬度", "latitude", mask=_area, personal="address"),
            Col("经度", "longitude", mask=_area, personal="address"),
        ),
    ),
    ExportKind.ORGANISATIONS: ExportSpec(
        ExportKind.ORGANISATIONS,
        Organisation,
        filtersets.OrganisationFilterSet,
        "实有单位",
        (
            Col("单位名称", "name"),
            Col("类别", "category", _labels(OrganisationCategory)),
            Col("统一社会信用代码", "credit_code"),
            Col("社区", "community__name"),
            Col("地址", "address__full_text", mask=masking.mask_address, personal="address"),
            Col("法定代表人", "legal_representative"),
            Col("治安负责人", "person_in_charge"),
            Col("联系电话", "phone", mask=masking.mask_phone, personal="phone"),
            Col("从业人数", "employee_count"),
        ),
    ),
    ExportKind.COMMUNITIES: ExportSpec(
        ExportKind.COMMUNITIES,
        Community,
        filtersets.CommunityFilterSet,
        "社区/村",
        (
            Col("名称", "name"),
            Col("类型", "kind", _labels(CommunityKind)),
            Col("区划代码", "code"),
            Col("街道/乡镇", "town"),
            Col("老城区", "is_old_town", lambda v: "是" if v else "否"),
            Col("备注", "note"),
        ),
    ),
}


def export_masked_for(user) -> bool:
    return not has_role(user, UNMASKED_EXPORT_ROLES)


def _cell(value):
    if value == "":
        return None  # an empty cell is not written at all (a third of a person row is empty)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def _filtered(spec: ExportSpec, actor, params: QueryDict):
    queryset = spec.model.objects.visible_to(actor)
    # The export view counted and recorded a search by number once (registry/number_search.py); the
    # filter set runs it here again for the count and the rows without counting it twice.
    request = SimpleNamespace(user=actor, GET=params, path="", number_search=False)
    return spec.filterset(params or None, queryset=queryset, request=request).qs


def _prepare(actor, kind: str, params: QueryDict | None):
    spec = SPECS[kind]
    params = params if params is not None else QueryDict()
    params = params.copy()
    for key in ("page", "sort"):
        params.pop(key, None)
    masked = export_masked_for(actor)
    with_labels = kind == ExportKind.PERSONS and has_role(actor, KEY_PERSON_ROLES)
    return spec, params, masked, with_labels


def _filename(spec: ExportSpec) -> str:
    return f"{spec.title.replace('/', '、')}_{timezone.localtime():%Y%m%d_%H%M}.xlsx"


def _write(spec: ExportSpec, actor, params, *, masked: bool, with_labels: bool, progress=None):
    """The filtered list as an .xlsx in a rewound temporary file, and (pk, station id, name) of each row."""
    queryset = _filtered(spec, actor, params).order_by(*spec.order)
    fields = ["pk", "station_id", _repr_field(spec), *[c.field for c in spec.columns]]
    labels: dict[int, list[str]] = {}
    if with_labels:
        for person_id, label in PersonLabel.objects.filter(
            person__in=queryset.values("pk")
        ).values_list("person_id", "label"):
            labels.setdefault(person_id, []).append(label)

    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet(spec.title.replace("/", "、"))
    sheet.append([c.title for c in spec.columns] + (["人员标签"] if with_labels else []))
    shows = [(c.mask if masked and c.mask else None, c.show) for c in spec.columns]
    exported: list[tuple] = []  # (pk, station id, what the record is called) of every exported row
    for values in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
        pk = values[0]
        exported.append(values[:3])
        row = []
        for (mask, show), value in zip(shows, values[3:], strict=True):
            value = show(value)
            if mask is not None:
                value = mask(value)
            row.append(_cell(value))
        if with_labels:
            row.append("、".join(sorted(labels.get(pk, ()))))
        sheet.append(row)
        if progress is not None and len(exported) % CHUNK == 0:
            progress(len(exported))
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output, exported


def export_workbook(*, actor, kind: str, params: QueryDict | None = None):
    """Write the filtered list to an .xlsx (a temporary file, rewound) and record the export.

    Returns (file, filename, record).
    """
    spec, params, masked, with_labels = _prepare(actor, kind, params)
    output, exported = _write(spec, actor, params, masked=masked, with_labels=with_labels)
    record = _record(actor, spec, params, exported, masked=masked, with_labels=with_labels)
    return output, _filename(spec), record


def export_count(*, actor, kind: str, params: QueryDict | None = None) -> int:
    spec, params, _masked, _labels = _prepare(actor, kind, params)
    return _filtered(spec, actor, params).count()


# ----------------------------------------------------------------------------- exports in the background

WRITING = "正在生成…"


def export_job_start(*, actor, kind: str, params: QueryDict | None = None) -> ExportRecord:
    """Record a long export as running; the caller queues `export_job_run` for it."""
    spec, params, masked, with_labels = _prepare(actor, kind, params)
    return ExportRecord.objects.create(
        user=actor,
        user_name=actor.display_name,
        station_id=actor.station_id,
        kind=spec.kind,
        query=params.urlencode()[:1000],
        masked=masked,
        with_labels=with_labels,
        status=ExportStatus.RUNNING,
        total_rows=_filtered(spec, actor, params).count(),
        filename=_filename(spec),
    )


def export_job_run(record_id: int) -> ExportRecord:
    """Write a running export's workbook into its file, with progress; claimed once (a retried job
    does nothing). The role and scope are those of the user who asked, checked again now."""
    claimed = ExportRecord.objects.filter(
        pk=record_id, status=ExportStatus.RUNNING, summary=""
    ).update(summary=WRITING)
    record = ExportRecord.objects.select_related("user").get(pk=record_id)
    if not claimed:
        return record
    actor = record.user
    try:
        with context.acting_as(actor, source="export"):
            spec, params, masked, with_labels = _prepare(
                actor, record.kind, QueryDict(record.query)
            )

            def progress(done: int) -> None:
                ExportRecord.objects.filter(pk=record.pk).update(processed_rows=done)

            output, exported = _write(
                spec, actor, params, masked=masked, with_labels=with_labels, progress=progress
            )
            with output:
                record.file.save(record.filename, File(output), save=False)
            _record(
                actor, spec, params, exported, masked=masked, with_labels=with_labels, record=record
            )
    except Exception as exc:
        logger.exception("export %s failed", record.pk)
        ExportRecord.objects.filter(pk=record.pk).update(
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            summary=gettext("导出失败(%(error)s),请重试或联系管理员")
            % {"error": type(exc).__name__},
        )
        record.refresh_from_db()
        return record
    ExportRecord.objects.filter(pk=record.pk).update(
        file=record.file.name,
        status=ExportStatus.DONE,
        row_count=len(exported),
        processed_rows=len(exported),
        finished_at=timezone.now(),
        summary=gettext("已导出 %(n)s 行") % {"n": len(exported)},
    )
    record.refresh_from_db()
    return record


def _record(
    actor,
    spec: ExportSpec,
    params,
    exported: list[tuple],
    *,
    masked: bool,
    with_labels: bool,
    record: ExportRecord | None = None,
) -> ExportRecord:
    return record_export(
        actor=actor,
        kind=spec.kind,
        model=spec.model,
        title=spec.title,
        query=params.urlencode(),
        exported=exported,
        masked=masked,
        personal=list(dict.fromkeys(c.personal for c in spec.columns if c.personal)),
        with_labels=with_labels,
        record=record,
    )


@transaction.atomic
def record_export(
    *,
    actor,
    kind: str,
    model,
    title: str,
    query: str,
    exported: list[tuple],
    masked: bool,
    personal=(),
    with_labels: bool = False,
    record: ExportRecord | None = None,
) -> ExportRecord:
    """Record an export of any app's list: who, what, filter, rows, masked or not (ExportRecord), and,
    when personal data left unmasked, one PersonalDataAccess row per exported record.

    `exported` holds (pk, station id, what the record is called) of every row written.
    """
    if record is None:
        record = ExportRecord.objects.create(
            user=actor,
            user_name=actor.display_name,
            station_id=actor.station_id,
            kind=kind,
            query=query[:1000],
            row_count=len(exported),
            masked=masked,
            with_labels=with_labels,
        )
    personal = list(personal)
    if not masked and personal and exported:
        now = timezone.now()
        purpose = f"导出{title}(导出记录#{record.pk})"
        record_personal_data_views(
            (
                personal_data_view_row(
                    actor=actor,
                    station_id=station_id,
                    model=model,
                    object_id=pk,
                    object_repr=text or "",
                    fields=personal,
                    purpose=purpose,
                    channel="export",
                    time=now,
                )
                for pk, station_id, text in exported
            ),
            batch_size=CHUNK,
        )
    return record


def _repr_field(spec: ExportSpec) -> str:
    return {Person: "name", House: "address__full_text", Address: "full_text"}.get(
        spec.model, "name"
    )


# ----------------------------------------------------------------------------- templates and error reports


def _save(workbook):
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


def template_workbook(kind: str):
    """The import template: headers and one example row; a second sheet explains every column."""
    from openpyxl.styles import Font

    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = "人员" if kind == "persons" else "房屋"
    columns = COLUMNS[kind]
    sheet.append([c.title for c in columns])
    sheet.append([c.example or None for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        if column.required:
            cell.font = Font(bold=True, color="C0392B")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(10, len(column.title) * 2 + 4)
        # Text format, so ID numbers and phones keep every digit.
        for row in (2,):
            sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet("说明")
    notes.append(["列名", "必填", "也可写作", "说明", "示例"])
    for column in columns:
        notes.append(
            [
                column.title,
                "是" if column.required else "",
                "、".join(column.aliases),
                column.help,
                column.example,
            ]
        )
    notes.append([])
    notes.append(["第一行必须是列名;从第二行起每行一条记录。列的顺序不限,多余的列会被忽略。"])
    notes.append(["身份证号、手机号请使用“文本”格式,否则 Excel 会丢失末几位数字。"])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 24
    notes.column_dimensions["D"].width = 50
    return _save(workbook)


def errors_workbook(job: ImportJob):
    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet("错误明细")
    sheet.append(["行号", "列", "内容", "问题"])
    for error in job.errors:
        sheet.append([error["row"], error["column"], error["value"], error["problem"]])
    return _save(workbook)
