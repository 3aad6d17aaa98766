"""A clock's page and actions, extension approval by the right role, and clocks in the work queue."""

import datetime as dt

import pytest

from fengqiao.accounts.choices import Role
from fengqiao.core import rules, workqueue
from fengqiao.core.choices import ClockState, ExtensionDecision
from fengqiao.core.services import clock_request_extension, clock_start, rules_load_defaults
from fengqiao.core.workflow_models import ClockExtension
from tests.factories import PersonFactory, UserFactory

BJ = rules.TZ


@pytest.fixture(autouse=True)
def _default_rules(db):
    rules_load_defaults()


@pytest.fixture
def officer(station):
    return UserFactory(username="dave", full_name="戴夫", role=Role.CASE_OFFICER, station=station)


@pytest.fixture
def bureau_head(station):
    return UserFactory(
        username="bureau",
        full_name="县局领导",
        role=Role.BUREAU,
        station=None,
        bureau=station.bureau,
    )


@pytest.fixture
def clock(community_a, officer):
    case = PersonFactory(community=community_a)
    return clock_start(
        obj=case,
        kind="public_security_case",
        assignee=officer,
        started_at=dt.datetime(2026, 8, 1, 10, tzinfo=BJ),
    )


def test_clock_page_shows_due_time_and_legal_basis(client, login, officer, clock):
    login(client, officer)
    body = client.get(f"/core/clocks/{clock.pk}/").content.decode()
    assert "治安案件办理期限" in body
    assert "2026-08-31 23:59" in body
    assert "上一级公安机关批准" in body


def test_officer_of_another_station_cannot_see_the_clock(charlie_client, clock):
    assert charlie_client.get(f"/core/clocks/{clock.pk}/").status_code == 404


def test_assignee_pauses_and_resumes_from_the_page(client, login, officer, clock):
    login(client, officer)
    client.post(f"/core/clocks/{clock.pk}/pause/", {"reason": "伤情鉴定"})
    clock.refresh_from_db()
    assert clock.state == ClockState.PAUSED
    client.post(f"/core/clocks/{clock.pk}/resume/")
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING


def test_pause_without_reason_shows_the_message_and_changes_nothing(client, login, officer, clock):
    login(client, officer)
    response = client.post(f"/core/clocks/{clock.pk}/pause/", {"reason": ""}, follow=True)
    assert "请填写暂停计时的原因" in response.content.decode()
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING


def test_another_officer_of_the_station_cannot_act_on_the_clock(bob_client, clock):
    response = bob_client.post(f"/core/clocks/{clock.pk}/pause/", {"reason": "鉴定"})
    assert response.status_code == 403


def test_extension_request_notifies_the_approvers(
    client, login, officer, bureau_head, alice, clock
):
    from fengqiao.notifications.models import Notification

    login(client, officer)
    client.post(
        f"/core/clocks/{clock.pk}/extend/", {"option_key": "complex", "reason": "涉案人员多"}
    )
    assert ClockExtension.objects.get(clock=clock).decision == ExtensionDecision.PENDING
    notified = set(
        Notification.objects.filter(kind="clock_extension_request").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"bureau"}  # the option wants the county bureau, not the station leader


def test_approver_approves_from_the_page_and_requester_is_told(
    client, login, officer, bureau_head, clock
):
    from fengqiao.notifications.models import Notification

    ext = clock_request_extension(
        actor=officer, clock=clock, option_key="complex", reason="涉案人员多"
    )
    login(client, bureau_head)
    assert "批准" in client.get(f"/core/clocks/{clock.pk}/").content.decode()
    client.post(f"/core/extensions/{ext.pk}/decide/", {"decision": "approve", "note": "同意"})
    ext.refresh_from_db()
    clock.refresh_from_db()
    assert ext.decision == ExtensionDecision.APPROVED
    assert clock.due_at == dt.datetime(2026, 9, 30, 23, 59, 59, 999000, tzinfo=BJ)
    told = Notification.objects.get(kind="clock_extension_decided")
    assert told.recipient == officer and "已批准" in told.title


def test_station_leader_without_the_role_cannot_approve_from_the_page(alice_client, officer, clock):
    ext = clock_request_extension(
        actor=officer, clock=clock, option_key="complex", reason="涉案人员多"
    )
    response = alice_client.post(f"/core/extensions/{ext.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    ext.refresh_from_db()
    assert ext.decision == ExtensionDecision.PENDING


def test_my_open_clocks_are_in_my_work_queue(officer, clock):
    now = dt.datetime(2026, 8, 20, 9, tzinfo=BJ)
    items = [i for i in workqueue.items_for(officer, now) if i.kind == "clock"]
    assert [(i.title, i.due_at) for i in items] == [(clock.title, clock.due_at)]


def test_extension_waiting_for_me_is_in_my_work_queue(officer, bureau_head, alice, clock):
    clock_request_extension(actor=officer, clock=clock, option_key="complex", reason="涉案人员多")
    now = dt.datetime(2026, 8, 20, 9, tzinfo=BJ)
    assert [
        i.kind for i in workqueue.items_for(bureau_head, now) if i.kind == "clock_extension"
    ] == ["clock_extension"]
    assert not [i for i in workqueue.items_for(alice, now) if i.kind == "clock_extension"]


def test_approvals_page_lists_only_what_i_may_decide(client, login, officer, bureau_head, clock):
    clock_request_extension(actor=officer, clock=clock, option_key="complex", reason="涉案人员多")
    login(client, bureau_head)
    assert "涉案人员多" in client.get("/core/clocks/approvals/").content.decode()
    client.logout()
    login(client, officer)
    assert "涉案人员多" not in client.get("/core/clocks/approvals/").content.decode()
