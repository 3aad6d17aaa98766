"""Pages of part 9: dashboard with drill-down links, filters with errors, the ranking, the scheme
editor (bureau only), reports with progress and recorded downloads, templates; scoping."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.reports.models import Report, ReportDownload, Scheme
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_dashboard_shows_every_figure_with_a_link_to_its_records(client, login, leader):
    login(client, leader)
    r = client.get(reverse("reports:dashboard"), {"period": "this_year"})
    assert r.status_code == 200
    html = r.content.decode()
    for name in (
        "回访满意率",
        "调解成功率",
        "协议履行率",
        "民转刑",
        "有案不立",
        "办理超期",
        "查打不严",
        "追回被盗车辆",
        "保险赔付金额",
        "电信网络诈骗发案",
    ):
        assert name in html, name
    assert reverse("reports:drill", args=["callback_satisfaction"]) + "?" in html
    assert 'id="kpi-data"' in html and "<script>" not in html.replace('<script id="kpi-data"', "")


def test_the_drill_down_lists_the_records_and_groups(client, login, leader):
    login(client, leader)
    url = reverse("reports:drill", args=["callback_satisfaction"])
    r = client.get(
        url,
        {
            "period": "custom",
            "start": f"{TODAY.year - 1}-01-01",
            "end": f"{TODAY.year - 1}-12-31",
            "by": "unit",
        },
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="records"' in html and "明细记录" in html and "/incidents/" in html
    r = client.get(
        url,
        {
            "period": "custom",
            "start": f"{TODAY.year - 1}-01-01",
            "end": f"{TODAY.year - 1}-12-31",
            "by": "month",
        },
    )
    assert f"{TODAY.year - 1}-06" in r.content.decode()


def test_bad_filters_are_refused_with_the_reason_and_kept(client, login, leader):
    login(client, leader)
    r = client.get(
        reverse("reports:dashboard"),
        {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"},
    )
    assert r.status_code == 400
    assert "截止日期不能早于起始日期" in r.content.decode()
    assert 'value="2026-05-01"' in r.content.decode()
    r = client.get(reverse("reports:dashboard"), {"period": "custom", "start": "2026-05-01"})
    assert r.status_code == 400 and "请填写起始日期和截止日期" in r.content.decode()


def test_a_unit_of_another_station_is_not_a_choice(client, login, leader, outsider):
    from tests.factories import UnitFactory

    other_unit = UnitFactory(station=outsider.station, name="外所一队")
    login(client, leader)
    r = client.get(reverse("reports:dashboard"), {"unit": other_unit.pk})
    assert r.status_code == 400


def test_the_ranking_page_shows_scores_and_reasons(client, login, leader):
    login(client, leader)
    r = client.get(reverse("reports:evaluation"), {"level": "officer", "period": "last_year"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "得分依据" in html and "派出所综合考核(默认)" in html and "→" in html
    assert "少量记录不会与完整记录同分" in html  # the minimum-sample rule is said on the page


def test_only_administrators_edit_the_scheme(client, login, leader, bureau, scheme):
    for reader in (leader, bureau):
        login(client, reader)
        assert client.get(reverse("reports:scheme_revise", args=[scheme.pk])).status_code == 403
        client.logout()
    login(client, UserFactory(username="sysadmin", role=Role.ADMIN, station=leader.station))
    day = TODAY + dt.timedelta(days=3)
    r = client.post(
        reverse("reports:scheme_revise", args=[scheme.pk]),
        {"effective_from": day.isoformat(), "name": "新方案", "note": ""},
    )
    assert r.status_code == 400 and Scheme.objects.count() == 1
    r = client.post(
        reverse("reports:scheme_revise", args=[scheme.pk]),
        {"effective_from": day.isoformat(), "name": "新方案", "note": "县局通知"},
    )
    new = Scheme.objects.get(name="新方案")
    assert r.status_code == 302 and r["Location"] == new.get_absolute_url()
    leaf = new.indicators.get(code="callbacks")
    url = reverse("reports:indicator_edit", args=[new.pk, leaf.pk])
    data = {
        "code": "callbacks",
        "name": "回访满意率",
        "parent": leaf.parent_id,
        "formula": "callback_satisfaction",
        "weight": "15",
        "target": "97",
        "direction": "higher",
        "sort": "21",
        "note": "",
    }
    assert client.post(url, data).status_code == 302
    leaf.refresh_from_db()
    assert float(leaf.target) == 97
    r = client.post(url, {**data, "formula": "", "target": "99"})
    assert r.status_code == 400 and "须选择计算公式" in r.content.decode()
    assert 'value="99"' in r.content.decode()
    old_leaf = scheme.indicators.get(code="callbacks")
    assert (
        client.get(reverse("reports:indicator_edit", args=[scheme.pk, old_leaf.pk])).status_code
        == 403
    )


def test_a_report_is_requested_followed_and_downloaded(
    client, login, leader, django_capture_on_commit_callbacks
):
    login(client, leader)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("reports:report_list"), {"kind": "weekly", "day": TODAY.isoformat()}
        )
    report = Report.objects.get()
    assert r.status_code == 302 and r["Location"] == report.get_absolute_url()
    status = client.get(reverse("reports:report_status", args=[report.pk]), HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    page = client.get(report.get_absolute_url()).content.decode()
    assert "已完成" in page and reverse("reports:report_download", args=[report.pk, "xlsx"]) in page
    r = client.get(reverse("reports:report_download", args=[report.pk, "xlsx"]))
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert ReportDownload.objects.filter(user=leader, fmt="xlsx").exists()


def test_a_running_report_shows_its_progress(client, login, leader, demo):
    report = Report.objects.create(
        station=demo,
        kind="monthly",
        period_start=TODAY.replace(day=1),
        period_end=TODAY,
        status="running",
        progress=40,
        step="计算考核排名",
    )
    login(client, leader)
    html = client.get(reverse("reports:report_status", args=[report.pk])).content.decode()
    assert (
        'hx-trigger="every 1s, push:report from:body"' in html
        and 'value="40"' in html
        and "计算考核排名" in html
    )


def test_a_bad_request_keeps_the_input(client, login, leader):
    login(client, leader)
    r = client.post(
        reverse("reports:report_list"),
        {"kind": "monthly", "day": (TODAY + dt.timedelta(days=60)).isoformat()},
    )
    assert r.status_code == 400 and "尚未开始" in r.content.decode()
    assert Report.objects.count() == 0


def test_other_stations_and_roles_cannot_reach_a_report(
    client, login, leader, community_officer, outsider, make_report
):
    report = make_report(actor=leader, station=leader.station, kind="weekly", day=TODAY)
    login(client, outsider)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("reports:report_download", args=[report.pk, "pdf"])).status_code == 404
    )
    client.logout()
    login(client, community_officer)
    assert client.get(report.get_absolute_url()).status_code == 200
    assert (
        client.get(reverse("reports:report_download", args=[report.pk, "pdf"])).status_code == 403
    )
    assert (
        client.post(
            reverse("reports:report_list"), {"kind": "weekly", "day": TODAY.isoformat()}
        ).status_code
        == 403
    )
    assert not ReportDownload.objects.exists()


def test_a_broken_template_upload_shows_the_reason(client, login, leader):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, leader)
    r = client.post(
        reverse("reports:templates"),
        {"kind": "monthly", "file": SimpleUploadedFile("坏.docx", b"garbage"), "note": ""},
    )
    assert r.status_code == 400 and "不是 Word .docx" in r.content.decode()
    r = client.get(reverse("reports:template_default", args=["monthly"]))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    good = SimpleUploadedFile("好.docx", r.content)
    assert (
        client.post(
            reverse("reports:templates"), {"kind": "monthly", "file": good, "note": "本所版式"}
        ).status_code
        == 302
    )
    assert "本所第1版" in client.get(reverse("reports:templates")).content.decode()


def test_categories_are_set_by_the_bureau(client, login, leader, bureau, demo):
    from fengqiao.reports.models import StationCategory, StationProfile

    cat = StationCategory.objects.get(name="一类所")
    login(client, leader)
    assert (
        client.post(
            reverse("reports:categories"),
            {"form": "station", "s-station": demo.pk, "s-category": cat.pk},
        ).status_code
        == 403
    )
    client.logout()
    login(client, bureau)
    assert (
        client.post(
            reverse("reports:categories"),
            {"form": "station", "s-station": demo.pk, "s-category": cat.pk},
        ).status_code
        == 302
    )
    assert StationProfile.objects.get(station=demo).category == cat


def test_the_dashboard_reads_in_english(client, login, leader):
    login(client, leader)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:dashboard"), {"period": "last_year"}).content.decode()
    assert "KPI dashboard" in html and "Callback satisfaction" in html and "Target" in html
    html = client.get(
        reverse("reports:evaluation"), {"level": "unit", "period": "last_year"}
    ).content.decode()
    assert "How the points were given" in html and "points" in html


def test_the_bureau_generates_a_chosen_stations_report(
    client, login, bureau, demo, django_capture_on_commit_callbacks
):
    login(client, bureau)
    page = client.get(reverse("reports:report_list")).content.decode()
    assert 'name="station"' in page
    r = client.post(reverse("reports:report_list"), {"kind": "weekly", "day": TODAY.isoformat()})
    assert r.status_code == 400 and "请选择派出所" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("reports:report_list"),
            {"kind": "weekly", "day": TODAY.isoformat(), "station": demo.pk},
        )
    report = Report.objects.get()
    assert r.status_code == 302 and report.station == demo and report.generated_by == bureau
