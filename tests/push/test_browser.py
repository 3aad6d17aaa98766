"""In Chromium: a page gets its notification from the push process (cross-port, as in the demo,
under the strict CSP), and the waiting-room display changes on a call without polling."""

import time

import pytest

from fengqiao.accounts.choices import Role
from tests.browser import browser_login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def push_for_pages(start_push, live_server, settings):
    server = start_push(poll=0.05, heartbeat=30, allowed_origins=(live_server.url,))
    settings.PUSH_URL = f":{server.port}/push/"
    return server


def test_a_page_gets_its_notification_from_the_push_process(page, live_server, bob, push_for_pages):
    from fengqiao.notifications.services import notification_send

    browser_login(page, live_server, bob)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("body[data-push-state=open]")
    page.wait_for_selector("#notify-bell[data-notify-state=open]")
    start = time.monotonic()
    notification_send(recipients=[bob], kind="test", title="西街社区红色纠纷", level="red")
    page.locator(".notify-toast", has_text="西街社区红色纠纷").wait_for(
        state="visible", timeout=2000
    )
    assert time.monotonic() - start < 2.0
    page.wait_for_selector("#notify-count[data-notify-count='1']")  # the bell re-rendered
    assert page.locator("#notify-bell").get_attribute("data-notify-fallback") is None
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_the_waiting_room_display_changes_on_a_call_without_polling(
    page, live_server, station, push_for_pages
):
    from fengqiao.desk import services
    from fengqiao.desk.models import Counter, Service

    clerk = UserFactory(username="clerk", role=Role.AUXILIARY, station=station)
    service = Service.objects.create(
        station=station, prefix="A", name="户口迁移", daily_capacity=20, minutes=10
    )
    counter = Counter.objects.create(station=station, number=1)
    counter.services.set([service])
    panel_requests = []
    page.on(
        "request",
        lambda r: panel_requests.append(r.url) if "display" in r.url and "panel" in r.url else None,
    )
    browser_login(page, live_server, clerk)
    page.goto(f"{live_server.url}/desk/display/")
    page.wait_for_selector("body[data-push-state=open]")
    time.sleep(7)  # two of its 3-second polls would have gone by
    quiet = len(panel_requests)
    assert quiet <= 1  # at most the one refresh when the stream opened
    services.ticket_take(actor=clerk, service=service)
    ticket = services.ticket_call_next(actor=clerk, counter=counter)
    page.locator("#latest-call", has_text=ticket.number).wait_for(timeout=3000)
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
