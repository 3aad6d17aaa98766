"""The field app in Chromium: an entry made with no network waits in IndexedDB, shows in the queue,
and reaches the station once when the network returns; with no network the service worker serves the
data-free offline page; signing out leaves no cache behind."""

import time

import pytest
from playwright.sync_api import expect

from fengqiao.field.models import WorkLogEntry
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offline_entry_syncs_once_when_the_network_returns(page, live_server, bob):
    context = page.context
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 29.2095, "longitude": 103.9442, "accuracy": 10})
    browser_login(page, live_server, bob)
    page.goto(f"{live_server.url}/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker

    context.set_offline(True)
    page.select_option("#quick-log select[name=kind]", "visit")
    page.fill("#quick-log input[name=place]", "西街12号")
    page.fill("#quick-log textarea[name=note]", "走访独居老人")
    page.click("#quick-log button[type=submit]")
    expect(page.locator("#queue-count")).to_have_text("1")
    assert "等待上传" in page.inner_text("#queue-list")
    assert not WorkLogEntry.objects.exists()

    # With no network, a navigation gets the data-free offline page from the service worker.
    page.goto(f"{live_server.url}/field/")
    assert "移动警务(离线)" in page.content()
    assert bob.full_name not in page.content()
    expect(page.locator("#queue-count")).to_have_text("1")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue-count")).to_have_text("0")
    entry = WorkLogEntry.objects.get()
    assert entry.officer == bob and entry.place == "西街12号" and entry.latitude
    # A second sync (a reload, the online event again) sends nothing twice.
    page.goto(f"{live_server.url}/field/")
    page.evaluate("window.fengqiaoField.sync()")
    assert WorkLogEntry.objects.count() == 1

    # Signing out leaves no cache of the app for the next user of the phone.
    assert page.evaluate("caches.keys().then(k => k.length)") >= 1
    page.goto(f"{live_server.url}/field/")
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")
    deadline = time.monotonic() + 10
    while page.evaluate("caches.keys().then(k => k.length)") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert page.evaluate("caches.keys().then(k => k.length)") == 0
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
