import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.antifraud import importing
from fengqiao.antifraud.models import Warning, WarningImport
from tests.antifraud.factories import upload as make_upload
from tests.antifraud.factories import xlsx_bytes

pytestmark = pytest.mark.usefixtures("frozen")

GOOD = ("ZX-1", "王芳", "13900001111", "", "西街12号", "高", "刷单返利", "2026-03-02 09:50", "")
NO_CONTACT = ("ZX-2", "张三", "", "", "", "中", "刷单返利", "2026-03-02 09:40", "")
BAD_TIME = ("ZX-3", "李四", "13900003333", "", "", "低", "婚恋交友", "2026-02-30 09:00", "")
BAD_TYPE = ("ZX-4", "赵六", "13900004444", "", "", "低", "算命", "2026-03-02 09:00", "")


def test_dry_run_lists_each_bad_row_and_writes_nothing(alice, bob, resident):
    job = importing.import_upload(
        actor=alice, upload=make_upload(xlsx_bytes([GOOD, NO_CONTACT, BAD_TIME, BAD_TYPE]))
    )
    assert (job.total_rows, job.valid_count, job.invalid_count) == (4, 1, 3)
    problems = {e["row"]: e for e in job.errors}
    assert "手机号或身份证号" in problems[3]["problem"]
    assert "不存在" in problems[4]["problem"] and problems[4]["column"] == "接收时间"
    assert "诈骗类型" in problems[5]["problem"] and problems[5]["value"] == "算命"
    assert Warning.objects.count() == 0


def test_commit_all_is_refused_while_rows_have_problems(alice, bob, resident):
    job = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD, BAD_TIME])))
    with pytest.raises(ValidationError, match="有1行存在问题"):
        importing.import_commit(actor=alice, job=job)
    job.refresh_from_db()
    assert job.status == "checked" and Warning.objects.count() == 0


def test_commit_valid_rows_matches_and_assigns(alice, bob, resident):
    job = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD, BAD_TIME])))
    job = importing.import_commit(actor=alice, job=job, valid_only=True)
    w = Warning.objects.get()
    assert (
        w.source == "import"
        and w.external_id == "ZX-1"
        and w.officer == bob
        and w.person == resident
    )
    assert job.created_count == 1 and job.status == "done"
    with pytest.raises(ValidationError, match="已经导入"):
        importing.import_commit(actor=alice, job=job, valid_only=True)


def test_duplicate_rows_in_one_file_merge(alice, bob, resident):
    second = ("ZX-9", "王芳", "13900001111", "", "", "低", "刷单返利", "2026-03-02 09:55", "")
    job = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD, second])))
    job = importing.import_commit(actor=alice, job=job)
    assert (job.created_count, job.merged_count) == (1, 1)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a zip", "预警.xlsx", "不是有效的 Excel"),
        (b"", "预警.xlsx", "空的"),
        (b"a,b\n1,2\n", "预警.doc", "不支持的文件类型"),
        ("姓名,手机号\n张三,13800000000\n".encode(), "预警.csv", "缺少必填列"),
        ("指令编号,姓名,手机号,风险等级,诈骗类型,接收时间\n".encode(), "预警.csv", "没有数据行"),
    ],
)
def test_malformed_files_are_refused_with_a_message(alice, data, name, message):
    with pytest.raises(ValidationError, match=message):
        importing.import_upload(actor=alice, upload=make_upload(data, name))
    assert WarningImport.objects.count() == 0


def test_csv_in_gbk_is_read(alice, bob, resident):
    text = "姓名,手机号,风险等级,诈骗类型,接收时间\n王芳,13900001111,高,刷单返利,2026-03-02 09:50\n"
    job = importing.import_upload(
        actor=alice, upload=make_upload(text.encode("gb18030"), "预警.csv")
    )
    assert job.valid_count == 1 and not job.errors


def test_community_officer_may_not_import(bob):
    with pytest.raises(PermissionDenied):
        importing.import_upload(actor=bob, upload=make_upload(xlsx_bytes([GOOD])))


def test_template_has_the_columns():
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(importing.template_workbook())).active
    assert [c.value for c in sheet[1]][:2] == ["指令编号", "姓名(必填)"]


def test_import_assigns_with_clocks_and_notifies_in_summary(alice, bob, command, resident):
    from fengqiao.core.services import clocks_for
    from fengqiao.notifications.models import Notification
    from tests.antifraud.conftest import NOW

    low = ("ZX-5", "路人", "13700005555", "", "", "低", "其他", "2026-03-02 09:00", "")
    raise_ = ("ZX-6", "王芳", "13900001111", "", "", "高", "刷单返利", "2026-03-02 09:55", "")
    first = ("ZX-7", "王芳", "13900001111", "", "", "低", "刷单返利", "2026-03-02 09:30", "")
    job = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([low, raise_, first])))
    job = importing.import_commit(actor=alice, job=job)
    assert (job.created_count, job.merged_count) == (2, 1)
    w = Warning.objects.get(external_id="ZX-7")
    # the in-file duplicate at 09:55 raised the level: 30 minutes from its receipt
    assert (
        w.risk_level == "high"
        and w.officer == bob
        and w.contact_due_at.isoformat() == "2026-03-02T02:25:00+00:00"
    )
    clock = clocks_for(w).get()
    assert clock.kind == "fraud_contact_high" and clock.assignee == bob and clock.state == "running"
    assert Warning.objects.get(external_id="ZX-6").merged_into == w
    assert Notification.objects.get(recipient=bob).urgent
    assert Notification.objects.filter(recipient=command, urgent=True).exists()
    unassigned = Warning.objects.get(external_id="ZX-5")
    assert unassigned.status == "unassigned" and clocks_for(unassigned).get().assignee is None
    assert NOW  # frozen clock in force


def test_import_row_duplicating_an_open_warning_merges_into_it(alice, bob, resident, shua_dan):
    from fengqiao.antifraud import services
    from tests.antifraud.conftest import NOW

    existing = services.warning_receive(
        actor=None,
        station=alice.station,
        fraud_type=shua_dan,
        name="王芳",
        phone=resident.phone,
        risk_level="low",
        received_at=NOW - dt.timedelta(minutes=20),
    )
    job = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD])))
    job = importing.import_commit(actor=alice, job=job)
    assert job.merged_count == 1 and Warning.objects.get(external_id="ZX-1").merged_into == existing


def test_a_centre_number_repeated_in_the_file_is_a_row_error(alice, bob, resident):
    again = ("ZX-1", "李四", "13900003333", "", "", "低", "婚恋交友", "2026-03-02 09:00", "")
    job = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD, again])))
    assert job.valid_count == 1 and "与第2行重复" in job.errors[0]["problem"]
    assert job.errors[0]["column"] == "指令编号"
    importing.import_commit(actor=alice, job=job, valid_only=True)
    assert Warning.objects.get().name == "王芳"


def _aged(job, days):
    WarningImport.objects.filter(pk=job.pk).update(
        created_at=job.created_at - dt.timedelta(days=days)
    )


def test_old_warning_sheets_are_purged_with_the_registry_imports(alice, bob, resident, settings):
    """The county centre's sheets hold names, phones and ID numbers: deleted after
    IMPORT_FILE_RETENTION_DAYS by the same retention job as the registry's uploads; the record stays."""
    from pathlib import Path

    from django.core.management import call_command

    settings.IMPORT_FILE_RETENTION_DAYS = 30
    done = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD])))
    done = importing.import_commit(actor=alice, job=done)
    waiting = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD])))
    recent = importing.import_upload(actor=alice, upload=make_upload(xlsx_bytes([GOOD])))
    files = {j.pk: (Path(j.file.path), Path(j.file.path + ".rows.json")) for j in (done, waiting)}
    assert all(f.exists() for pair in files.values() for f in pair)
    _aged(done, 31)
    _aged(waiting, 40)

    call_command("purge_imports")

    for job in (done, waiting):
        job.refresh_from_db()
        assert job.file.name == ""
        assert not any(f.exists() for f in files[job.pk])
    assert done.status == "done" and done.created_count == 1  # the record stays
    assert waiting.status == "failed" and "保留期限" in waiting.summary
    with pytest.raises(ValidationError, match="已经导入过,或已失效"):
        importing.import_commit(actor=alice, job=waiting)
    recent.refresh_from_db()
    assert recent.file.name and Path(recent.file.path).exists()
