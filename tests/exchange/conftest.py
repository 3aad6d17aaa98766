"""Fixtures for import/export tests: uploads kept in a temporary MEDIA_ROOT, Huey run in-process."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.factories import make_id_number

PERSON_HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "手机号",
    "人口类别",
    "社区",
    "街路巷/小区",
    "门牌号",
    "楼栋",
    "单元",
    "户室",
]
HOUSE_HEADER = [
    "社区",
    "街路巷/小区",
    "门牌号",
    "楼栋",
    "单元",
    "层",
    "户室",
    "用途",
    "房主姓名",
    "房主电话",
    "面积",
    "间数",
    "建成年份",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _huey_immediate():
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = before


def person_row(seq: int, *, community="西街社区", name=None, id_number=None, phone=None, **extra):
    number = id_number or make_id_number(seq, birth=dt.date(1985, 3, 1 + seq % 28))
    row = {
        "姓名": name or f"张{seq}",
        "身份证号": number,
        "性别": "",
        "出生日期": "",
        "手机号": phone if phone is not None else f"139{seq:08d}",
        "人口类别": "户籍",
        "社区": community,
        "街路巷/小区": "西街",
        "门牌号": str(seq % 7 + 1),
        "楼栋": "",
        "单元": "",
        "户室": "",
    }
    row.update(extra)
    return row


def house_row(seq: int, *, community="西街社区", **extra):
    row = {
        "社区": community,
        "街路巷/小区": "东大街",
        "门牌号": str(seq),
        "楼栋": "",
        "单元": "",
        "层": "",
        "户室": "",
        "用途": "出租",
        "房主姓名": f"房主{seq}",
        "房主电话": f"137{seq:08d}",
        "面积": "88.5",
        "间数": "3",
        "建成年份": "1998",
    }
    row.update(extra)
    return row


def _header(rows):
    header = []
    for row in rows:
        header += [key for key in row if key not in header]
    return header


def xlsx_bytes(rows: list[dict], *, header=None, sheet="人员") -> bytes:
    header = header or _header(rows)
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([row.get(h, "") for h in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], *, header=None, encoding="utf-8-sig") -> bytes:
    header = header or _header(rows)
    lines = [",".join(header)] + [",".join(str(row.get(h, "")) for h in header) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
