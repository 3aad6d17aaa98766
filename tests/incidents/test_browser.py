"""The main path in a real browser: intake (phone lookup, address pick) → dispatch → arrive → handle → report → close."""

import importlib

import pytest
from django.apps import apps

from fengqiao.core.services import rules_load_defaults
from fengqiao.incidents.models import Incident, IncidentCategory
from tests.browser import browser_login
from tests.factories import AddressFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def defaults(db):
    # transaction=True tests flush the data-migration rows: load them again
    rules_load_defaults()
    importlib.import_module("fengqiao.incidents.migrations.0002_categories_and_arrival_rules").load_defaults(apps)


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_intake_dispatch_arrive_handle_close(page, live_server, alice, bob, community_a, defaults):
    address = AddressFactory(station=community_a.station, community=community_a, road="西街", doorplate="18")
    browser_login(page, live_server, alice)
    page.click("nav#sidenav >> text=警情")
    page.click("a:has-text('接警登记')")
    assert page.evaluate("document.activeElement.name") == "caller_phone"
    page.keyboard.type("13812345678")
    # under CI load keystrokes may straddle the 300 ms debounce: wait for the lookup of the whole number
    page.wait_for_selector("#phone-lookup >> text=该号码无报警记录", timeout=30_000)
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
