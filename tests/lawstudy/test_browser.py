"""In a real browser: the organiser opens sign-in and shows the QR code; an officer opens the QR's link
on a phone, signs in with one tap; a forged link is refused; the figures page draws."""

import pytest

from fengqiao.lawstudy import services
from fengqiao.lawstudy.models import Attendance
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_qr_sign_in_on_the_officers_phone(page, browser, live_server, alice, bob, session):
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.click("button:has-text('开始签到')")
    page.wait_for_selector("#signin-qr")
    url = page.get_attribute("#signin-qr", "data-url")
    assert f"/lawstudy/{session.pk}/signin/" in url
    assert not csp_violations(page)

    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    try:
        browser_login(phone, live_server, bob)
        phone.goto(url)
        phone.click("#signin-form button")
        phone.wait_for_selector("#signin-done[data-status=present]")
        assert Attendance.objects.get(session=session).officer == bob
        phone.goto(url.rsplit("/", 2)[0] + "/forged:token:x/")
        assert "不是本系统" in phone.inner_text("#signin-error")
    finally:
        context.close()
    page.wait_for_selector("#signed-count:has-text('已签到 1')", timeout=40_000)


def test_the_figures_page_draws(page, live_server, alice, bob, session):
    services.session_open(actor=alice, session=session)
    services.session_close(
        actor=alice,
        session=session,
        now=session.starts_at + __import__("datetime").timedelta(minutes=61),
    )
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/lawstudy/figures/")
    page.wait_for_selector("[data-chart=weekly][data-drawn='1']")
    assert page.locator("#officer-table tbody tr").count() >= 2
    assert not csp_violations(page)
