"""The main path in a real browser: intake (phone lookup, address pick) → dispatch → arrive → handle → report → close."""

import importlib

import pytest
from django.apps import apps

from fengqiao.core.services import rules_load_defaults
from fengqiao.incidents.models import Incident, IncidentCategory
from tests.browser import browser_login, type_where_focused
from tests.factories import AddressFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def defaults(db):
    # transaction=True tests flush the data-migration rows: load them again
    rules_load_defaults()
    importlib.import_module(
        "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
    ).load_defaults(apps)


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_intake_dispatch_arrive_handle_close(page, live_server, alice, bob, community_a, defaults):
    address = AddressFactory(
        station=community_a.station, community=community_a, road="西街", doorplate="18"
    )
    browser_login(page, live_server, alice)
    page.click("nav#sidenav >> text=警情")
    page.click("a:has-text('接警登记')")
    type_where_focused(page, "caller_phone", "13812345678")
    page.wait_for_selector("#phone-lookup >> text=该号码无报警记录")
    page.fill("input[name=caller_name]", "张三")
    page.select_option("select[name=category]", str(IncidentCategory.objects.get(code="JF-LL").pk))
    page.fill("input[name=address_q]", "西街")
    page.click(f"[data-pick-address='{address.pk}']")
    assert page.input_value("input[name=location]") == address.full_text
    page.fill("textarea[name=narrative]", "邻居争吵")
    page.press("input[name=location]", "Enter")
    page.wait_for_selector("h1 >> text=JQ-")
    incident = Incident.objects.get()
    assert incident.address_id == address.pk and incident.community_id == community_a.pk

    page.select_option("select[name=officers]", [str(bob.pk)])
    page.click("button:has-text('派警')")
    page.click("button:has-text('登记到场')")
    page.fill("textarea[name=note]", "现场劝解")
    page.click("button:has-text('登记处置')")
    page.click("button:has-text('反馈')")
    page.select_option("select[name=outcome]", "mediated")
    page.fill("textarea[name=disposition]", "双方和解")
    page.click("button:has-text('结警')")
    page.wait_for_selector(".status-closed")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.outcome == "mediated"
    assert "结警" in page.locator("ol.timeline").first.inner_text()
    assert not csp_violations(page)


def test_intake_dispatch_close_then_callback_with_figures_and_map(
    page, live_server, alice, bob, community_a, defaults
):
    from fengqiao.incidents.models import Callback, Rectification

    community_a.latitude, community_a.longitude = 29.21, 103.95
    community_a.save()
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/incidents/new/")
    type_where_focused(page, "caller_phone", "13912345678")
    page.wait_for_selector("#phone-lookup >> text=该号码无报警记录", timeout=30_000)
    page.fill("input[name=caller_name]", "李四")
    page.select_option("select[name=category]", str(IncidentCategory.objects.get(code="QZ-KS").pk))
    page.fill("input[name=location]", "西街20号")
    page.press("input[name=location]", "Enter")
    page.wait_for_selector("h1 >> text=JQ-")
    page.select_option("select[name=officers]", [str(bob.pk)])
    page.click("button:has-text('派警')")
    page.click("button:has-text('登记到场')")
    page.click("button:has-text('登记处置')")
    page.click("button:has-text('反馈')")
    page.select_option("select[name=outcome]", "rescued")
    page.fill("textarea[name=disposition]", "已帮助开锁")
    page.click("button:has-text('结警')")
    page.wait_for_selector(".status-closed")

    # the caller is in the callback queue; the phone shows whole only on request (recorded)
    page.fill("#caller-phone input[name=purpose]", "核实报警人")  # a reveal states its purpose
    page.click("#caller-phone button.reveal")
    page.wait_for_selector("#caller-phone >> text=13912345678")
    page.click("#callbacks a")
    page.wait_for_selector("#callback-form")
    page.check("input[name=reached][value='0']")
    page.click("button:has-text('登记回访')")
    page.wait_for_selector("text=已记录未接通")
    page.check("input[name=reached][value='1']")
    page.select_option("select[name=rating]", "unsatisfied")
    page.click("button:has-text('登记回访')")
    page.wait_for_selector("[role=alert] >> text=不满意须填写原因")
    page.fill("textarea[name=reason]", "开锁等了很久")
    page.click("button:has-text('登记回访')")
    page.wait_for_selector(".status-done")
    callback = Callback.objects.get()
    assert callback.rating == "unsatisfied" and callback.attempts == 2
    assert Rectification.objects.filter(callback=callback).exists()

    page.goto(f"{live_server.url}/incidents/callbacks/figures/?group=day")
    page.wait_for_selector("#satisfaction-chart[data-drawn='1']")
    assert page.inner_text("#total-rate") == "0.00%"
    page.goto(f"{live_server.url}/incidents/map/")
    page.wait_for_selector("#incident-map[data-features]")
    assert not csp_violations(page)
