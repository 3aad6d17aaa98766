"""In a real browser: register a dispute with a threat → suggested red with the reason shown → file the 一案一策 plan;
revise the plan in its panel (htmx); record a failed agreement."""

import datetime as dt

import pytest

from fengqiao.disputes import services
from fengqiao.disputes.models import Dispute, MediationChannel
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


# ----------------------------------------------------------------------------- revising the plan, a failed agreement

DUE = dt.date.today() + dt.timedelta(days=7)


@pytest.fixture
def red_plan(register, bob):
    dispute = register(bob, narrative="被申请人扬言拼命", owner=bob)
    assert dispute.level == "red"
    return services.plan_file(
        actor=bob,
        dispute=dispute,
        summary="专人稳控",
        measures=[
            {"what": "每日走访", "responsible": bob, "due_date": DUE},
            {"what": "联系家属", "responsible": bob, "due_date": DUE},
        ],
    )


def _open_dispute(page, live_server, dispute):
    page.goto(f"{live_server.url}{dispute.get_absolute_url()}", wait_until="load")
    page.wait_for_selector(f"h1 >> text={dispute.reference}")


def test_plan_revision_in_the_panel_without_a_reload(page, live_server, bob, alice, red_plan):
    dispute = red_plan.dispute
    family = red_plan.measures.get(what="联系家属")
    browser_login(page, live_server, bob)
    _open_dispute(page, live_server, dispute)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.click("#plan details.plan-revise summary")
    form = page.locator("#plan-revise-form")
    form.locator("input[name='add-0-what']").fill("请司法所介入")
    form.locator("select[name='add-0-responsible']").select_option(str(alice.pk))
    form.locator("input[name='add-0-due_date']").fill(DUE.isoformat())
    form.locator(f"input[name=cancel][value='{family.pk}']").check()

    # an empty reason: the browser will not send the form at all
    assert form.locator("input[name=reason]").evaluate("e => e.validity.valueMissing")
    # only spaces: the server refuses, the panel comes back with the error and the input kept
    form.locator("input[name=reason]").fill("   ")
    form.locator("button:has-text('保存修订')").click()
    page.wait_for_selector("#plan-revise-form .msg-error >> text=修订一案一策必须填写理由")
    form = page.locator("#plan-revise-form")
    assert form.is_visible()  # the revision form stays open
    assert form.locator("input[name='add-0-what']").input_value() == "请司法所介入"
    assert form.locator("select[name='add-0-responsible']").input_value() == str(alice.pk)
    assert form.locator("input[name='add-0-due_date']").input_value() == DUE.isoformat()
    assert form.locator(f"input[name=cancel][value='{family.pk}']").is_checked()
    red_plan.refresh_from_db()
    assert red_plan.measures.count() == 2 and red_plan.revised_at is None
    assert not red_plan.measures.filter(cancelled_at__isnull=False).exists()

    form.locator("input[name=reason]").fill("家属拒绝配合,改请司法所介入")
    form.locator("button:has-text('保存修订')").click()
    page.wait_for_selector("#plan .msg-success >> text=一案一策已修订")
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no reload
    cancelled = page.locator("#plan-measures tr.measure-cancelled")
    assert cancelled.count() == 1
    assert cancelled.locator("s").inner_text() == "联系家属"  # struck through
    assert (
        "已取消" in cancelled.inner_text()
        and "家属拒绝配合,改请司法所介入" in cancelled.inner_text()
    )
    added = page.locator("#plan-measures tr.measure-open", has_text="请司法所介入")
    assert added.count() == 1 and "艾丽" in added.inner_text()
    # the cancelled measure can no longer be cancelled again
    assert page.locator(f"#plan-revise-form input[name=cancel][value='{family.pk}']").count() == 0

    family.refresh_from_db()
    assert family.cancelled_by == bob and family.cancel_reason == "家属拒绝配合,改请司法所介入"
    assert red_plan.measures.get(what="请司法所介入").responsible == alice
    assert dispute.events.filter(kind="plan_revised").count() == 1
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


@pytest.fixture
def agreed(red_plan, bob):
    dispute = red_plan.dispute
    services.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    return services.agreement_record(
        actor=bob,
        dispute=dispute,
        form="written",
        reached_on=dt.date.today(),
        terms=[
            {"what": "李四赔偿张三医药费800元", "due_date": DUE, "obligor": dispute.parties.last()}
        ],
        signed_parties=dispute.parties.all(),
        facts="被申请人扬言拼命",
        mediator=bob,
    )


def test_failed_agreement_goes_under_earlier_agreements_and_mediation_resumes(
    page, live_server, bob, agreed
):
    dispute = agreed.dispute
    browser_login(page, live_server, bob)
    _open_dispute(page, live_server, dispute)
    assert page.locator(".detail-head .status").inner_text() == "履行中"
    assert page.locator(".earlier-agreement").count() == 0
    page.click("#agreement details.agreement-fail summary")
    page.fill("#agreement-fail-form input[name=reason]", "李四反悔,拒绝赔偿")
    page.click("#agreement-fail-form button:has-text('登记未能履行')")
    page.wait_for_selector(".messages >> text=已登记协议未能履行,纠纷恢复调解")
    page.wait_for_load_state("load")

    assert page.locator(".detail-head .status").inner_text() == "调解中"
    earlier = page.locator(f"#agreement-{agreed.pk}.earlier-agreement")
    assert earlier.locator(".agreement-status").inner_text() == "未能履行"
    details = earlier.text_content()
    assert "李四反悔,拒绝赔偿" in details and "李四赔偿张三医药费800元" in details
    assert page.locator("#agreement-fail-form").count() == 0
    assert page.locator("#agreement-form").is_visible()  # a new agreement can be entered
    assert page.locator("#new-agreement-note").is_visible()

    agreed.refresh_from_db()
    dispute.refresh_from_db()
    assert agreed.status == "failed" and agreed.failed_by == bob
    assert agreed.fail_reason == "李四反悔,拒绝赔偿"
    assert dispute.status == "mediating" and dispute.agreement_in_force is None
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_a_long_select_filters_as_you_type(page, live_server, bob, alice, community_a):
    """The searchable select (app.js): typing hides the names that do not match; the pick posts."""
    from fengqiao.accounts.choices import Role
    from tests.factories import UserFactory

    for i in range(25):
        UserFactory(
            username=f"officer{i}",
            full_name=f"民警{i:02d}",
            role=Role.CASE_OFFICER,
            station=bob.station,
        )
    UserFactory(username="guopeng", full_name="郭鹏", role=Role.CASE_OFFICER, station=bob.station)
    browser_login(page, live_server, bob)
    page.goto(live_server.url + "/disputes/new/")
    box = page.locator("select[name=owner]").locator("xpath=preceding-sibling::input[1]")
    assert box.get_attribute("class") == "select-search"
    box.fill("郭")
    visible = page.eval_on_selector(
        "select[name=owner]",
        "s => Array.from(s.options).filter(o => !o.hidden && o.value).map(o => o.text)",
    )
    assert visible == ["郭鹏"]
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
