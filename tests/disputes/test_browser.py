"""In a real browser: register a dispute with a threat → suggested red with the reason shown → file the 一案一策 plan."""

import pytest

from fengqiao.disputes.models import Dispute
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_threat_is_red_with_reason_then_file_plan(page, live_server, bob, community_a):
    browser_login(page, live_server, bob)
    page.click("nav#sidenav >> text=矛盾纠纷")
    page.click("a:has-text('登记纠纷')")
    page.fill("textarea[name=narrative]", "被申请人酒后扬言要和申请人同归于尽")
    page.select_option("select[name=community]", str(community_a.pk))
    page.select_option("select[name=owner]", str(bob.pk))
    page.fill("input[name='party-0-name']", "张三")
    page.fill("input[name='party-0-phone']", "13812345678")
    page.fill("input[name='party-1-name']", "李四")
    page.select_option("select[name='party-1-role']", "respondent")
    page.click("button:has-text('登记')")
    page.wait_for_selector("h1 >> text=JF-")
    assert "当事人扬言'同归于尽'" in page.locator("#suggested-reasons").inner_text()
    assert page.locator(".detail-head .level-red").count() == 1
    assert page.locator("#no-plan").is_visible()

    page.fill("textarea[name=summary]", "专人稳控,每日走访双方")
    page.fill("input[name='measure-0-what']", "社区民警每日走访被申请人")
    page.select_option("select[name='measure-0-responsible']", str(bob.pk))
    page.fill("input[name='measure-0-due_date']", "2026-12-05")
    page.click("button:has-text('备案')")
    page.wait_for_selector("#plan >> text=社区民警每日走访被申请人")
    assert page.locator("#no-plan").count() == 0
    d = Dispute.objects.get()
    assert d.level == "red" and d.plan.measures.count() == 1
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
