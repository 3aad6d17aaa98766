"""The report files, all from the report's stored data (so Word, Excel and PDF agree):
- Word through a docxtpl template: the station's own uploaded template, or the default built here;
- Excel with openpyxl and native charts (trend lines, ranking bars);
- PDF with reportlab and the embedded CJK font (core/pdf.py).

TEMPLATE_FIELDS lists what a template may use; an uploaded template that uses anything else, or does
not render, is refused with the reason (`check_template`). Every template, uploaded or shipped, is
rendered only in `ReportTemplateEnvironment` (Jinja's immutable sandbox, no globals, no calls, an
allow-list of syntax and filters, nothing starting with `_`): see docs/security.md."""

from __future__ import annotations

import io
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jinja2 import nodes as _jnodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The context a Word template gets (and may use): the report's data.
TEMPLATE_FIELDS = {
    "title": "报表标题",
    "station": "派出所名称",
    "kind_label": "周报/月报",
    "period_text": "期间(文字)",
    "period_start": "起始日期",
    "period_end": "截止日期",
    "generated_at": "生成时间",
    "summary": "一段文字概述",
    "figures": "主要指标列表:name, value_text, target_text, met_text, detail",
    "units": "队室排名:rank, name, total_text, vetoed, reasons",
    "officers": "民警排名:rank, name, unit, total_text, vetoed, reasons",
    "channels": "调解渠道:name, agreements, failed, success_text, fulfilment_text",
    "cases": "案件情况(周报):received, filed, closed, overdue, flags_raised, flags_resolved, open_flags",
    "problems": "红线问题:raised_at, kind, reason, officer, unit, status",
    "scheme": "考核方案名称",
}


def sample_data() -> dict:
    """A filled context to test-render a template with."""
    row = {
        "name": "回访满意率",
        "value_text": "97.0%",
        "target_text": "96.0%",
        "met_text": "达标",
        "detail": "",
    }
    rank = {
        "rank": 1,
        "name": "社区警务队",
        "unit": "",
        "total_text": "98.5",
        "vetoed": False,
        "reasons": "…",
    }
    return {
        "title": "示例派出所2026年11月工作月报",
        "station": "示例派出所",
        "kind_label": "月报",
        "period_text": "2026-11-01至2026-11-30",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "generated_at": "2026-12-01 06:00",
        "summary": "…",
        "figures": [row],
        "units": [rank],
        "officers": [rank],
        "channels": [
            {
                "name": "所内调解室",
                "agreements": 1,
                "failed": 0,
                "success_text": "100%",
                "fulfilment_text": "100%",
            }
        ],
        "cases": {
            k: 0
            for k in (
                "received",
                "filed",
                "closed",
                "overdue",
                "flags_raised",
                "flags_resolved",
                "open_flags",
            )
        },
        "problems": [
            {
                "raised_at": "2026-11-02",
                "kind": "办理超期",
                "reason": "…",
                "officer": "…",
                "unit": "…",
                "status": "整改中",
            }
        ],
        "scheme": "示例考核方案",
    }


def _table(doc, headers, row_cells, loop):
    """A docxtpl table: header row, `{%tr for … %}` row, the row of fields, `{%tr endfor %}`."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for r in " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, row_cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    return table


@lru_cache(maxsize=2)
def default_template(kind: str) -> bytes:
    """The shipped Word template (built with python-docx; download it, edit it, upload it back)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    p = doc.add_paragraph()
    run = p.add_run("{{ title }}")
    run.bold, run.font.size = True, Pt(18)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        "{{ station }} · {{ period_text }} · 生成于 {{ generated_at }}"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("{{ summary }}")
    doc.add_heading("一、主要指标", level=2)
    _table(
        doc,
        ["指标", "本期", "目标", "达标", "说明"],
        [
            "{{ r.name }}",
            "{{ r.value_text }}",
            "{{ r.target_text }}",
            "{{ r.met_text }}",
            "{{ r.detail }}",
        ],
        "figures",
    )
    doc.add_heading("二、考核排名(队室)", level=2)
    doc.add_paragraph("考核方案:{{ scheme }}")
    _table(
        doc,
        ["名次", "队室", "得分", "扣分与否决理由"],
        ["{{ r.rank }}", "{{ r.name }}", "{{ r.total_text }}", "{{ r.reasons }}"],
        "units",
    )
    doc.add_heading("三、考核排名(民警)", level=2)
    _table(
        doc,
        ["名次", "民警", "单位", "得分", "扣分与否决理由"],
        ["{{ r.rank }}", "{{ r.name }}", "{{ r.unit }}", "{{ r.total_text }}", "{{ r.reasons }}"],
        "officers",
    )
    doc.add_heading("四、矛盾纠纷调解", level=2)
    _table(
        doc,
        ["调解渠道", "达成协议", "未达成", "成功率", "履行率"],
        [
            "{{ r.name }}",
            "{{ r.agreements }}",
            "{{ r.failed }}",
            "{{ r.success_text }}",
            "{{ r.fulfilment_text }}",
        ],
        "channels",
    )
    doc.add_heading("五、案件与红线问题", level=2)
    doc.add_paragraph(
        "受案 {{ cases.received }} 起,受理/立案 {{ cases.filed }} 起,结案 {{ cases.closed }} 起;"
        "发现红线问题 {{ cases.flags_raised }} 个,整改 {{ cases.flags_resolved }} 个,未整改 {{ cases.open_flags }} 个。"
    )
    _table(
        doc,
        ["发现日期", "红线", "问题", "责任民警", "状态"],
        [
            "{{ r.raised_at }}",
            "{{ r.kind }}",
            "{{ r.reason }}",
            "{{ r.officer }}",
            "{{ r.status }}",
        ],
        "problems",
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the sandbox

# The only filters a template may use: text and list helpers, none of which reaches Python internals,
# turns escaping off (`safe`), or can be made to allocate without bound (`center`, `indent`, `batch`).
ALLOWED_FILTERS = frozenset(
    {
        "default", "d", "upper", "lower", "title", "capitalize", "trim", "truncate", "replace",
        "join", "length", "count", "first", "last", "round", "int", "float", "string", "abs",
        "list", "sort", "reverse", "unique", "min", "max", "sum", "e", "escape", "striptags",
        "dictsort", "items", "map", "select", "reject", "selectattr", "rejectattr", "groupby",
    }
)  # fmt: skip

# The template syntax a report needs: output, fields, `for`/`if`/`set`, filters, tests, comparisons,
# + and -. Everything else is refused: calls, macros, include/import/extends (files), `autoescape`
# blocks (they would let text break the Word XML), `**` and `*` (unbounded numbers and strings).
_ALLOWED_NODES = tuple(
    getattr(_jnodes, name)
    for name in (
        "Template", "Output", "TemplateData", "Name", "Const", "Getattr", "Getitem", "Slice",
        "For", "If", "Assign", "AssignBlock", "FilterBlock", "Filter", "Test", "Compare", "Operand",
        "And", "Or", "Not", "Neg", "Pos", "CondExpr", "Concat", "Add", "Sub", "Tuple", "List",
        "Dict", "Pair", "Keyword",
    )
)  # fmt: skip


def _underscore(node) -> str | None:
    """The name starting with `_` that a node reaches for, if any (`__class__`, `_x`, `'__mro__'`)."""
    if isinstance(node, _jnodes.Name | _jnodes.Getattr | _jnodes.Keyword):
        name = (
            node.name if isinstance(node, _jnodes.Name) else getattr(node, "attr", None) or node.key
        )
    elif isinstance(node, _jnodes.Const) and isinstance(node.value, str):
        name = node.value
    elif isinstance(node, _jnodes.Filter | _jnodes.Test):
        name = node.name
    else:
        return None
    return name if name.startswith("_") else None


def template_source_check(tree) -> None:
    """Refuse (SecurityError) a parsed template that names anything starting with `_`, or uses syntax
    or filters outside the allow-list. Run on every template text before it is compiled."""
    for node in tree.find_all(_jnodes.Node):
        name = _underscore(node)
        if name is not None:
            raise SecurityError(
                _("模板中使用了以下划线开头的名称“%(n)s”,不允许") % {"n": name[:40]}
            )
    for node in tree.find_all(_jnodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            raise SecurityError(
                _("模板中使用了不允许的写法(%(k)s,第 %(n)s 行)")
                % {"k": type(node).__name__, "n": node.lineno}
            )
        if isinstance(node, _jnodes.Filter | _jnodes.FilterBlock):
            filter_name = node.name if isinstance(node, _jnodes.Filter) else node.filter.name
            if filter_name not in ALLOWED_FILTERS:
                raise SecurityError(
                    _("模板中使用了不允许的过滤器“%(n)s”") % {"n": filter_name[:40]}
                )


class ReportTemplateEnvironment(ImmutableSandboxedEnvironment):
    """The Jinja environment every Word template is rendered in, the uploaded ones and the default.

    Three walls: every template text docxtpl renders (body, headers, footers, footnotes, document
    properties) is parsed here and checked by `template_source_check` before it is compiled; the
    sandbox refuses at run time any attribute starting with `_` and every call (no method, no global,
    no function may be called from a template); and the globals (`lipsum`, `cycler`, `range`, …) are
    removed. Autoescape stays on: the field values are written into Word's XML."""

    def __init__(self):
        super().__init__(autoescape=True)
        self.globals.clear()
        self.filters = {k: v for k, v in self.filters.items() if k in ALLOWED_FILTERS}
        self.trees = []

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        template_source_check(tree)
        self.trees.append(tree)
        return tree

    def is_safe_attribute(self, obj, attr, value):
        return not attr.startswith("_") and super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj):
        return False

    def unsafe_undefined(self, obj, attribute):
        raise SecurityError(_("模板访问了不允许的属性“%(a)s”") % {"a": str(attribute)[:40]})


def _render(template_bytes: bytes, context: dict) -> tuple[bytes, list]:
    """Render a Word template in the sandbox; also the parsed template texts (for the field check)."""
    from docxtpl import DocxTemplate

    env = ReportTemplateEnvironment()
    tpl = DocxTemplate(io.BytesIO(template_bytes))
    tpl.render(context, jinja_env=env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue(), env.trees


def check_template(content: bytes) -> None:
    """Refuse a template that is not a .docx, does not parse, names anything starting with `_` or
    outside the allow-lists, uses unknown fields or does not render (test-rendered in the sandbox)."""
    import zipfile

    from jinja2 import meta

    if not content:
        raise ValidationError(_("模板文件是空的"))
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ValidationError(_("模板不是 Word .docx 文件(请在 Word 中“另存为 .docx”)"))
    try:
        _docx, trees = _render(content, sample_data())
    except SecurityError as exc:
        raise ValidationError(
            _("模板含有不安全的内容,已拒绝:%(e)s") % {"e": str(exc)[:300]}
        ) from exc
    except TemplateSyntaxError as exc:
        raise ValidationError(_("模板语法有误:%(e)s") % {"e": str(exc)[:300]}) from exc
    except Exception as exc:  # noqa: BLE001 - a broken docx or a render error of any kind
        raise ValidationError(
            _("模板无法读取或试填数据时出错:%(e)s") % {"e": str(exc)[:300]}
        ) from exc
    used = set().union(*(meta.find_undeclared_variables(t) for t in trees)) if trees else set()
    unknown = sorted(used - set(TEMPLATE_FIELDS))
    if unknown:
        raise ValidationError(
            _("模板使用了未知字段:%(f)s(可用字段:%(k)s)")
            % {"f": "、".join(unknown), "k": "、".join(TEMPLATE_FIELDS)}
        )


def report_docx(data: dict, template_bytes: bytes | None = None) -> bytes:
    """The Word file; a template is always rendered in the sandbox (SecurityError if it tries more)."""
    return _render(template_bytes or default_template(data.get("kind", "monthly")), data)[0]


# ---------------------------------------------------------------- Excel with charts


def report_xlsx(data: dict) -> bytes:
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    from fengqiao.core.exports import workbook

    book = workbook()
    sheet = book.active
    sheet.title = "主要指标"
    sheet.append([data["title"]])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([data["station"], data["period_text"]])
    sheet.append(["指标", "本期", "目标", "达标", "说明", "数值"])
    for f in data["figures"]:
        sheet.append(
            [f["name"], f["value_text"], f["target_text"], f["met_text"], f["detail"], f["value"]]
        )
    for col, width in zip("ABCDEF", (18, 14, 12, 8, 40, 12), strict=True):
        sheet.column_dimensions[col].width = width

    trend = data.get("trend") or {}
    months = trend.get("months") or []
    if months:
        ts = book.create_sheet("按月趋势")
        keys = [k for k in trend.get("keys", []) if k in trend]
        ts.append(["月份"] + [trend["labels"].get(k, k) for k in keys])
        for i, m in enumerate(months):
            ts.append([m] + [trend[k][i] for k in keys])
        rate_cols = [j for j, k in enumerate(keys, start=2) if trend["units"].get(k) == "%"]
        count_cols = [
            j for j, k in enumerate(keys, start=2) if trend["units"].get(k) in ("起", "辆")
        ]
        for anchor, cols, title, cls in (
            ("H2", rate_cols, "比率(%)按月", LineChart),
            ("H20", count_cols, "件数按月", BarChart),
        ):
            if not cols:
                continue
            chart = cls()
            chart.title = title
            chart.height, chart.width = 8, 18
            for j in cols:
                chart.add_data(
                    Reference(ts, min_col=j, min_row=1, max_row=len(months) + 1),
                    titles_from_data=True,
                )
            chart.set_categories(Reference(ts, min_col=1, min_row=2, max_row=len(months) + 1))
            ts.add_chart(chart, anchor)

    for name, key, extra in (("队室排名", "units", False), ("民警排名", "officers", True)):
        rows = data.get(key) or []
        rs = book.create_sheet(name)
        rs.append(["名次", "名称"] + (["单位"] if extra else []) + ["得分", "一票否决", "理由"])
        for r in rows:
            rs.append(
                [r["rank"], r["name"]]
                + ([r["unit"]] if extra else [])
                + [r["total"], "是" if r["vetoed"] else "", r["reasons"]]
            )
        rs.column_dimensions["B"].width = 16
        if rows:
            score_col = 4 if extra else 3
            chart = BarChart()
            chart.type = "bar"
            chart.title = f"{name}(得分)"
            chart.height, chart.width = max(6, min(30, len(rows) * 0.6)), 16
            chart.add_data(
                Reference(rs, min_col=score_col, min_row=1, max_row=len(rows) + 1),
                titles_from_data=True,
            )
            chart.set_categories(Reference(rs, min_col=2, min_row=2, max_row=len(rows) + 1))
            chart.legend = None
            rs.add_chart(chart, "I2")

    cs = book.create_sheet("矛盾纠纷调解")
    cs.append(["调解渠道", "达成协议", "未达成", "成功率", "履行率"])
    for r in data.get("channels") or []:
        cs.append(
            [r["name"], r["agreements"], r["failed"], r["success_text"], r["fulfilment_text"]]
        )
    ps = book.create_sheet("红线问题")
    ps.append(["发现日期", "红线", "问题", "责任民警", "责任单位", "状态"])
    for r in data.get("problems") or []:
        ps.append([r["raised_at"], r["kind"], r["reason"], r["officer"], r["unit"], r["status"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- PDF


def report_pdf(data: dict) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from fengqiao.core.pdf import cjk_font

    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER)
    sub = ParagraphStyle("s", fontName=font, fontSize=10, leading=14, alignment=TA_CENTER)
    h2 = ParagraphStyle("h", fontName=font, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("p", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")

    def table(headers, rows, widths):
        content = [[Paragraph(escape(str(h)), cell) for h in headers]]
        content += [[Paragraph(escape("" if v is None else str(v)), cell) for v in r] for r in rows]
        t = Table(content, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story = [
        Paragraph(escape(data["title"]), title),
        Paragraph(
            escape(f"{data['station']} · {data['period_text']} · 生成于 {data['generated_at']}"),
            sub,
        ),
        Spacer(1, 6),
        Paragraph(escape(data.get("summary", "")), body),
        Paragraph("一、主要指标", h2),
        table(
            ["指标", "本期", "目标", "达标", "说明"],
            [
                [f["name"], f["value_text"], f["target_text"], f["met_text"], f["detail"]]
                for f in data["figures"]
            ],
            [32, 24, 20, 14, 70],
        ),
        Paragraph(escape(f"二、考核排名(队室) · {data.get('scheme', '')}"), h2),
        table(
            ["名次", "队室", "得分", "理由"],
            [
                [r["rank"], r["name"], r["total_text"], r["reasons"]]
                for r in data.get("units") or []
            ],
            [12, 30, 16, 102],
        ),
        Paragraph("三、考核排名(民警)", h2),
        table(
            ["名次", "民警", "单位", "得分", "理由"],
            [
                [r["rank"], r["name"], r["unit"], r["total_text"], r["reasons"]]
                for r in data.get("officers") or []
            ],
            [12, 20, 26, 14, 88],
        ),
        Paragraph("四、红线问题", h2),
    ]
    problems = data.get("problems") or []
    story.append(
        table(
            ["发现日期", "红线", "问题", "责任民警", "状态"],
            [[p["raised_at"], p["kind"], p["reason"], p["officer"], p["status"]] for p in problems],
            [20, 18, 80, 22, 20],
        )
        if problems
        else Paragraph("无", body)
    )
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=data["title"],
    ).build(story)
    return out.getvalue()
