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


# Every wait in a browser test is bounded, so a failure fails fast with its reason:
# - Playwright's own waits (selectors, clicks, navigation, `expect`) by the defaults set below;
# - a browser that crashed or hung is relaunched for the next test (the old one is abandoned);
# - what Playwright cannot bound (opening and closing a context) by pytest-timeout, which fails
#   the test with its traceback (pyproject.toml `timeout`, docs/testing.md).
ACTION_TIMEOUT_MS = int(os.environ.get("BROWSER_ACTION_TIMEOUT_MS", "20000"))  # CI: 2 busy cores
NAVIGATION_TIMEOUT_MS = int(os.environ.get("BROWSER_NAVIGATION_TIMEOUT_MS", "30000"))
EXPECT_TIMEOUT_MS = int(os.environ.get("BROWSER_EXPECT_TIMEOUT_MS", "10000"))
LAUNCH_TIMEOUT_MS = 60_000


class _Chromium:
    """The session's Chromium, launched on first use and again whenever it is no longer connected."""

    def __init__(self, playwright):
        self.playwright = playwright
        self.browser = None

    def get(self):
        if not os.path.exists(CHROMIUM):
            pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
        if self.browser is None or not self.browser.is_connected():
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                timeout=LAUNCH_TIMEOUT_MS,
            )
        return self.browser

    def close(self):
        if self.browser is not None and self.browser.is_connected():
            self.browser.close()


@pytest.fixture(scope="session")
def _chromium(_playwright):
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    chromium = _Chromium(_playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def browser(_chromium):
    return _chromium.get()


@pytest.fixture
def page(browser, settings):
    # Live-push streams (notifications app) notice a closed tab quickly, so none outlives the test database.
    settings.NOTIFY_STREAM_HEARTBEAT_SECONDS = 0.5
    settings.NOTIFY_STREAM_POLL_MS = 200
    if settings.PUSH_URL == "/push/":  # no push process behind the live server: pages poll
        settings.PUSH_URL = ""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.csp_errors = errors
    responses: list[str] = []
    page.on(
        "response",
        lambda r: (
            responses.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )
    page.failed_responses = responses
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


def type_where_focused(page, name: str, text: str, timeout: float = 30_000) -> None:
    """Type as the duty officer does: straight away, into the field the page's autofocus chose.

    Chromium applies autofocus at a rendering update after the load event, and htmx binds the
    field's lookup when it processes the page; keys typed before either go nowhere (seen on busy
    CI runs). Wait until the named field has the focus and htmx has bound it, then type."""
    page.wait_for_function(
        """name => {
             const e = document.activeElement;
             return !!e && e.name === name && !!(e['htmx-internal-data'] || {}).initHash;
           }""",
        arg=name,
        timeout=timeout,
    )
    page.keyboard.type(text)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test reports what the page showed: its address, heading, the form's errors
    and messages, every answer of 400 or more, and the console errors, so a failure on CI explains
    itself without a rerun."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    try:
        shown = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 'h1, .errorlist, .messages li, [role=alert], .alert, .error, .field-error'))
               .map(e => e.tagName + ': ' + e.innerText.trim().slice(0, 300))"""
        )
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e ? e.tagName + ' ' + (e.name || e.id) : '' }"
        )
        lines = [f"url: {page.url}", *shown, f"focus: {focused}"]
    except Exception as error:  # noqa: BLE001 - the page may have crashed: say so
        lines = [f"page not readable: {error}"]
    lines += [f"answer: {r}" for r in getattr(page, "failed_responses", [])]
    lines += [f"console: {e}" for e in getattr(page, "csp_errors", [])]
    report.sections.append(("browser page at failure", "\n".join(lines)))
