"""On a phone (Chromium's device emulation): an auxiliary officer checks registration tasks (核查登记)
at an estate gate with no network. Back online the check reaches the station once; a task the desk
closed meanwhile comes back as a conflict the officer sees, and nothing is overwritten."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import browser_login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_registration_check_offline_syncs_once_and_shows_a_conflict(
    browser, live_server, station, community_a
):
    from fengqiao.estates.models import Estate, RegistrationTask
    from fengqiao.estates.services import task_dismiss
    from fengqiao.field.models import SyncReceipt

    aux = UserFactory(username="aux", full_name="辅警小王", role="auxiliary", station=station)
    community_a.officers.add(aux)
    estate = Estate.objects.create(station=station, community=community_a, name="江湾壹号")
    now = timezone.now()
    first, second = (
        RegistrationTask.objects.create(
            station=station,
            community=community_a,
            estate=estate,
            subject=subject,
            first_seen_at=now,
            last_seen_at=now,
            days_seen=3,
            window_days=14,
            assignee=aux,
        )  # fmt: skip
        for subject in ("card:5678", "card:9999")
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
        has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
    )  # fmt: skip
    page = context.new_page()
    try:
        browser_login(page, live_server, aux)
        page.goto(f"{live_server.url}/field/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        expect(page.locator("#my-tasks")).to_contain_text("江湾壹号")

        # First task: dismissed at the gate with no network; it waits on the phone.
        page.click(f"a[href='/field/tasks/{first.pk}/']")
        page.wait_for_url(f"**/field/tasks/{first.pk}/")
        context.set_offline(True)
        page.select_option("#registration-check select[name=action]", "dismiss")
        page.fill("#registration-check input[name=reason]", "快递员,非本小区住户")
        page.click("#registration-check button[type=submit]")
        expect(page.locator("#queue-count")).to_have_text("1")
        assert "核查登记" in page.inner_text("#queue-list")
        first.refresh_from_db()
        assert first.status == "open"

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#queue-count")).to_have_text("0")
        page.evaluate("window.fengqiaoField.sync()")  # a second sync sends nothing twice
        first.refresh_from_db()
        assert first.status == "dismissed" and first.reason == "快递员,非本小区住户"
        assert first.resolved_by == aux
        assert SyncReceipt.objects.filter(kind="registration_check").count() == 1

        # Second task: loaded, then the network goes; meanwhile the desk dismisses it.
        page.goto(f"{live_server.url}/field/tasks/{second.pk}/")
        context.set_offline(True)
        leader = UserFactory(role="station_leader", station=station)
        task_dismiss(actor=leader, task=second, reason="物业确认为访客")
        page.select_option("#registration-check select[name=action]", "register")
        page.fill("#registration-check input[name=id_number]", "511123199001011230")
        page.fill("#registration-check input[name=name]", "李租户")
        page.select_option("#registration-check select[name=category]", "floating")
        page.select_option("#registration-check select[name=inflow_reason]", "work")
        page.click("#registration-check button[type=submit]")
        expect(page.locator("#queue-count")).to_have_text("1")
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        conflict = page.locator("#queue-list .state-conflict")
        expect(conflict).to_contain_text("有冲突")
        expect(conflict).to_contain_text("已排除")
        second.refresh_from_db()
        assert second.status == "dismissed" and second.person is None  # not overwritten
        # The officer acknowledges it; the queue is empty.
        conflict.locator("button").click()
        expect(page.locator("#queue-list .state-conflict")).to_have_count(0)
        assert not [e for e in getattr(page, "csp_errors", []) if "Content Security Policy" in e]
    finally:
        page.goto("about:blank")  # the page's live streams end while the test's database is there
        context.close()
