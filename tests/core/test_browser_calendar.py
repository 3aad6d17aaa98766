"""节假日安排 in a real browser: the administrator pastes the notice for a year the built-in calendar does
not know, 检查 lists the bad line with its reason and saves nothing, 全部保存 after the fix marks the
grid; a community officer reads the same page without any form."""

import datetime as dt

import pytest

from fengqiao.core.workflow_models import CalendarDay
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = ["2027-02-08 休 春节", "2027-02-06 班 春节 调休上班"]
BAD = "2027-01-02 休 元旦"  # a Saturday: a day off anyway
FIXED = "2027-01-01 休 元旦"


def _open_2027(page, live_server):
    page.goto(f"{live_server.url}/core/calendar/?year=2027", wait_until="load")
    page.wait_for_selector("h1 >> text=2027 年节假日安排")


def _day(page, date):
    return page.locator(f".year-grid td[data-date='{date}']")


def test_administrator_checks_the_pasted_notice_fixes_the_bad_line_and_saves(
    page, live_server, rules_admin
):
    browser_login(page, live_server, rules_admin)
    _open_2027(page, live_server)
    assert page.locator(".calendar-banner").count() == 1  # nothing for 2027 yet
    notice = page.locator(".calendar-paste textarea[name=text]")
    notice.fill("\n".join([GOOD[0], BAD, GOOD[1]]))
    page.click(".calendar-paste button[name=action][value=check]")
    page.wait_for_selector("table.paste-lines", state="visible")
    page.wait_for_load_state("load")

    bad = page.locator("table.paste-lines tr.bad")
    assert bad.count() == 1
    assert BAD in bad.inner_text() and "是周末,本来就休息,不必录入“休”" in bad.inner_text()
    good = page.locator("table.paste-lines tbody tr:not(.bad)")
    assert good.count() == 2 and all("新增" in t for t in good.all_inner_texts())
    notice = page.locator(".calendar-paste textarea[name=text]")
    assert notice.input_value() == "\n".join([GOOD[0], BAD, GOOD[1]])  # the text is kept
    assert not CalendarDay.objects.exists()
    assert "holiday" not in (_day(page, "2027-02-08").get_attribute("class") or "")

    # 全部保存 with the bad line still there: refused, nothing saved
    page.click(".calendar-paste button[name=action][value=save]")
    page.wait_for_selector(".messages >> text=有 1 行不正确,全部未保存")
    page.wait_for_load_state("load")
    assert not CalendarDay.objects.exists()

    notice = page.locator(".calendar-paste textarea[name=text]")
    notice.fill("\n".join([GOOD[0], FIXED, GOOD[1]]))
    page.click(".calendar-paste button[name=action][value=save]")
    page.wait_for_url(f"{live_server.url}/core/calendar/?year=2027", wait_until="load")

    assert sorted(CalendarDay.objects.values_list("date", "day_off", "name")) == sorted(
        [
            (dt.date(2027, 1, 1), True, "元旦"),
            (dt.date(2027, 2, 6), False, "春节"),
            (dt.date(2027, 2, 8), True, "春节"),
        ]
    )
    assert page.locator(".calendar-banner").count() == 0
    legend_red = page.locator(".calendar-legend .holiday").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    for date, name in (("2027-01-01", "元旦"), ("2027-02-08", "春节")):
        cell = _day(page, date)
        assert "holiday" in cell.get_attribute("class") and cell.get_attribute("title") == name
        red = cell.evaluate("e => getComputedStyle(e).backgroundColor")
        assert red == legend_red and red not in ("rgba(0, 0, 0, 0)", "transparent")
        r, g, b = (int(x) for x in red[red.index("(") + 1 : red.index(")")].split(",")[:3])
        assert r > 150 and g < 100 and b < 100, red
    workday = _day(page, "2027-02-06")
    assert "workday" in workday.get_attribute("class") and "班" in workday.inner_text()
    assert "holiday" not in (_day(page, "2027-01-02").get_attribute("class") or "")
    rows = page.locator("section.card", has_text="录入的日期").locator("tbody tr")
    assert rows.count() == 3
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_community_officer_reads_the_calendar_without_any_form(page, live_server, bob, rules_admin):
    from fengqiao.core import calendar_services

    calendar_services.calendar_text_save(actor=rules_admin, text=FIXED)
    browser_login(page, live_server, bob)
    _open_2027(page, live_server)
    cell = _day(page, "2027-01-01")
    assert "holiday" in cell.get_attribute("class")
    assert "元旦" in page.locator("section.card", has_text="录入的日期").inner_text()
    assert page.locator("textarea[name=text]").count() == 0
    assert page.locator(".calendar-paste").count() == 0
    assert page.locator("form[action*='/core/calendar/']").count() == 0
    assert page.locator("a:has-text('修改'), button:has-text('删除')").count() == 0
