"""Registry imports through the services: dry run, commit modes, all-or-nothing, bad input of every kind."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fengqiao.core.models import ObjectChange
from fengqiao.exchange import services
from fengqiao.exchange.choices import ImportStatus
from fengqiao.registry.models import Address, House, Person
from tests.exchange.conftest import (
    HOUSE_HEADER,
    PERSON_HEADER,
    csv_bytes,
    house_row,
    person_row,
    upload,
    xlsx_bytes,
)
from tests.factories import PersonFactory, make_id_number

pytestmark = pytest.mark.django_db


def dry_run(user, data: bytes, name="人员.xlsx", kind="persons"):
    job = services.import_job_create(actor=user, kind=kind, upload=upload(name, data))
    return services.import_job_validate(job.pk)


def commit(user, job, mode):
    services.import_job_commit_start(actor=user, job=job, mode=mode)
    return services.import_job_commit(job.pk)


def problems(job):
    return [(e["row"], e["column"], e["problem"]) for e in job.errors]


def nothing_written():
    return (
        Person.objects.count() == 0 and House.objects.count() == 0 and Address.objects.count() == 0
    )


# ----------------------------------------------------------------------------- good files


def test_good_persons_xlsx_imports_persons_with_address_and_house(alice, community_a):
    job = dry_run(alice, xlsx_bytes([person_row(i) for i in range(1, 11)]))
    assert job.status == ImportStatus.VALIDATED
    assert (job.valid_count, job.invalid_count) == (10, 0)
    assert Person.objects.count() == 0  # the dry run writes nothing
    job = commit(alice, job, "all")
    assert job.status == ImportStatus.DONE and job.created_count == 10
    person = Person.objects.get(name="张3")
    assert person.community == community_a and person.station_id == alice.station_id
    assert person.address.full_text == "西街社区西街4号"
    assert person.house.address == person.address
    assert person.name_initials == "z3"
    assert (person.id_tail, person.phone_tail) == (person.id_number[-4:], person.phone[-4:])
    assert person.sex == "M" and person.birth_date == dt.date(
        1985, 3, 4
    )  # filled from the ID number


def test_imported_address_full_text_matches_what_the_model_composes(alice, community_a):
    community_a.town = "玉津镇"
    community_a.save()
    row = person_row(1, **{"楼栋": "3", "单元": "2", "户室": "301"})
    commit(alice, dry_run(alice, xlsx_bytes([row])), "all")
    address = Address.objects.get()
    assert address.full_text == address.compose_full_text() == "玉津镇西街社区西街2号3栋2单元301室"


def test_persons_at_an_existing_address_reuse_it_and_its_house(alice, community_a):
    from tests.factories import AddressFactory, HouseFactory

    address = AddressFactory(community=community_a, town="", road="西街", doorplate="2")
    house = HouseFactory(address=address)
    commit(
        alice, dry_run(alice, xlsx_bytes([person_row(1), person_row(8)])), "all"
    )  # both at 西街2号
    assert Address.objects.count() == 1
    assert set(Person.objects.values_list("house_id", flat=True)) == {house.pk}


def test_good_persons_csv_utf8_with_bom_imports(alice, community_a):
    job = dry_run(alice, csv_bytes([person_row(i) for i in range(1, 4)]), name="人员.csv")
    assert job.invalid_count == 0
    assert commit(alice, job, "all").created_count == 3


def test_gbk_csv_saved_by_chinese_excel_imports(alice, community_a):
    job = dry_run(
        alice, csv_bytes([person_row(1, name="欧阳娜娜")], encoding="gbk"), name="人员.csv"
    )
    assert job.invalid_count == 0, job.errors
    commit(alice, job, "all")
    assert Person.objects.get().name == "欧阳娜娜"


def test_good_houses_xlsx_imports_houses(alice, community_a):
    job = dry_run(
        alice, xlsx_bytes([house_row(i) for i in range(1, 6)], sheet="房屋"), kind="houses"
    )
    assert (job.valid_count, job.invalid_count) == (5, 0), job.errors
    job = commit(alice, job, "all")
    assert job.created_count == 5
    house = House.objects.get(address__doorplate="3")
    assert (
        house.use == "rented" and house.owner_name == "房主3" and house.owner_phone == "13700000003"
    )
    assert house.rooms == 3 and house.built_year == 1998 and str(house.area_m2) == "88.50"


def test_good_houses_csv_imports(alice, community_a):
    job = dry_run(
        alice, csv_bytes([house_row(i) for i in range(1, 3)]), name="房屋.csv", kind="houses"
    )
    assert commit(alice, job, "all").created_count == 2


def test_sheet_named_renyuan_is_read_before_the_first_sheet(alice, community_a):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "封面"
    workbook.active.append(["本表为2026年人口底册"])
    sheet = workbook.create_sheet("人员")
    sheet.append(PERSON_HEADER)
    row = person_row(1)
    sheet.append([row[h] for h in PERSON_HEADER])
    out = io.BytesIO()
    workbook.save(out)
    assert dry_run(alice, out.getvalue()).valid_count == 1


def test_header_aliases_are_accepted(alice, community_a):
    row = person_row(1)
    renamed = {
        {"身份证号": "公民身份号码", "手机号": "联系电话", "社区": "社区/村"}.get(k, k): v
        for k, v in row.items()
    }
    assert dry_run(alice, xlsx_bytes([renamed])).valid_count == 1


# ----------------------------------------------------------------------------- commit modes


def _one_bad_file():
    rows = [person_row(i) for i in range(1, 5)]
    rows[2]["身份证号"] = rows[2]["身份证号"][:-1] + (
        "0" if rows[2]["身份证号"][-1] != "0" else "1"
    )
    return xlsx_bytes(rows)


def test_all_or_nothing_is_refused_while_a_row_is_bad(alice, community_a):
    job = dry_run(alice, _one_bad_file())
    with pytest.raises(ValidationError, match="不能全部导入"):
        services.import_job_commit_start(actor=alice, job=job, mode="all")
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert nothing_written()


def test_valid_only_imports_the_good_rows_and_skips_the_bad(alice, community_a):
    job = commit(alice, dry_run(alice, _one_bad_file()), "valid_only")
    assert job.status == ImportStatus.DONE and job.created_count == 3
    assert Person.objects.count() == 3
    assert "跳过有错误的 1 行" in job.summary


def test_posting_commit_twice_imports_once(alice, community_a):
    job = dry_run(alice, xlsx_bytes([person_row(1), person_row(2)]))
    services.import_job_commit_start(actor=alice, job=job, mode="all")
    with pytest.raises(ValidationError, match="不会重复导入"):
        services.import_job_commit_start(
            actor=alice, job=job, mode="all"
        )  # the stale in-memory job, as a second POST
    services.import_job_commit(job.pk)
    services.import_job_commit(job.pk)  # a task run twice does nothing the second time
    assert Person.objects.count() == 2


def test_a_crash_midway_through_the_commit_writes_nothing(alice, community_a, monkeypatch):
    from fengqiao.exchange import importers

    calls = {"n": 0}
    real = importers.log_bulk

    def failing(objs, *args, **kwargs):
        calls["n"] += 1
        if (
            calls["n"] == 4
        ):  # addresses, houses, first 1000 persons written... then the disk is full
            raise OSError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(importers, "log_bulk", failing)
    job = dry_run(alice, xlsx_bytes([person_row(i) for i in range(1, 1501)]))
    job = commit(alice, job, "all")
    assert job.status == ImportStatus.FAILED
    assert "未写入任何数据" in job.summary
    assert calls["n"] == 4
    assert nothing_written()
    assert not ObjectChange.objects.filter(source="import").exists()


def test_an_id_registered_between_dry_run_and_commit_stops_an_all_or_nothing_import(
    alice, community_a
):
    rows = [person_row(1), person_row(2)]
    job = dry_run(alice, xlsx_bytes(rows))
    PersonFactory(community=community_a, id_number=rows[1]["身份证号"])
    job = commit(alice, job, "all")
    assert job.status == ImportStatus.FAILED
    assert Person.objects.count() == 1


def test_imported_records_have_change_log_rows_with_source_import(alice, community_a):
    commit(alice, dry_run(alice, xlsx_bytes([person_row(1), person_row(2)])), "all")
    for model in (Person, House, Address):
        for obj in model.objects.all():
            entry = ObjectChange.objects.get(
                content_type__model=model._meta.model_name, object_id=obj.pk
            )
            assert entry.action == "create" and entry.source == "import"
            assert entry.user == alice and entry.user_name == "艾丽"
            assert entry.after["id"] == obj.pk


# ----------------------------------------------------------------------------- bad files (nothing written)


def _create_fails(user, name, data, kind="persons"):
    with pytest.raises(ValidationError) as info:
        services.import_job_create(actor=user, kind=kind, upload=upload(name, data))
    return " ".join(info.value.messages)


def test_wrong_headers_fail_with_the_missing_columns(alice, community_a):
    job = dry_run(alice, xlsx_bytes([{"名字": "张三", "号码": "1"}]))
    assert job.status == ImportStatus.FAILED
    assert "缺少必填列" in job.summary and "姓名" in job.summary and "身份证号" in job.summary
    assert nothing_written()


def test_houses_file_uploaded_as_persons_is_named_as_such(alice, community_a):
    job = dry_run(alice, xlsx_bytes([house_row(1)], sheet="房屋"))
    assert job.status == ImportStatus.FAILED
    assert "房屋" in job.summary and "正确的文件" in job.summary
    assert nothing_written()


def test_houses_headers_under_a_neutral_sheet_name_say_they_look_like_houses(alice, community_a):
    job = dry_run(alice, xlsx_bytes([house_row(1)], header=HOUSE_HEADER, sheet="Sheet1"))
    assert job.status == ImportStatus.FAILED
    assert "缺少必填列:姓名、身份证号" in job.summary and "这看来是实有房屋的表格" in job.summary
    assert nothing_written()


def test_non_spreadsheet_bytes_renamed_xlsx_fail_clearly(alice, community_a):
    job = dry_run(alice, b"%PDF-1.4 this is not a spreadsheet" * 20, name="人员.xlsx")
    assert job.status == ImportStatus.FAILED
    assert "不是有效的 Excel" in job.summary
    assert nothing_written()


def test_a_zip_that_is_not_a_workbook_fails_clearly(alice, community_a):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    job = dry_run(alice, out.getvalue(), name="人员.xlsx")
    assert job.status == ImportStatus.FAILED and "不是有效的 Excel" in job.summary


def test_binary_bytes_renamed_csv_fail_clearly(alice, community_a):
    job = dry_run(alice, b"\x00\x01\x02\xff" * 100, name="人员.csv")
    assert job.status == ImportStatus.FAILED and "不是 CSV 文本文件" in job.summary


def test_empty_file_is_refused_at_upload(alice, community_a):
    assert "文件是空的" in _create_fails(alice, "人员.xlsx", b"")


def test_a_workbook_with_only_a_header_has_no_data_rows(alice, community_a):
    job = dry_run(alice, (",".join(PERSON_HEADER) + "\n").encode(), name="人员.csv")
    assert job.status == ImportStatus.FAILED and "没有数据行" in job.summary


def test_an_empty_sheet_fails_clearly(alice, community_a):
    import io

    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    job = dry_run(alice, out.getvalue())
    assert job.status == ImportStatus.FAILED and "是空的" in job.summary


def test_unknown_file_type_is_refused_at_upload(alice, community_a):
    assert "不支持的文件类型" in _create_fails(alice, "人员.docx", b"abc")
    assert ".xls 格式" in _create_fails(alice, "人员.xls", b"abc")


def test_oversized_upload_is_refused_with_the_limit(alice, community_a, settings):
    settings.IMPORT_MAX_BYTES = 2048
    message = _create_fails(alice, "人员.csv", b"a" * 4096)
    assert "超过上限" in message
    from fengqiao.exchange.models import ImportJob

    assert not ImportJob.objects.exists()
    assert nothing_written()


def test_too_many_rows_fail_with_the_limit(alice, community_a, settings):
    settings.IMPORT_MAX_ROWS = 3
    job = dry_run(alice, xlsx_bytes([person_row(i) for i in range(1, 6)]))
    assert job.status == ImportStatus.FAILED and "上限" in job.summary


def test_a_user_without_an_import_role_cannot_upload(db, station, community_a):
    from django.core.exceptions import PermissionDenied

    from fengqiao.accounts.choices import Role
    from tests.factories import UserFactory

    auditor = UserFactory(role=Role.AUDITOR, station=station)
    with pytest.raises(PermissionDenied):
        services.import_job_create(actor=auditor, kind="persons", upload=upload("a.csv", b"x"))


# ----------------------------------------------------------------------------- bad rows (reported by row and column)


def _bad_row(user, **changes):
    rows = [person_row(1), person_row(2, **changes)]
    job = dry_run(user, xlsx_bytes(rows))
    assert job.status == ImportStatus.VALIDATED
    assert job.invalid_count == 1 and job.valid_count == 1
    return problems(job)


def test_duplicate_id_inside_the_file_names_the_first_row(alice, community_a):
    rows = [person_row(1), person_row(2), person_row(3)]
    rows[2]["身份证号"] = rows[0]["身份证号"]
    job = dry_run(alice, xlsx_bytes(rows))
    assert problems(job) == [(4, "身份证号", "与第2行的证件号码重复")]


def test_duplicate_id_against_the_database(alice, community_a):
    number = make_id_number(7, birth=dt.date(1990, 5, 5))
    PersonFactory(community=community_a, id_number=number)
    assert _bad_row(alice, id_number=number) == [(3, "身份证号", "该证件号码已登记,请勿重复导入")]


def test_bad_check_digit(alice, community_a):
    number = make_id_number(2, birth=dt.date(1985, 3, 3))
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    assert _bad_row(alice, id_number=wrong) == [
        (3, "身份证号", f"身份证号校验位错误(应为{number[-1]})")
    ]


def test_id_number_stored_as_a_number_is_reported(alice, community_a):
    assert _bad_row(alice, id_number=511123198503030011)[0][1:] == (
        "身份证号",
        "证件号码被存成了数字,末几位已丢失;请把该列设为“文本”格式后重新填写",
    )


def test_a_date_that_does_not_exist(alice, community_a):
    row = {"人口类别": "流动", "流入日期": "2023-02-30", "流入原因": "务工"}
    found = _bad_row(alice, **row)
    assert (3, "流入日期", "日期 2023-02-30 不存在") in found


def test_birth_date_and_sex_must_match_the_id(alice, community_a):
    found = _bad_row(alice, **{"出生日期": "1985-03-04", "性别": "女"})
    assert (3, "出生日期", "出生日期与身份证号不一致(身份证号为1985-03-03)") in found
    assert (3, "性别", "性别与身份证号不一致") in found


def test_birth_date_in_the_future(alice, community_a):
    found = _bad_row(
        alice,
        **{
            "证件类型": "护照",
            "身份证号": "E12345678",
            "出生日期": "2999-01-01",
            "性别": "男",
            "人口类别": "户籍",
        },
    )
    assert (3, "出生日期", "出生日期不能晚于今天") in found


def test_departure_before_inflow(alice, community_a):
    found = _bad_row(
        alice,
        **{
            "人口类别": "流动",
            "流入日期": "2024-05-01",
            "流入原因": "务工",
            "预计离开日期": "2024-04-01",
        },
    )
    assert found == [(3, "预计离开日期", "预计离开日期应晚于流入日期")]


def test_floating_person_needs_an_inflow_date(alice, community_a):
    found = _bad_row(alice, **{"人口类别": "流动", "流入原因": "务工"})
    assert found == [(3, "流入日期", "流动人口须填写流入日期")]


def test_bad_phone(alice, community_a):
    found = _bad_row(alice, phone="12345")
    assert found == [(3, "手机号", "电话号码格式不正确(手机号11位,以1开头;固话如0833-4201234)")]


def test_unknown_choice_label(alice, community_a):
    found = _bad_row(alice, **{"人口类别": "常住"})
    assert found[0][:2] == (3, "人口类别") and "不是可选的值" in found[0][2]


def test_unknown_community(alice, community_a):
    assert _bad_row(alice, community="南街社区") == [(3, "社区", "“南街社区”不是本所的社区/村")]


def test_community_of_another_station_is_unknown(alice, community_a, other_station):
    from tests.factories import CommunityFactory

    CommunityFactory(station=other_station, name="清溪社区")
    assert _bad_row(alice, community="清溪社区") == [(3, "社区", "“清溪社区”不是本所的社区/村")]


def test_community_not_editable_by_bob(bob, community_a, community_b):
    found = _bad_row(bob, community="东街社区")
    assert found == [(3, "社区", "您无权导入“东街社区”的数据(只能导入您负责的社区/村)")]


def test_every_bad_row_is_reported_and_nothing_is_written_by_the_dry_run(alice, community_a):
    rows = [person_row(i) for i in range(1, 8)]
    rows[1]["手机号"] = "1"
    rows[3]["社区"] = "无名社区"
    rows[5]["出生日期"] = "2023-02-30"
    job = dry_run(alice, xlsx_bytes(rows))
    assert sorted({e["row"] for e in job.errors}) == [3, 5, 7]
    assert job.invalid_count == 3 and job.valid_count == 4
    assert nothing_written()


def test_house_at_an_address_that_already_has_a_house(alice, community_a):
    from tests.factories import AddressFactory, HouseFactory

    HouseFactory(
        address=AddressFactory(community=community_a, town="", road="东大街", doorplate="2")
    )
    job = dry_run(alice, xlsx_bytes([house_row(1), house_row(2)], sheet="房屋"), kind="houses")
    assert [(r, c) for r, c, _ in problems(job)] == [(3, "街路巷/小区")]
    assert "该地址已登记房屋" in job.errors[0]["problem"]


def test_same_house_address_twice_in_the_file(alice, community_a):
    job = dry_run(alice, xlsx_bytes([house_row(1), house_row(1)], sheet="房屋"), kind="houses")
    assert problems(job) == [(3, "街路巷/小区", "与第2行是同一地址(西街社区东大街1号)")]


def test_house_numbers_and_year_are_checked(alice, community_a):
    row = house_row(1, **{"面积": "很大", "间数": "2.5", "建成年份": "2999", "房主电话": "999"})
    job = dry_run(alice, xlsx_bytes([row], sheet="房屋"), kind="houses")
    assert {c for _, c, _ in problems(job)} == {"面积", "间数", "建成年份", "房主电话"}
    assert job.valid_count == 0


def test_scope_lost_between_dry_run_and_commit_is_caught(bob, community_a):
    job = dry_run(bob, xlsx_bytes([person_row(1), person_row(2)]))
    community_a.officers.remove(bob)
    job = commit(bob, job, "all")
    assert job.status == ImportStatus.FAILED
    assert "您已无权导入“西街社区”的数据" in [e["problem"] for e in job.errors]
    assert nothing_written()


def test_foreign_person_with_a_resident_id_is_reported(alice, community_a):
    found = _bad_row(alice, **{"人口类别": "境外", "国籍": "越南"})
    assert found == [(3, "证件类型", "境外人员应使用护照、通行证或外国人永久居留身份证")]


def test_dates_typed_in_chinese_and_compact_forms_are_read(alice, community_a):
    row = person_row(
        2,
        **{
            "人口类别": "流动",
            "流入日期": "2024年5月1日",
            "流入原因": "务工",
            "预计离开日期": "20250501",
        },
    )
    job = dry_run(alice, xlsx_bytes([row]))
    assert job.invalid_count == 0, job.errors
    commit(alice, job, "all")
    person = Person.objects.get()
    assert (person.inflow_date, person.expected_departure) == (
        dt.date(2024, 5, 1),
        dt.date(2025, 5, 1),
    )
