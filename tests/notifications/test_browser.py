"""A signed-in page sees a notification pushed from the server appear without reloading."""

import time

import pytest

from fengqiao.notifications.services import notification_send
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pushed_notification_appears_without_reloading(page, live_server, bob):
    browser_login(page, live_server, bob)
    page.goto(f"{live_server.url}/")
    assert page.locator("#notify-count").inner_text() == "0"
    # The tab's stream is open once the page has run its script.
    page.wait_for_selector("#notify-bell[data-notify-state=open]")
    page.evaluate("window.__noReload = true")

    start = time.monotonic()
    notification_send(
        recipients=[bob], kind="test", title="西街社区红色纠纷", body="请立即处置", level="red"
    )
    toast = page.locator(".notify-toast", has_text="西街社区红色纠纷")
    toast.wait_for(state="visible", timeout=2000)
    elapsed = time.monotonic() - start

    assert elapsed < 2.0
    assert page.locator("#notify-count").inner_text() == "1"
    assert page.evaluate("window.__noReload") is True  # same document: nothing reloaded
    assert "level-red" in toast.get_attribute("class")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]

    toast.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
