"""In a real browser: the counter calls the next number and speaks it (zh-CN speech synthesis, stubbed
to capture the utterance), the waiting-room display shows and speaks the call; a resident books on a
phone; the figures page draws."""

import re

import pytest

from fengqiao.desk import services
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed before the page's scripts (not subject to the page's CSP): each utterance is kept in
# <html data-spoken='[...]'> so the test reads it without evaluating script in the page.
CAPTURE = """
(function () {
  var spoken = [];
  if (window.speechSynthesis) {
    window.speechSynthesis.speak = function (u) {
      spoken.push({ text: u.text, lang: u.lang });
      document.documentElement.setAttribute("data-spoken", JSON.stringify(spoken));
      document.documentElement.setAttribute("data-spoken-count", String(spoken.length));
    };
  }
}());
"""


def spoken(page):
    import json

    return json.loads(page.get_attribute("html", "data-spoken") or "[]")


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_counter_calls_and_speaks_and_the_display_follows(
    page, live_server, clerk, counter1, service_a, settings
):
    settings.DESK_SMS_RESEND_SECONDS = 0
    services.ticket_take(actor=clerk, service=service_a)
    services.ticket_take(actor=clerk, service=service_a)
    page.add_init_script(CAPTURE)
    browser_login(page, live_server, clerk)

    display = page.context.new_page()
    display.csp_errors = []
    display.on(
        "console", lambda msg: display.csp_errors.append(msg.text) if msg.type == "error" else None
    )
    display.add_init_script(CAPTURE)
    display.goto(f"{live_server.url}/desk/display/")
    display.click("#voice-toggle")
    display.wait_for_selector("body[data-voice=on]")

    page.goto(f"{live_server.url}/desk/counter/{counter1.pk}/")
    page.click("#btn-call")
    page.wait_for_selector("#current-number[data-number=A001]")
    page.wait_for_selector("html[data-spoken-count='2']")  # said twice
    assert spoken(page)[0] == {"text": "请A零零一号,到1号窗口办理", "lang": "zh-CN"}
    assert page.locator("#call-text").inner_text() == "请 A001 号到 1 号窗口办理"

    display.wait_for_selector("#latest-call:has-text('请 A001 号到 1 号窗口办理')", timeout=15_000)
    display.wait_for_selector("html[data-spoken-count='2']", timeout=15_000)
    assert spoken(display)[0]["text"] == "请A零零一号,到1号窗口办理"

    page.click("#btn-recall")
    page.wait_for_selector("html[data-spoken-count='4']")
    page.click("#btn-finish")
    page.wait_for_selector("#rating-qr img")
    page.click("#btn-call")
    page.wait_for_selector("#current-number[data-number=A002]")
    assert not csp_violations(page) and not csp_violations(display)
    display.close()


def test_a_resident_books_on_a_phone(
    browser, live_server, station, service_a, workday, monkeypatch
):
    sent = []
    real = services.verification_send

    def spy(**kw):
        v = real(**kw)
        sent.append(v.code)
        return v

    monkeypatch.setattr(services, "verification_send", spy)
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    errors = []
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        phone.goto(f"{live_server.url}/public/desk/")
        phone.select_option("select[name=service]", str(service_a.pk))
        option = phone.locator(f"select[name=date] option[value='{workday.isoformat()}']")
        assert "余 2" in option.inner_text()  # the places left show once a service is chosen
        phone.select_option("select[name=date]", workday.isoformat())
        phone.fill("input[name=name]", "王芳")
        phone.fill("input[name=phone]", "1380013800")  # one digit short
        phone.click("#booking-form button[type=submit]")
        phone.wait_for_selector("[data-error-for=phone]")
        assert phone.input_value("input[name=name]") == "王芳"
        phone.fill("input[name=phone]", "13800138000")
        phone.click("#booking-form button[type=submit]")
        phone.wait_for_selector("#code-form")
        phone.fill("input[name=code]", sent[-1])
        phone.click("#code-form button[type=submit]")
        phone.wait_for_selector("#cancel-code")
        assert re.fullmatch(r"\d{6}", phone.inner_text("#cancel-code"))
        assert phone.get_attribute("#appointment", "data-ref").startswith("YY-")
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()


def test_the_figures_page_draws(page, live_server, alice, clerk, counter1, service_a):
    services.ticket_take(actor=clerk, service=service_a)
    services.ticket_call_next(actor=clerk, counter=counter1)
    done = services.ticket_finish(actor=clerk, counter=counter1)
    services.rating_submit(token=done.rating_token, score=5)
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/desk/figures/")
    page.wait_for_selector("[data-chart=scores][data-drawn='1']")
    page.wait_for_selector("[data-chart=counters][data-drawn='1']")
    assert page.inner_text("[data-figure=good-rate]") == "100.0%"
    assert not csp_violations(page)
