"""The weekly summary as a Word document (python-docx) and a workbook (openpyxl), from its stored data."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

TOTALS = [
    ("received", "受案"),
    ("filed", "受理/立案"),
    ("closed", "结案"),
    ("overdue", "办理超期"),
    ("flags_raised", "红线问题(新发现)"),
    ("flags_resolved", "红线问题(已整改)"),
    ("open_cases", "在办案件"),
    ("open_flags", "未整改问题"),
]
UNIT_COLUMNS = [
    ("unit", "单位"),
    ("received", "受案"),
    ("filed", "受理/立案"),
    ("closed", "结案"),
    ("overdue", "办理超期"),
    ("flags", "红线问题"),
]
OFFICER_COLUMNS = [
    ("rank", "名次"),
    ("officer", "民警"),
    ("unit", "单位"),
    ("received", "受案"),
    ("filed", "受理/立案"),
    ("closed", "结案"),
    ("overdue", "办理超期"),
    ("flags", "红线问题"),
    ("review_average", "一案一评均分"),
    ("score", "得分"),
]
PROBLEM_COLUMNS = [
    ("raised_at", "发现日期"),
    ("kind", "红线"),
    ("reason", "问题"),
    ("officer", "责任民警"),
    ("unit", "责任单位"),
    ("status", "状态"),
]


def _title(data) -> str:
    return f"{data['station']}案管周汇总({data['week_start']}至{data['week_end']})"


def _cell(value):
    return "—" if value is None else value


def summary_docx(data: dict) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(_title(data), level=1)
    t = data["totals"]
    doc.add_paragraph(
        _(
            "本周受案%(r)s起,受理/立案%(f)s起,结案%(c)s起;发现红线问题%(fr)s个,整改%(fx)s个,目前未整改%(of)s个。"
        )
        % {
            "r": t["received"],
            "f": t["filed"],
            "c": t["closed"],
            "fr": t["flags_raised"],
            "fx": t["flags_resolved"],
            "of": t["open_flags"],
        }
    )
    for heading, columns, rows in (
        (
            _("一、总体情况"),
            [("label", "项目"), ("value", "数量")],
            [{"label": label, "value": t[key]} for key, label in TOTALS],
        ),
        (_("二、分单位情况"), UNIT_COLUMNS, data["by_unit"]),
        (_("三、数据上榜(民警排名)"), OFFICER_COLUMNS, data["by_officer"]),
        (_("四、存在问题"), PROBLEM_COLUMNS, data["problems"]),
    ):
        doc.add_heading(heading, level=2)
        if not rows:
            doc.add_paragraph(_("无"))
            continue
        table = doc.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, (_key, label) in zip(table.rows[0].cells, columns, strict=True):
            cell.text = label
        for row in rows:
            cells = table.add_row().cells
            for cell, (key, _label) in zip(cells, columns, strict=True):
                cell.text = str(_cell(row.get(key)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def summary_xlsx(data: dict) -> bytes:
    from fengqiao.core.exports import workbook

    book = workbook(write_only=True)
    sheet = book.create_sheet("总体情况")
    sheet.append([_title(data)])
    for key, label in TOTALS:
        sheet.append([label, data["totals"][key]])
    for name, columns, rows in (
        ("分单位", UNIT_COLUMNS, data["by_unit"]),
        ("数据上榜", OFFICER_COLUMNS, data["by_officer"]),
        ("存在问题", PROBLEM_COLUMNS, data["problems"]),
    ):
        sheet = book.create_sheet(name)
        sheet.append([label for _key, label in columns])
        for row in rows:
            sheet.append([row.get(key) for key, _label in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
