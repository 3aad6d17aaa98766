"""Playwright fixtures for browser tests: Debian's /usr/bin/chromium, never a downloaded browser.

Use in a test module:  `pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]`
and take the `page` fixture (plus `live_server`). `browser_login(page, live_server, user)` signs in.
"""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def _playwright():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, settings):
    # Live-push streams (notifications app) notice a closed tab quickly, so none outlives the test database.
    settings.NOTIFY_STREAM_HEARTBEAT_SECONDS = 0.5
    settings.NOTIFY_STREAM_POLL_MS = 200
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)  # CI runs the suite on 2 busy cores
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.csp_errors = errors
    yield page
    context.close()
    _wait_for_streams_to_end()


def _wait_for_streams_to_end(timeout: float = 3.0) -> None:
    import time

    from fengqiao.notifications import stream

    deadline = time.monotonic() + timeout
    while stream.open_streams() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # let the server thread finish the request after the stream closed


def browser_login(page, live_server, user, password=None):
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")
