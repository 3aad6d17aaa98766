"""registry_import_10k: a 10,000-row persons .xlsx through upload → dry run → commit, end to end < 30 s.

The file is generated deterministically (valid rows: GB 11643 IDs, phones, 户籍/流动/境外 mix,
about 2,500 households at new and existing addresses). It runs through the same services the web
pages and the Huey tasks call: import_job_create, import_job_validate, import_job_commit_start,
import_job_commit (one transaction: addresses, houses, persons, change-log rows in bulk).
Each run first removes the previous run's records of the benchmark station.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import tempfile

from common import Timer, report, setup

NAME = "registry_import_10k"
ROWS = 10_000
TARGET_SECONDS = 30.0
STATION_CODE = "BENCH-IMPORT"
REGION = "511199"  # a region code no demo person uses, so the IDs never clash with other data

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建华红梅志强文斌晓东海燕春梅建军丹丹婷婷思远子涵浩然雨欣一诺梓萱"


def station_and_user():
    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.registry.models import Community

    bureau, _ = Bureau.objects.get_or_create(code="BENCH", defaults={"name": "基准测试县局"})
    station, _ = Station.objects.get_or_create(
        code=STATION_CODE, defaults={"bureau": bureau, "name": "基准导入派出所"}
    )
    user, _ = User.objects.get_or_create(
        username="bench-importer",
        defaults={"full_name": "基准导入员", "role": Role.STATION_LEADER, "station": station},
    )
    for i, name in enumerate(("滨江社区", "新城社区", "西街社区", "玉津村")):
        Community.objects.get_or_create(
            station=station,
            name=name,
            defaults={"town": "玉津镇", "kind": "village" if i == 3 else "community"},
        )
    return station, user


def clear(station) -> None:
    """Remove the previous run's records with plain SQL (deleting 10,000 persons one by one would log each)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_person WHERE station_id = %s", [station.pk])
        cursor.execute("DELETE FROM registry_house WHERE station_id = %s", [station.pk])
        cursor.execute("DELETE FROM registry_address WHERE station_id = %s", [station.pk])
        cursor.execute("DELETE FROM core_objectchange WHERE station_id = %s", [station.pk])


def id_number(seq: int, birth: dt.date, male: bool) -> str:
    from fengqiao.registry import rules

    order = (seq % 499) * 2 + (1 if male else 0)
    first17 = f"{REGION}{birth:%Y%m%d}{order:03d}"
    return first17 + rules.id_check_char(first17)


def workbook_bytes() -> bytes:
    from openpyxl import Workbook

    rng = random.Random(20261129)
    header = [
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
        "与户主关系",
        "流入日期",
        "流入原因",
        "预计离开日期",
        "民族",
        "备注",
    ]
    communities = ["滨江社区", "新城社区", "西街社区", "玉津村"]
    roads = ["滨江路", "新城大道", "西街", "江湾壹号", "百草苑", "民主街", "一组", "二组"]
    # A normal (not write-only) workbook, so the sheet carries its dimensions as Excel and WPS files do.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(header)
    seen = set()
    for i in range(ROWS):
        while True:
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 80))
            male = rng.random() < 0.5
            number = id_number(rng.randrange(0, 499), birth, male)
            if number not in seen:
                seen.add(number)
                break
        household = i // 4
        community = communities[household % 4]
        road = roads[household % len(roads)]
        category = rng.choices(["户籍", "流动", "境外"], weights=[80, 19, 1])[0]
        inflow = departure = reason = ""
        if category == "流动":
            inflow = (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 1500))).isoformat()
            departure = (
                dt.date.fromisoformat(inflow) + dt.timedelta(days=rng.randrange(30, 900))
            ).isoformat()
            reason = rng.choice(["务工", "经商", "就学", "投亲靠友"])
        if category == "境外":
            category = "户籍"  # keep every row valid: 境外 needs a passport, not a resident ID
        sheet.append(
            [
                rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                number,
                "男" if male else "女",
                birth.isoformat(),
                f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
                category,
                community,
                road,
                str(household // 40 + 1),
                str(household % 40 // 8 + 1),
                str(household % 8 // 4 + 1),
                f"{household % 4 + 1}0{household % 3 + 1}",
                "户主" if i % 4 == 0 else rng.choice(["配偶", "子女", "父母", "租户"]),
                inflow,
                reason,
                departure,
                "汉族",
                "",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main() -> None:
    setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.exchange import services
    from fengqiao.registry.models import Person

    station, user = station_and_user()
    clear(station)
    data = workbook_bytes()
    print(f"{ROWS} rows, {len(data) / 1048576:.1f} MB .xlsx", flush=True)
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        with Timer() as total:
            with Timer() as upload:
                job = services.import_job_create(
                    actor=user, kind="persons", upload=SimpleUploadedFile("人员.xlsx", data)
                )
            with Timer() as dry_run:
                job = services.import_job_validate(job.pk)
            assert job.status == "validated" and job.invalid_count == 0, (
                job.summary,
                job.errors[:5],
            )
            with Timer() as commit:
                services.import_job_commit_start(actor=user, job=job, mode="all")
                job = services.import_job_commit(job.pk)
    assert job.status == "done", job.summary
    assert Person.objects.filter(station=station).count() == ROWS
    print(
        f"upload {upload.seconds:.2f} s, dry run {dry_run.seconds:.2f} s, commit (re-check + write) {commit.seconds:.2f} s"
    )
    print(job.summary)
    report(NAME, total.seconds, "s", TARGET_SECONDS)


if __name__ == "__main__":
    main()
