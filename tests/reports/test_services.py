"""Writes of part 9: scheme versions and indicators, categories, templates, reports and downloads."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.core.models import ObjectChange
from fengqiao.reports import documents, services
from fengqiao.reports.choices import ReportStatus
from fengqiao.reports.models import Indicator, Report, ReportDownload, ReportTemplate, Scheme

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def admin_user(station):
    from fengqiao.accounts.choices import Role
    from tests.factories import UserFactory

    return UserFactory(username="admin2", full_name="管理员", role=Role.ADMIN, station=station)


def test_a_revision_is_a_new_version_and_the_old_one_ends(scheme, admin_user):
    day = TODAY + dt.timedelta(days=10)
    new = services.scheme_revise(
        actor=admin_user, scheme=scheme, effective_from=day, name="2027版", note="县局新办法"
    )
    scheme.refresh_from_db()
    assert scheme.effective_to == day
    assert new.indicators.count() == scheme.indicators.count()
    child = new.indicators.get(code="callbacks")
    assert child.parent.scheme_id == new.pk and child.parent.code == "basics"
    assert Scheme.objects.effective_on(TODAY).get() == scheme
    assert Scheme.objects.effective_on(day).get() == new
    assert ObjectChange.objects.filter(object_repr__contains="2027版").exists()


def test_revision_dates_and_notes_are_checked(scheme, admin_user):
    with pytest.raises(ValidationError, match="必须晚于"):
        services.scheme_revise(
            actor=admin_user,
            scheme=scheme,
            effective_from=scheme.effective_from,
            name="x",
            note="y",
        )
    with pytest.raises(ValidationError, match="修订说明"):
        services.scheme_revise(
            actor=admin_user, scheme=scheme, effective_from=TODAY, name="x", note=" "
        )


def test_a_station_leader_cannot_change_the_scheme(scheme, alice):
    with pytest.raises(PermissionDenied):
        services.scheme_revise(actor=alice, scheme=scheme, effective_from=TODAY, name="x", note="y")


def test_a_version_in_force_cannot_be_edited_but_an_upcoming_one_can(scheme, admin_user):
    leaf = scheme.indicators.get(code="callbacks")
    with pytest.raises(ValidationError, match="不能再修改"):
        services.indicator_save(
            actor=admin_user, scheme=scheme, indicator=leaf, data={"target": 98}
        )
    new = services.scheme_revise(
        actor=admin_user,
        scheme=scheme,
        effective_from=TODAY + dt.timedelta(days=1),
        name="新",
        note="提高满意率目标",
    )
    leaf2 = new.indicators.get(code="callbacks")
    services.indicator_save(actor=admin_user, scheme=new, indicator=leaf2, data={"target": 98})
    leaf2.refresh_from_db()
    leaf.refresh_from_db()
    assert (float(leaf2.target), float(leaf.target)) == (98.0, 96.0)


def test_indicator_edits_keep_the_tree_valid(scheme, admin_user):
    new = services.scheme_revise(
        actor=admin_user,
        scheme=scheme,
        effective_from=TODAY + dt.timedelta(days=1),
        name="新",
        note="n",
    )
    basics = new.indicators.get(code="basics")
    with pytest.raises(ValidationError, match="须选择计算公式"):
        services.indicator_save(
            actor=admin_user,
            scheme=new,
            indicator=None,
            data={"code": "x", "name": "空项", "parent": basics, "weight": 5},
        )
    with pytest.raises(ValidationError, match="已有代码"):
        services.indicator_save(
            actor=admin_user,
            scheme=new,
            indicator=None,
            data={
                "code": "callbacks",
                "name": "重复",
                "formula": "callback_satisfaction",
                "weight": 5,
            },
        )
    with pytest.raises(ValidationError, match="不能再设计算公式"):
        services.indicator_save(
            actor=admin_user,
            scheme=new,
            indicator=basics,
            data={"formula": "callback_satisfaction"},
        )
    with pytest.raises(ValidationError, match="下级指标"):
        services.indicator_delete(actor=admin_user, indicator=basics)
    added = services.indicator_save(
        actor=admin_user,
        scheme=new,
        indicator=None,
        data={
            "code": "recovered",
            "name": "追回车辆",
            "parent": basics,
            "formula": "vehicles_recovered",
            "weight": 5,
            "target": 2,
            "direction": "higher",
        },
    )
    assert added.scheme_id == new.pk
    services.indicator_delete(actor=admin_user, indicator=added)
    assert not Indicator.objects.filter(pk=added.pk).exists()


def _docx_with(text: str) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_good_template_becomes_the_next_version(station, alice):
    t1 = services.template_upload(
        actor=alice,
        station=station,
        kind="monthly",
        content=_docx_with("{{ title }} {{ summary }}"),
        filename="我的.docx",
    )
    t2 = services.template_upload(
        actor=alice,
        station=station,
        kind="monthly",
        content=documents.default_template("monthly"),
        filename="b.docx",
    )
    assert (t1.version, t2.version) == (1, 2)
    assert services.template_for(station, "monthly") == t2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip", "不是 Word .docx"),
        (b"", "空的"),
        (b"{{ title ", "不是 Word .docx"),
        ("docx:{% for x in figures %}", "语法有误"),
        ("docx:{{ secret_field }}", "未知字段:secret_field"),
    ],
)
def test_a_broken_template_is_refused_and_the_old_one_stays(station, alice, content, message):
    good = services.template_upload(
        actor=alice,
        station=station,
        kind="weekly",
        content=_docx_with("{{ title }}"),
        filename="a.docx",
    )
    if isinstance(content, str) and content.startswith("docx:"):
        content = _docx_with(content[5:])
    with pytest.raises(ValidationError, match=message):
        services.template_upload(
            actor=alice, station=station, kind="weekly", content=content, filename="b.docx"
        )
    assert services.template_for(station, "weekly") == good
    assert ReportTemplate.objects.filter(station=station).count() == 1


def test_only_leaders_change_their_own_station_template(station, bob, charlie):
    with pytest.raises(PermissionDenied):
        services.template_upload(
            actor=bob, station=station, kind="weekly", content=_docx_with("x"), filename="a.docx"
        )


def test_a_monthly_report_has_word_excel_with_charts_and_a_pdf_with_an_embedded_font(
    demo, leader, make_report
):
    from docx import Document
    from openpyxl import load_workbook

    day = TODAY.replace(day=1) - dt.timedelta(days=1)
    report = make_report(actor=leader, station=demo, kind="monthly", day=day)
    assert report.status == ReportStatus.DONE, report.error
    assert report.progress == 100 and report.generated_by == leader
    assert report.period_start == day.replace(day=1) and report.period_end == day
    doc = Document(report.docx.open("rb"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{demo.name}{day.year}年{day.month}月工作月报" in text and "{{" not in text
    assert any("回访满意率" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    book = load_workbook(report.xlsx.open("rb"))
    assert {"主要指标", "按月趋势", "队室排名", "民警排名"} <= set(book.sheetnames)
    assert book["按月趋势"]._charts and book["民警排名"]._charts
    pdf = report.pdf.open("rb").read()
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf and b"STSong" not in pdf
    assert report.data["figures"] and report.data["officers"]


def test_a_weekly_report_uses_the_stations_template_and_the_case_rooms_figures(
    demo, leader, make_report
):
    from docx import Document

    services.template_upload(
        actor=leader,
        station=demo,
        kind="weekly",
        content=_docx_with("本所周报:{{ title }},受案{{ cases.received }}起"),
        filename="w.docx",
    )
    report = make_report(
        actor=leader, station=demo, kind="weekly", day=TODAY - dt.timedelta(days=7)
    )
    assert report.status == ReportStatus.DONE and report.template is not None
    text = "\n".join(p.text for p in Document(report.docx.open("rb")).paragraphs)
    from fengqiao.cases.selectors import weekly_figures

    received = weekly_figures(demo, report.period_start)["totals"]["received"]
    assert f"受案{received}起" in text and text.startswith("本所周报:")


def test_a_double_request_makes_one_report(demo, leader, _huey_immediate):
    _huey_immediate.immediate = False
    try:
        first = services.report_request(
            actor=leader, station=demo, kind="monthly", day=TODAY, run=False
        )
        second = services.report_request(
            actor=leader, station=demo, kind="monthly", day=TODAY, run=False
        )
    finally:
        _huey_immediate.immediate = True
    assert first.pk == second.pk and Report.objects.count() == 1


def test_a_failure_is_kept_with_its_reason(demo, leader, monkeypatch, make_report):
    from fengqiao.reports import documents as docs

    monkeypatch.setattr(
        docs, "report_xlsx", lambda data: (_ for _ in ()).throw(RuntimeError("磁盘已满"))
    )
    report = make_report(actor=leader, station=demo, kind="monthly", day=TODAY)
    assert report.status == ReportStatus.FAILED and "磁盘已满" in report.error


def test_a_future_period_and_other_roles_are_refused(demo, leader, community_officer, outsider):
    with pytest.raises(ValidationError, match="尚未开始"):
        services.report_request(
            actor=leader, station=demo, kind="monthly", day=TODAY + dt.timedelta(days=40)
        )
    with pytest.raises(PermissionDenied):
        services.report_request(actor=community_officer, station=demo, kind="monthly", day=TODAY)
    with pytest.raises(PermissionDenied):
        services.report_request(actor=outsider, station=demo, kind="monthly", day=TODAY)


def test_downloads_are_recorded_and_limited_to_report_roles(
    demo, leader, community_officer, outsider, make_report
):
    report = make_report(actor=leader, station=demo, kind="weekly", day=TODAY)
    f = services.report_download(actor=leader, report=report, fmt="pdf")
    assert f.name.endswith(".pdf")
    assert ReportDownload.objects.filter(report=report, user=leader, fmt="pdf").count() == 1
    for user in (community_officer, outsider):
        with pytest.raises(PermissionDenied):
            services.report_download(actor=user, report=report, fmt="docx")
    assert ReportDownload.objects.count() == 1


def test_the_schedule_writes_every_stations_report(demo):
    from fengqiao.accounts.models import Station

    ids = services.scheduled("monthly", today=TODAY.replace(day=1))
    assert len(ids) == Station.objects.count()
    reports = Report.objects.filter(pk__in=ids)
    assert all(
        r.status == ReportStatus.DONE and r.source == "schedule" and r.generated_by is None
        for r in reports
    )
    last = TODAY.replace(day=1) - dt.timedelta(days=1)
    assert {r.period_end for r in reports} == {last}


def test_the_periodic_jobs_are_registered_on_the_stations_clock():
    from huey.contrib.djhuey import HUEY

    from fengqiao.reports import tasks

    def due(moment):
        return [t.name.rsplit(".", 1)[-1] for t in HUEY.read_periodic(moment)]

    assert tasks.weekly_reports  # imported: registered
    assert "weekly_reports" in due(dt.datetime(2026, 12, 4, 17, 30))  # a Friday
    assert "weekly_reports" not in due(dt.datetime(2026, 12, 3, 17, 30))
    assert "monthly_reports" in due(dt.datetime(2026, 12, 1, 6, 0))
    assert HUEY.utc is False


def test_the_default_template_passes_its_own_check():
    for kind in ("weekly", "monthly"):
        content = documents.default_template(kind)
        assert zipfile.is_zipfile(io.BytesIO(content))
        documents.check_template(content)


def test_scheme_template_and_report_changes_are_in_the_change_log(
    station, alice, scheme, admin_user
):
    from django.contrib.contenttypes.models import ContentType

    t = services.template_upload(
        actor=alice,
        station=station,
        kind="weekly",
        content=_docx_with("{{ title }}"),
        filename="a.docx",
    )
    entry = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(ReportTemplate), object_id=t.pk
    )
    assert entry.action == "create" and entry.after["file"].endswith("weekly-v1.docx")
    new = services.scheme_revise(
        actor=admin_user,
        scheme=scheme,
        effective_from=TODAY + dt.timedelta(days=2),
        name="新",
        note="n",
    )
    leaf = new.indicators.get(code="callbacks")
    services.indicator_save(actor=admin_user, scheme=new, indicator=leaf, data={"weight": 20})
    change = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Indicator),
        object_id=leaf.pk,
        action="update",
    ).get()
    assert ("weight", "15.00", "20") in [
        (k, b, str(a)) for k, b, a in change.changed_fields
    ] or change.after["weight"] in ("20", "20.00")


def test_the_command_writes_a_report_now(station, scheme):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("reports_generate", "--kind", "weekly", "--station", station.code)
    assert Report.objects.get(station=station).status == ReportStatus.DONE
    with pytest.raises(CommandError, match="没有代码"):
        call_command("reports_generate", "--kind", "weekly", "--station", "nope")
    with pytest.raises(CommandError, match="尚未开始"):
        call_command("reports_generate", "--kind", "monthly", "--day", "2999-01-01")


def test_renaming_a_group_keeps_its_children(scheme, admin_user):
    new = services.scheme_revise(
        actor=admin_user,
        scheme=scheme,
        effective_from=TODAY + dt.timedelta(days=1),
        name="新",
        note="n",
    )
    basics = new.indicators.get(code="basics")
    services.indicator_save(
        actor=admin_user, scheme=new, indicator=basics, data={"code": "basic_work"}
    )
    assert new.indicators.get(code="callbacks").parent.code == "basic_work"
