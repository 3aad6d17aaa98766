"""In a real browser: an incident past its review limit (有案不立) → case opened from it → accepted →
interview by two officers → penalty → closed → 一案一评 by the case room; the weekly page draws its charts."""

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.cases.models import Case
from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.services import incident_receive
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_incident_to_filed_case_to_closing_with_review(
    page, live_server, station, alice, officer, officer2, manager, community_a
):
    incident = incident_receive(
        actor=alice,
        station=station,
        category=IncidentCategory.objects.get(code="ZA-DO"),
        caller_name="张三",
        caller_phone="13812345678",
        location="西街8号",
        community=community_a,
        received_at=timezone.now() - dt.timedelta(hours=30),
    )
    browser_login(page, live_server, alice)
    page.click("nav#sidenav >> text=案件与案管")
    page.click("a:has-text('有案不立 1 起')")
    assert incident.reference in page.locator("#unfiled-overdue").inner_text()
    page.click("#unfiled-overdue >> a:has-text('受案/立案')")
    assert page.input_value("select[name=kind]") == "administrative"
    page.select_option("select[name=lead_officer]", str(officer.pk))
    page.select_option("select[name=second_officer]", str(officer2.pk))
    page.click("button:has-text('登记')")
    page.wait_for_selector("h1 >> text=XZ-")
    case = Case.objects.get()
    incident.refresh_from_db()
    assert incident.case_reference == case.reference

    page.click("button:has-text('受理')")
    page.wait_for_selector("#case-status >> text=办理中")
    assert "治安案件办理期限" in page.locator("#clocks").inner_text()
    page.select_option("#work-form select[name=kind]", "interview")
    page.fill("#work-form input[name=note]", "询问被侵害人张三")
    page.click("#work-form button:has-text('登记')")
    page.wait_for_selector("#work >> text=询问被侵害人张三")
    page.fill("input[name=text]", "警告")
    page.select_option("select[name=penalty_kind]", "warning")
    page.select_option("select[name=mode]", "present")
    page.click("button:has-text('作出处罚决定')")
    page.wait_for_selector("dt >> text=处罚决定")
    page.fill("textarea[name=summary]", "警告处罚,结案")
    page.click("#actions button:has-text('结案')")
    page.wait_for_selector("#case-status >> text=已结案")

    page.context.clear_cookies()
    browser_login(page, live_server, manager)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    for name, value in (
        ("legality", "25"),
        ("timeliness", "20"),
        ("evidence", "22"),
        ("procedure", "23"),
    ):
        page.fill(f"#review-form input[name={name}]", value)
    page.click("button:has-text('提交评查')")
    page.wait_for_selector("#review >> text=总分 90")
    assert "一案一评" in page.locator("#timeline").inner_text()

    page.click("a:has-text('案管室')")
    page.wait_for_selector("#red-lines")
    page.click("a:has-text('周汇总')")
    page.click("button:has-text('生成周汇总')")
    page.wait_for_selector("#weeks-chart[data-drawn='1']")
    assert not csp_violations(page)


def test_a_party_is_seen_whole_in_its_row_only_after_a_purpose(
    page, live_server, station, alice, officer, officer2, manager
):
    from fengqiao.cases import services
    from fengqiao.cases.models import OffenceType
    from fengqiao.core.models import PersonalDataAccess

    case = services.case_open(
        actor=alice,
        kind="administrative",
        offence=OffenceType.objects.get(code="ZA-OD"),
        title="殴打案",
        lead_officer=officer,
        second_officer=officer2,
    )
    party = services.party_add(
        actor=officer, case=case, role="suspect", name="王小五", phone="13912345678"
    )
    browser_login(page, live_server, manager)
    page.goto(live_server.url + case.get_absolute_url())
    row = page.locator(f"#party-{party.pk}")
    assert "王**" in row.inner_text() and "13912345678" not in page.content()
    page.evaluate("window.notReloaded = true")
    row.locator("button:has-text('查看完整信息')").click()  # the browser asks for a purpose first
    assert not PersonalDataAccess.objects.exists()
    row.locator("input[name=purpose]").fill("移送前核对身份")
    row.locator("button:has-text('查看完整信息')").click()
    page.wait_for_selector(f"#party-{party.pk} >> text=13912345678")
    assert "王小五" in page.locator(f"#party-{party.pk}").inner_text()
    assert page.evaluate("window.notReloaded") is True  # HTMX swapped the row, not the page
    assert PersonalDataAccess.objects.get().purpose == "移送前核对身份"
    assert not csp_violations(page)
