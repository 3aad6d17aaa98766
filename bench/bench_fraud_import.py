"""fraud_import_5k: a 5,000-row warning spreadsheet from the county centre, dry run + commit with
registry matching (ID, phone, name + address), assignment, contact clocks and notifications; < 10 s.

Rows are drawn from the reference station's residents (three in four match by phone or ID, the rest
by address or not at all), at times spread over the last day, levels high/medium/low. The import runs
as a station leader through `importing.import_upload` (dry run) and `importing.import_commit`, inside
a transaction that is rolled back afterwards so the bench database stays as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time

from common import report, setup

NAME = "fraud_import_5k"
TARGET_S = 10.0
ROWS = 5_000


def workbook(station, rng) -> bytes:
    from django.utils import timezone
    from openpyxl import Workbook

    from fengqiao.registry.models import Person

    people = list(
        Person.objects.filter(station=station)
        .exclude(phone="")
        .values_list("name", "phone", "id_number")[:50_000]
    )
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("预警指令")
    sheet.append(
        [
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
    )
    now = timezone.localtime()
    types = [
        "刷单返利",
        "冒充公检法",
        "虚假投资理财",
        "虚假贷款",
        "冒充客服",
        "网络游戏交易",
        "婚恋交友",
        "其他",
    ]
    for i in range(ROWS):
        name, phone, id_number = rng.choice(people)
        roll = rng.random()
        if roll < 0.55:
            id_number = ""
        elif roll < 0.75:
            phone = ""
        elif roll < 0.9:
            phone, id_number = f"17{rng.randrange(10**9):09d}", ""
        else:
            name, phone, id_number = "外地人员", f"16{rng.randrange(10**9):09d}", ""
        at = now - dt.timedelta(minutes=rng.randrange(24 * 60))
        sheet.append(
            [
                f"BENCH-{i:05d}",
                name,
                phone,
                id_number,
                "",
                rng.choice("高中低"),
                rng.choice(types),
                at.strftime("%Y-%m-%d %H:%M"),
                "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main():
    setup()
    from bench_fraud_figures import ensure_demo
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from fengqiao.accounts.models import User
    from fengqiao.antifraud import importing
    from fengqiao.antifraud.models import Warning

    station = ensure_demo()
    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    data = workbook(station, random.Random(5000))

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    try:
        with transaction.atomic():
            job = importing.import_upload(
                actor=leader, upload=SimpleUploadedFile("预警.xlsx", data)
            )
            checked = time.perf_counter() - started
            job = importing.import_commit(actor=leader, job=job, valid_only=True)
            elapsed = time.perf_counter() - started
            matched = (
                Warning.objects.filter(external_id__startswith="BENCH-")
                .exclude(officer=None)
                .count()
            )
            print(
                f"{job.summary}; dry run {checked:.1f} s, total {elapsed:.1f} s; assigned {matched:,} of {ROWS:,}",
                flush=True,
            )
            raise Rollback
    except Rollback:
        pass
    report(NAME, elapsed, "s", TARGET_S)


if __name__ == "__main__":
    main()
