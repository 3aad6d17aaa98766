"""registry_export_50k: export 50,000 persons to .xlsx as a station leader (unmasked, with labels) < 20 s.

The worst case of an export: every column, 重点人员 labels, and a PersonalDataAccess row for each of
the 50,000 persons (an unmasked export records whose data left the system). The masked export of an
officer is timed too and printed for information.

Data: the benchmark's own station; if it holds fewer than 50,000 persons they are created here,
deterministically, with bulk_create (benchmark fixtures, not audited records).
"""

from __future__ import annotations

import datetime as dt
import random

from common import Timer, report, setup

NAME = "registry_export_50k"
PERSONS = 50_000
TARGET_SECONDS = 20.0
STATION_CODE = "BENCH-EXPORT"
REGION = "511198"


def build():
    from django.db import transaction

    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.registry import rules
    from fengqiao.registry.models import Address, Community, Person, PersonLabel

    bureau, _ = Bureau.objects.get_or_create(code="BENCH", defaults={"name": "基准测试县局"})
    station, _ = Station.objects.get_or_create(
        code=STATION_CODE, defaults={"bureau": bureau, "name": "基准导出派出所"}
    )
    leader, _ = User.objects.get_or_create(
        username="bench-exporter",
        defaults={"full_name": "基准所领导", "role": Role.STATION_LEADER, "station": station},
    )
    officer, _ = User.objects.get_or_create(
        username="bench-export-officer",
        defaults={"full_name": "基准社区民警", "role": Role.COMMUNITY_OFFICER, "station": station},
    )
    have = Person.objects.filter(station=station).count()
    if have >= PERSONS:
        return station, leader, officer
    print(f"creating {PERSONS - have} persons for the export benchmark…", flush=True)
    rng = random.Random(50_000 + have)
    communities = [
        Community.objects.get_or_create(
            station=station, name=f"导出社区{i}", defaults={"town": "玉津镇"}
        )[0]
        for i in range(8)
    ]
    addresses = list(Address.objects.filter(station=station))
    if not addresses:
        for i in range(5000):
            address = Address(
                station=station,
                community=communities[i % 8],
                town="玉津镇",
                road=f"导出{i // 100}巷",
                doorplate=str(i % 100 + 1),
            )
            address.full_text = address.compose_full_text()
            addresses.append(address)
        with transaction.atomic():
            Address.objects.bulk_create(addresses, batch_size=2000)
    taken = set(Person.objects.filter(station=station).values_list("id_number", flat=True))
    people = []
    seq = have
    while len(people) < PERSONS - have:
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 80))
        first17 = f"{REGION}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = first17 + rules.id_check_char(first17)
        if number in taken:
            continue
        taken.add(number)
        address = addresses[seq % len(addresses)]
        name = "王李张刘陈杨黄赵"[seq % 8] + "伟芳娜秀英敏静丽"[seq // 8 % 8]
        people.append(
            Person(
                station=station,
                community_id=address.community_id,
                name=name,
                name_initials=rules.pinyin_initials(name),
                id_number=number,
                sex="M" if int(number[16]) % 2 else "F",
                birth_date=birth,
                phone=f"139{seq:08d}",
                address_id=address.pk,
                registered_address=address.full_text,
            )
        )
        seq += 1
    Person.objects.bulk_create(people, batch_size=2000)
    marked = (
        Person.objects.filter(station=station).order_by("pk").values_list("pk", flat=True)[:500]
    )
    PersonLabel.objects.bulk_create(
        [PersonLabel(person_id=pk, label="重点人员", created_by=leader) for pk in marked],
        ignore_conflicts=True,
    )
    return station, leader, officer


def main() -> None:
    setup()
    from django.http import QueryDict

    from fengqiao.exchange.exports import export_workbook

    station, leader, officer = build()
    with Timer() as unmasked:
        output, _name, record = export_workbook(actor=leader, kind="persons", params=QueryDict())
    size = output.seek(0, 2)
    output.close()
    assert record.row_count >= PERSONS and not record.masked, record
    with Timer() as masked:
        output, _name, masked_record = export_workbook(
            actor=officer, kind="persons", params=QueryDict()
        )
    output.close()
    print(
        f"{record.row_count} rows, {size / 1048576:.1f} MB; unmasked (with {record.row_count} access records) "
        f"{unmasked.seconds:.1f} s, masked {masked.seconds:.1f} s"
    )
    report(NAME, unmasked.seconds, "s", TARGET_SECONDS)


if __name__ == "__main__":
    main()
