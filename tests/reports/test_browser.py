"""In a real browser: the dashboard draws its charts and a figure opens its records; a report is
requested, followed while it runs (htmx progress) and downloaded; no CSP violation."""

import pytest
from django.utils import timezone

from fengqiao.reports.models import Report, ReportDownload
from tests.browser import browser_login

# The second test finds the data-migration rows (incident categories, fraud types, the default
# scheme …) that the first one's flush erased: tests/conftest.py puts them back after every flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_dashboard_charts_and_drill_down(page, live_server, leader):
    browser_login(page, live_server, leader)
    page.goto(f"{live_server.url}/reports/?period=last_year")
    for chart in ("rates", "redlines", "vehicles", "fraud", "breakdown"):
        page.wait_for_selector(f"[data-chart={chart}][data-drawn='1']")
    page.click("[data-kpi=callback_satisfaction]")
    page.wait_for_selector("#records")
    assert "/reports/figures/callback_satisfaction/" in page.url
    assert page.locator("#records tbody tr").count() > 0
    assert page.locator("#figure [data-value]").inner_text().endswith("%")
    page.click("nav.toolbar a:has-text('队室')")
    page.wait_for_selector("#breakdown-table th:has-text('队室')")
    assert page.locator("#breakdown-table th").nth(1).inner_text() == "回访满意率"
    page.locator("#breakdown-table tbody a").first.click()
    page.wait_for_selector("#records")
    assert "unit=" in page.url and "unit=callback" not in page.url
    assert not csp_violations(page)


def test_report_requested_followed_and_downloaded(page, live_server, leader, demo):
    browser_login(page, live_server, leader)
    running = Report.objects.create(
        station=demo,
        kind="weekly",
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        status="running",
        progress=55,
        step="计算民警排名",
    )
    page.goto(f"{live_server.url}{running.get_absolute_url()}")
    page.wait_for_selector("#report-status progress[value='55']")
    Report.objects.filter(pk=running.pk).update(status="failed", error="测试中断", progress=55)
    page.wait_for_selector(
        "text=测试中断", timeout=10_000
    )  # the poll saw the end and reloaded the page

    page.goto(f"{live_server.url}/reports/reports/")
    page.select_option("select[name=kind]", "monthly")
    page.fill("input[name=day]", timezone.localdate().isoformat())
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("[data-download=pdf]", timeout=30_000)
    with page.expect_download() as info:
        page.click("[data-download=xlsx]")
    assert info.value.suggested_filename.endswith(".xlsx")
    assert ReportDownload.objects.filter(user=leader, fmt="xlsx").count() == 1
    assert not csp_violations(page)
