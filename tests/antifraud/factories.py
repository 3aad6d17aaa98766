"""Anti-fraud factories and an xlsx builder for import tests."""

import io

from openpyxl import Workbook

HEADER = [
    "指令编号",
    "姓名",
    "手机号",
    "身份证号",
    "住址",
    "风险等级",
    "诈骗类型",
    "接收时间",
    "预警内容",
]


def xlsx_bytes(rows, header=HEADER, title="预警指令") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(data: bytes, name="预警.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
