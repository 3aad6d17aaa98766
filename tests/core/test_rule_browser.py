"""In a browser: a leader revises a time limit and sees the new version; a clock page works without CSP errors."""

import datetime as dt

import pytest

from fengqiao.core.services import clock_start, rules_load_defaults
from fengqiao.core.workflow_models import TimeLimitRule
from tests.browser import browser_login
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_revises_a_rule_in_the_browser(page, live_server, rules_admin):
    rules_load_defaults()
    rule = TimeLimitRule.objects.get(kind="callback_local")
    browser_login(page, live_server, rules_admin)
    page.goto(f"{live_server.url}/core/rules/")
    page.click("text=回访(本地群众)")
    page.click("text=修订(生成新版本)")
    page.fill("input[name=limit_value]", "2")
    page.fill("input[name=effective_from]", "2026-12-01")
    page.fill("input[name=note]", "本所规范修订:本地群众2个工作日内回访")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/core/rules/*/")
    assert "2个工作日" in page.content()
    assert "2026-12-01" in page.locator("table").inner_text()
    rule.refresh_from_db()
    assert rule.effective_to == dt.date(2026, 12, 1) and rule.limit_value == 3
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_refused_revision_shows_the_reason(page, live_server, rules_admin):
    rules_load_defaults()
    browser_login(page, live_server, rules_admin)
    rule = TimeLimitRule.objects.get(kind="callback_local")
    page.goto(f"{live_server.url}/core/rules/{rule.pk}/revise/")
    page.fill("input[name=limit_value]", "-1")
    page.fill("input[name=note]", "误操作")
    page.click("button[type=submit].primary")
    assert "期限必须是大于0的整数" in page.locator(".errorlist").first.inner_text()
    assert TimeLimitRule.objects.filter(kind="callback_local").count() == 1


def test_assignee_pauses_a_clock_in_the_browser(page, live_server, alice, community_a):
    rules_load_defaults()
    clock = clock_start(
        obj=PersonFactory(community=community_a),
        kind="public_security_case",
        assignee=alice,
        started_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
    )
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/core/clocks/{clock.pk}/")
    page.fill("input[name=reason]", "伤情鉴定")
    page.click("text=暂停计时 >> nth=-1")
    page.wait_for_selector("text=已暂停计时")
    assert "恢复计时" in page.content()
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
