"""In a real browser: a 纠纷 incident → the dispute file opened in one step → accepted by the studio →
a session → a written agreement (Word/PDF links) → the term checked as performed → the file closed."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from fengqiao.accounts.choices import Role
from fengqiao.core.services import rules_load_defaults
from fengqiao.disputes.models import Dispute
from tests.browser import browser_login
from tests.factories import UserFactory, received_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def incident(station, community_a):
    rules_load_defaults()  # transaction=True tests flush the data-migration rows: load them again
    importlib.import_module(
        "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
    ).load_defaults(apps)
    duty = UserFactory(username="duty", full_name="值班员", role=Role.DUTY_OFFICER, station=station)
    return received_incident(duty, station, community_a, narrative="楼上漏水,两家吵起来了")


def test_from_dispute_incident_to_performed_agreement(page, live_server, bob, incident):
    browser_login(page, live_server, bob)
    page.goto(f"{live_server.url}/disputes/from-incident/{incident.pk}/")
    assert page.input_value("input[name='party-0-name']") == "张三"
    assert "楼上漏水" in page.input_value("textarea[name=narrative]")
    page.fill("input[name='party-1-name']", "李四")
    page.click("button:has-text('确认建档')")
    page.wait_for_selector("h1 >> text=JF-")
    assert incident.reference in page.locator("#linked-incidents").inner_text()

    page.select_option("select[name=channel]", label="所内调解室(范贤成金牌调解工作室)")
    page.click("button:has-text('受理调解')")
    page.wait_for_selector("#mediation >> text=所内调解室")
    page.fill("input[name=held_at]", "2026-03-02T10:00")
    page.fill("textarea[name=law_notes]", "讲解相邻关系的法律规定")
    page.select_option("select[name=outcome]", "agreed")
    page.click("button:has-text('保存调解记录')")
    page.wait_for_selector("#agreement-form")

    due = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    page.fill("textarea[name=issues]", "漏水维修费用")
    page.fill("input[name='term-0-what']", "李四承担维修费800元")
    page.fill("input[name='term-0-how']", "微信转账")
    page.check("#agreement-form input[name=signed] >> nth=0")
    # first without the second signature: refused, nothing lost
    page.fill("input[name='term-0-due_date']", due)
    page.click("button:has-text('录入调解协议')")
    page.wait_for_selector(".messages >> text=当事人未签字")
    assert page.input_value("input[name='term-0-what']") == "李四承担维修费800元"
    page.check("#agreement-form input[name=signed] >> nth=0")
    page.check("#agreement-form input[name=signed] >> nth=1")
    page.click("button:has-text('录入调解协议')")
    page.wait_for_selector("#terms >> text=李四承担维修费800元")
    assert page.locator("a:has-text('调解协议书(PDF)')").count() == 1

    page.fill(".term-check input[name=note]", "已转账")
    page.click(".term-check button:has-text('已履行')")
    page.wait_for_selector(".term-performed")
    page.click("#close-form button:has-text('结案')")
    page.wait_for_selector("#closed")
    dispute = Dispute.objects.get()
    assert dispute.status == "closed" and dispute.source_incident_id == incident.pk
    assert dispute.agreement.terms.get().status == "performed"
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
