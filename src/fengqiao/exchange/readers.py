"""Read an uploaded spreadsheet (.xlsx or .csv) into rows keyed by column. No database here.

Anything that is not a readable table of the expected kind raises `FileProblem` with a message in
Chinese that the upload page shows as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from fengqiao.exchange.choices import ImportKind
from fengqiao.exchange.columns import COLUMNS, SHEET_NAMES, Column, header_lookup, normalise_header

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
_HEADER_SEARCH_ROWS = 10


class FileProblem(ValueError):
    """The file as a whole cannot be imported (the message is for the user)."""


@dataclass
class Table:
    kind: str
    sheet: str
    keys: list[str]
    columns: list[Column]
    rows: list[tuple[int, tuple]] = field(
        default_factory=list
    )  # (row number as Excel shows it, values by keys)
    ignored_headers: list[str] = field(default_factory=list)

    def __len__(self):
        return len(self.rows)


def file_type(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix == ".xls":
        raise FileProblem(_("不支持旧版 .xls 格式,请在 Excel 中“另存为”.xlsx 后再上传"))
    if not suffix:
        raise FileProblem(_("不支持的文件类型“(无扩展名)”,请上传 .xlsx 或 .csv 文件"))
    raise FileProblem(_("不支持的文件类型“%(suffix)s”,请上传 .xlsx 或 .csv 文件") % {"suffix": suffix})


def read_table(path, name: str, kind: str, *, max_rows: int) -> Table:
    """Read the file at `path` (uploaded as `name`) as an import table of `kind`."""
    path = Path(path)
    kind_type = file_type(name)
    if path.stat().st_size == 0:
        raise FileProblem(_("文件是空的(0 字节),请检查后重新上传"))
    if kind_type == "xlsx":
        sheet, rows = _xlsx_rows(path, kind)
    else:
        sheet, rows = "", _csv_rows(path)
    return _table(kind, sheet, rows, max_rows=max_rows)


# ----------------------------------------------------------------------------- xlsx


def _xlsx_rows(path: Path, kind: str):
    if not zipfile.is_zipfile(path):
        raise FileProblem(_("文件不是有效的 Excel(.xlsx) 文件:可能已损坏,或只是把扩展名改成了 .xlsx"))
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise FileProblem(
            _("文件不是有效的 Excel(.xlsx) 文件:可能已损坏,或只是把扩展名改成了 .xlsx")
        ) from exc
    sheet = _pick_sheet(workbook, kind)

    def rows():
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except Exception as exc:
            raise FileProblem(
                _("工作表“%(sheet)s”无法读取:文件可能已损坏") % {"sheet": sheet.title}
            ) from exc
        finally:
            workbook.close()

    return sheet.title, rows()


def _pick_sheet(workbook, kind: str):
    names = [ws.title.strip() for ws in workbook.worksheets]
    if not names:
        raise FileProblem(_("文件中没有工作表"))
    for wanted in SHEET_NAMES[kind]:
        if wanted in names:
            return workbook.worksheets[names.index(wanted)]
    other = ImportKind.HOUSES if kind == ImportKind.PERSONS else ImportKind.PERSONS
    if names[0] in SHEET_NAMES[other]:
        raise FileProblem(
            _(
                "第一个工作表名为“%(sheet)s”,看来是%(other)s导入表,"
                "而您正在导入%(kind)s;请选择正确的文件或导入类型"
            )
            % {
                "sheet": names[0],
                "other": ImportKind(other).label,
                "kind": ImportKind(kind).label,
            }
        )
    return workbook.worksheets[0]


# ----------------------------------------------------------------------------- csv


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("无法识别 CSV 文件的编码,请保存为 UTF-8 或 GBK 编码"))


def _csv_rows(path: Path):
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise FileProblem(_("该文件实际是 Excel 文件,请把扩展名改回 .xlsx 再上传"))
    if b"\x00" in raw[:8192]:
        raise FileProblem(_("文件不是 CSV 文本文件(含有二进制内容),请上传 .xlsx 或 .csv 文件"))
    text = _decode(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise FileProblem(
                _("CSV 第%(row)s行格式错误:%(error)s") % {"row": reader.line_num, "error": exc}
            ) from exc

    return rows()


# ----------------------------------------------------------------------------- header and rows


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(kind: str, sheet: str, rows, *, max_rows: int) -> Table:
    lookup = header_lookup(kind)
    header = None
    for number, values in rows:
        if values and not all(_empty(v) for v in values):
            header = (number, values)
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if header is None:
        if sheet:
            raise FileProblem(_("工作表“%(sheet)s”是空的,没有表头和数据") % {"sheet": sheet})
        raise FileProblem(_("文件是空的,没有表头和数据"))
    header_number, header_values = header
    positions: list[int] = []
    columns: list[Column] = []
    ignored = []
    for index, value in enumerate(header_values):
        if _empty(value):
            continue
        column = lookup.get(normalise_header(value))
        if column is None:
            ignored.append(str(value).strip())
            continue
        if column in columns:
            raise FileProblem(
                _("第%(row)s行:列“%(column)s”出现了两次")
                % {"row": header_number, "column": column.title}
            )
        columns.append(column)
        positions.append(index)
    missing = [c.title for c in COLUMNS[kind] if c.required and c not in columns]
    if missing:
        other = ImportKind.HOUSES if kind == ImportKind.PERSONS else ImportKind.PERSONS
        other_lookup = header_lookup(other)
        params = {"row": header_number, "columns": "、".join(missing), "other": ImportKind(other).label}
        if any(
            normalise_header(v) in other_lookup and normalise_header(v) not in lookup
            for v in header_values
            if not _empty(v)
        ):
            raise FileProblem(
                _(
                    "第%(row)s行(表头)缺少必填列:%(columns)s。请使用导入模板,第一行为列名"
                    "(这看来是%(other)s的表格)"
                )
                % params
            )
        raise FileProblem(
            _("第%(row)s行(表头)缺少必填列:%(columns)s。请使用导入模板,第一行为列名") % params
        )
    table = Table(
        kind=kind,
        sheet=sheet,
        keys=[c.key for c in columns],
        columns=columns,
        ignored_headers=ignored,
    )
    for number, values in rows:
        picked = tuple(_clean(values[i]) if i < len(values) else None for i in positions)
        if all(_empty(v) for v in picked):
            continue
        if len(table.rows) >= max_rows:
            raise FileProblem(
                _("文件超过 %(max)s 行数据的上限,请拆分后分批导入") % {"max": f"{max_rows:,}"}
            )
        table.rows.append((number, picked))
    if not table.rows:
        raise FileProblem(_("文件只有表头,没有数据行"))
    return table


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
