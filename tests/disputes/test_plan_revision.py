"""Revising a filed 一案一策 plan: new measures checked as when filing, cancelled ones kept, an event
with the plan before and after, the station leaders told; only on open files, by the file's editors."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.accounts.choices import Role
from fengqiao.disputes import services
from fengqiao.disputes.choices import EventKind, MeasureStatus
from fengqiao.disputes.models import StabilisationMeasure
from fengqiao.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 12, 10)


@pytest.fixture
def red_plan(register, bob):
    dispute = register(bob, narrative="扬言拼命", owner=bob)
    return services.plan_file(
        actor=bob,
        dispute=dispute,
        summary="专人稳控",
        measures=[
            {"what": "每日走访", "responsible": bob, "due_date": DUE},
            {"what": "联系家属", "responsible": bob, "due_date": DUE},
        ],
    )


def _measure(plan, what):
    return plan.measures.get(what=what)


def test_revision_adds_a_measure_and_cancelled_one_is_kept(red_plan, bob, alice):
    visit = _measure(red_plan, "每日走访")
    plan = services.plan_revise(
        actor=bob,
        plan=red_plan,
        summary="专人稳控,每日两次",
        add_measures=[{"what": "请司法所介入", "responsible": alice, "due_date": DUE}],
        cancel_measures=[visit],
        reason="当事人已搬离,改为电话联系",
    )
    assert plan.summary == "专人稳控,每日两次" and plan.revised_by == bob
    visit.refresh_from_db()
    assert visit.status == MeasureStatus.CANCELLED
    assert (visit.cancelled_by, visit.cancel_reason) == (bob, "当事人已搬离,改为电话联系")
    assert visit.cancelled_at is not None
    assert sorted(plan.measures.values_list("what", flat=True)) == sorted(
        ["每日走访", "联系家属", "请司法所介入"]
    )
    added = _measure(plan, "请司法所介入")
    assert added.responsible == alice and added.added_at is not None


def test_revision_event_holds_the_plan_before_and_after(red_plan, bob):
    services.plan_revise(
        actor=bob,
        plan=red_plan,
        add_measures=[{"what": "安排调解", "responsible": bob, "due_date": DUE}],
        cancel_measures=[_measure(red_plan, "联系家属").pk],
        reason="家属拒绝配合",
    )
    event = red_plan.dispute.events.get(kind=EventKind.PLAN_REVISED)
    assert event.actor == bob and event.data["reason"] == "家属拒绝配合"
    before = {m["what"]: m["status"] for m in event.data["before"]["measures"]}
    after = {m["what"]: m["status"] for m in event.data["after"]["measures"]}
    assert before == {"每日走访": "open", "联系家属": "open"}
    assert after == {"每日走访": "open", "联系家属": "cancelled", "安排调解": "open"}
    assert [m["what"] for m in event.data["added"]] == ["安排调解"]
    assert [m["what"] for m in event.data["cancelled"]] == ["联系家属"]


def test_revision_notifies_station_leaders_and_the_newly_named(red_plan, bob, alice, station):
    mediator = UserFactory(role=Role.MEDIATOR, station=station)
    services.plan_revise(
        actor=bob,
        plan=red_plan,
        add_measures=[{"what": "陪同调解", "responsible": mediator, "due_date": DUE}],
        reason="形势变化",
    )
    rows = Notification.objects.filter(kind="dispute_plan_revised")
    assert {n.recipient_id for n in rows} == {alice.pk, mediator.pk}
    assert "形势变化" in rows.first().body and "陪同调解" in rows.first().body


def test_reason_is_required(red_plan, bob):
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.plan_revise(actor=bob, plan=red_plan, summary="新方案", reason="  ")
    red_plan.refresh_from_db()
    assert red_plan.summary == "专人稳控"
    assert not red_plan.dispute.events.filter(kind=EventKind.PLAN_REVISED).exists()


def test_revision_without_any_change_is_refused(red_plan, bob):
    with pytest.raises(ValidationError, match="没有修订内容"):
        services.plan_revise(actor=bob, plan=red_plan, summary="专人稳控\r\n", reason="看看")


@pytest.mark.parametrize(
    "measure, message",
    [
        ({"what": "", "due_date": DUE}, "每项措施须有内容、责任人和期限"),
        ({"what": "走访", "due_date": DUE, "responsible": None}, "每项措施须有内容、责任人和期限"),
        ({"what": "走访", "due_date": None}, "每项措施须有内容、责任人和期限"),
        ({"what": "走访", "due_date": DUE, "responsible": "other"}, "责任人须为本所人员"),
    ],
)
def test_new_measures_are_checked_as_when_filing(red_plan, bob, charlie, measure, message):
    measure = dict(measure)
    measure.setdefault("responsible", bob)
    if measure["responsible"] == "other":
        measure["responsible"] = charlie
    for filing in (True, False):
        with pytest.raises(ValidationError, match=message):
            if filing:  # the same message as plan_file gives for the same measure
                services._clean_measures(red_plan.dispute, [measure])
            else:
                services.plan_revise(
                    actor=bob, plan=red_plan, add_measures=[measure], reason="补充措施"
                )
    assert red_plan.measures.count() == 2


def test_done_or_foreign_measures_cannot_be_cancelled(red_plan, bob, register):
    visit = _measure(red_plan, "每日走访")
    services.measure_done(actor=bob, measure=visit)
    with pytest.raises(ValidationError, match="已完成,不能取消"):
        services.plan_revise(actor=bob, plan=red_plan, cancel_measures=[visit], reason="x")
    other = services.plan_file(
        actor=bob,
        dispute=register(bob, narrative="扬言同归于尽", owner=bob),
        summary="另一方案",
        measures=[{"what": "别的措施", "responsible": bob, "due_date": DUE}],
    )
    with pytest.raises(ValidationError, match="不属于该一案一策"):
        services.plan_revise(
            actor=bob, plan=red_plan, cancel_measures=[other.measures.get()], reason="x"
        )


def test_plan_keeps_at_least_one_measure_and_cancelled_is_not_done_later(red_plan, bob):
    visit, family = _measure(red_plan, "每日走访"), _measure(red_plan, "联系家属")
    with pytest.raises(ValidationError, match="至少保留一项有效措施"):
        services.plan_revise(actor=bob, plan=red_plan, cancel_measures=[visit, family], reason="x")
    services.plan_revise(actor=bob, plan=red_plan, cancel_measures=[visit], reason="不再需要")
    with pytest.raises(ValidationError, match="已取消"):
        services.plan_revise(actor=bob, plan=red_plan, cancel_measures=[visit], reason="再取消")
    visit.refresh_from_db()
    with pytest.raises(ValidationError, match="该措施已取消"):
        services.measure_done(actor=bob, measure=visit)


def test_no_revision_on_a_closed_dispute(red_plan, bob):
    services.dispute_close(actor=bob, dispute=red_plan.dispute, reason="已化解")
    red_plan.refresh_from_db()
    with pytest.raises(ValidationError, match="已结案"):
        services.plan_revise(actor=bob, plan=red_plan, summary="新方案", reason="补充")


def test_only_the_files_editors_may_revise(register, alice, bob, charlie, community_b):
    dispute = register(alice, narrative="扬言拼命", owner=alice, community=community_b)
    plan = services.plan_file(
        actor=alice,
        dispute=dispute,
        summary="稳控",
        measures=[{"what": "走访", "responsible": alice, "due_date": DUE}],
    )
    for outsider in (bob, charlie):  # another community's officer, another station's
        with pytest.raises(PermissionDenied):
            services.plan_revise(actor=outsider, plan=plan, summary="改", reason="改")
    services.plan_revise(actor=alice, plan=plan, summary="改", reason="形势变化")


def test_htmx_revision_form_shows_the_error_and_keeps_the_input(red_plan, bob, bob_client):
    url = reverse("disputes:plan_revise", args=[red_plan.dispute.pk])
    family = _measure(red_plan, "联系家属")
    response = bob_client.post(
        url,
        {
            "summary": "改为双人稳控",
            "cancel": [family.pk],
            "add-0-what": "夜间巡查",
            "add-0-responsible": bob.pk,
            "add-0-due_date": "2026-12-12",
            "reason": "",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="plan"' in body and "<html" not in body
    assert "修订一案一策必须填写理由" in body
    assert "改为双人稳控" in body and 'value="夜间巡查"' in body and 'value="2026-12-12"' in body
    assert f'value="{family.pk}" checked' in body
    assert red_plan.measures.count() == 2

    response = bob_client.post(
        url,
        {
            "summary": "改为双人稳控",
            "cancel": [family.pk],
            "add-0-what": "夜间巡查",
            "add-0-responsible": bob.pk,
            "add-0-due_date": "2026-12-12",
            "reason": "家属不配合",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "一案一策已修订" in body and "夜间巡查" in body
    assert "<s>联系家属</s>" in body and "家属不配合" in body


def test_plain_post_redirects_and_page_keeps_the_input(red_plan, bob, bob_client):
    url = reverse("disputes:plan_revise", args=[red_plan.dispute.pk])
    response = bob_client.post(url, {"summary": "新的方案", "add-0-what": "走访", "reason": "x"})
    assert response.status_code == 302
    page = bob_client.get(red_plan.dispute.get_absolute_url()).content.decode()
    assert "每项措施须有内容、责任人和期限" in page and "新的方案" in page
    assert bob_client.post(url, {"summary": "新的方案", "reason": "形势变化"}).status_code == 302
    red_plan.refresh_from_db()
    assert red_plan.summary == "新的方案"


def test_page_form_only_for_editors_of_an_open_file(red_plan, bob, alice, register, login):
    from django.test import Client

    page = login(Client(), bob).get(red_plan.dispute.get_absolute_url()).content.decode()
    assert 'id="plan-revise-form"' in page
    reader = UserFactory(role=Role.COMMUNITY_OFFICER, station=bob.station)
    page = login(Client(), reader).get(red_plan.dispute.get_absolute_url()).content.decode()
    assert "专人稳控" in page and 'id="plan-revise-form"' not in page
    response = login(Client(), reader).post(
        reverse("disputes:plan_revise", args=[red_plan.dispute.pk]),
        {"summary": "x", "reason": "x"},
    )
    assert response.status_code == 403


def test_plan_report_leaves_cancelled_measures_out(red_plan, bob, bob_client):
    services.plan_revise(
        actor=bob, plan=red_plan, cancel_measures=[_measure(red_plan, "联系家属")], reason="x"
    )
    page = bob_client.get(reverse("disputes:plan_report", args=[red_plan.dispute.pk]))
    assert "每日走访" in page.content.decode() and "联系家属" not in page.content.decode()


def test_api_plan_revise(red_plan, bob, alice, bob_client, charlie_web):
    url = f"/api/disputes/{red_plan.dispute.pk}/plan-revise/"
    family = _measure(red_plan, "联系家属")
    body = {
        "add_measures": [
            {"what": "请村干部协助", "responsible": alice.pk, "due_date": "2026-12-20"}
        ],
        "cancel_measures": [family.pk],
        "reason": "村里出面更有效",
    }
    assert (
        bob_client.post(url, {**body, "reason": ""}, content_type="application/json").status_code
        == 400
    )
    bad = {**body, "add_measures": [{**body["add_measures"][0], "responsible": 999999}]}
    r = bob_client.post(url, bad, content_type="application/json")
    assert r.status_code == 400 and "责任人须为本所人员" in r.content.decode()
    assert charlie_web.post(url, body, content_type="application/json").status_code == 404
    r = bob_client.post(url, body, content_type="application/json")
    assert r.status_code == 200, r.content
    family.refresh_from_db()
    assert family.cancelled_at is not None
    assert StabilisationMeasure.objects.filter(plan=red_plan, what="请村干部协助").exists()
