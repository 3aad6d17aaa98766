"""Callbacks (回访): who enters the queue, due times, attempts, ratings, rectification, 督察, figures, pages."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.accounts.choices import Role
from fengqiao.core.choices import ClockState
from fengqiao.core.services import clocks_for
from fengqiao.core.workqueue import items_for
from fengqiao.incidents import services as s
from fengqiao.incidents.choices import CallbackStatus, RectificationStatus
from fengqiao.incidents.models import Callback, CallbackAttempt, Rectification
from fengqiao.incidents.selectors import callback_queue, satisfaction_rows, satisfaction_total
from fengqiao.notifications.models import Notification
from tests.factories import PersonFactory, UnitFactory, UserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
M = dt.timedelta(minutes=1)


@pytest.fixture
def unit(station):
    return UnitFactory(station=station, name="社区警务队")


@pytest.fixture
def officer(station, unit):
    return UserFactory(
        username="officer", full_name="处警员", role=Role.CASE_OFFICER, station=station, unit=unit
    )


@pytest.fixture
def aux(station):
    return UserFactory(username="aux", full_name="回访员", role=Role.AUXILIARY, station=station)


@pytest.fixture
def inspector(station):
    return UserFactory(
        username="inspector", full_name="督察员", role=Role.INSPECTOR, station=station
    )


def close(incident, actor, officer, outcome="mediated"):
    s.incident_dispatch(actor=actor, incident=incident, officers=[officer], at=NOW - 50 * M)
    s.incident_arrive(actor=actor, incident=incident, at=NOW - 47 * M)
    s.incident_handle(actor=actor, incident=incident, at=NOW - 30 * M)
    s.incident_report(actor=actor, incident=incident, at=NOW - 20 * M)
    s.incident_close(
        actor=actor, incident=incident, outcome=outcome, disposition="已处理", at=NOW - 10 * M
    )
    return incident


@pytest.fixture
def closed(frozen, make_incident, duty, officer):
    return close(make_incident(received_at=NOW - 60 * M), duty, officer)


@pytest.fixture
def callback(closed):
    return closed.callbacks.get()


# ------------------------------------------------------------------ who enters the queue


def test_closing_a_valid_incident_queues_the_caller_with_a_3_working_day_clock(
    callback, closed, unit, officer
):
    assert callback.target == "caller" and callback.phone == "13812345678"
    assert callback.unit == unit and callback.officer == officer
    clock = clocks_for(callback).get()
    assert clock.kind == "callback_other"  # the caller is not in the registry
    assert callback.due_at == clock.due_at
    # closed Monday 2 March 09:50: 5 working days later is Monday 9 March
    assert callback.due_at.astimezone(SH).date() == dt.date(2026, 3, 9)


def test_a_registered_local_caller_gets_3_working_days(
    frozen, make_incident, duty, officer, community_a, station
):
    person = PersonFactory(community=community_a, phone="13912345678")
    incident = close(
        make_incident(received_at=NOW - 60 * M, caller_phone="13912345678", caller_person=person),
        duty,
        officer,
    )
    callback = incident.callbacks.get()
    assert callback.is_local
    assert clocks_for(callback).get().kind == "callback_local"
    assert callback.due_at.astimezone(SH).date() == dt.date(2026, 3, 5)


def test_invalid_incident_or_no_phone_is_not_called_back(frozen, make_incident, duty, officer):
    assert not close(
        make_incident(received_at=NOW - 60 * M), duty, officer, outcome="invalid"
    ).callbacks.exists()
    assert not close(
        make_incident(received_at=NOW - 60 * M, caller_phone=""), duty, officer
    ).callbacks.exists()


def test_victims_of_a_criminal_incident_are_called_back(
    frozen, make_incident, duty, officer, cat_theft
):
    incident = make_incident(category=cat_theft, received_at=NOW - 60 * M)
    s.incident_add_victim(
        actor=duty, incident=incident, name="李四", phone="13700001111", is_local=False
    )
    close(incident, duty, officer, outcome="case_filed")
    assert sorted(incident.callbacks.values_list("target", "name")) == [
        ("caller", "张三"),
        ("victim", "李四"),
    ]
    # a victim registered after closure enters the queue at once
    s.incident_add_victim(actor=duty, incident=incident, name="王五", phone="13700002222")
    assert incident.callbacks.filter(target="victim").count() == 2


def test_victims_only_for_criminal_and_public_order_incidents(frozen, make_incident, duty):
    with pytest.raises(ValidationError, match="只有刑事、治安警情"):
        s.incident_add_victim(
            actor=duty, incident=make_incident(), name="李四", phone="13700001111"
        )


def test_victim_with_impossible_phone_is_refused(frozen, make_incident, duty, cat_fight):
    incident = make_incident(category=cat_fight)
    with pytest.raises(ValidationError, match="电话号码格式不正确"):
        s.incident_add_victim(actor=duty, incident=incident, name="李四", phone="12345")
    assert not incident.victims.exists()


def test_reopen_and_close_again_does_not_duplicate_the_callback(closed, duty):
    s.incident_reopen(actor=duty, incident=closed, reason="补充")
    s.incident_close(actor=duty, incident=closed, outcome="mediated", disposition="再次处理")
    assert closed.callbacks.count() == 1


# ------------------------------------------------------------------ the callback itself


def test_unreached_attempts_are_kept_until_the_limit_then_unreachable(callback, aux, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 2
    s.callback_record(actor=aux, callback=callback, reached=False, note="无人接听")
    callback.refresh_from_db()
    assert (
        callback.status == CallbackStatus.PENDING
        and callback.attempts == 1
        and callback.assignee == aux
    )
    s.callback_record(actor=aux, callback=callback, reached=False)
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.UNREACHABLE
    assert CallbackAttempt.objects.filter(callback=callback, reached=False).count() == 2
    assert clocks_for(callback).get().state == ClockState.MET
    with pytest.raises(ValidationError, match="未联系上"):
        s.callback_record(actor=aux, callback=callback, reached=True, rating="satisfied")


def test_satisfied_callback_stops_its_clock(callback, aux, closed):
    s.callback_record(
        actor=aux, callback=callback, reached=True, rating="satisfied", note="群众表示感谢"
    )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DONE and callback.completed_by == aux
    assert clocks_for(callback).get().state == ClockState.MET
    assert closed.events.filter(kind="callback_done").exists()
    assert not Rectification.objects.exists()


def test_reached_needs_a_rating_and_unsatisfied_needs_a_reason(callback, aux):
    with pytest.raises(ValidationError, match="须选择满意度"):
        s.callback_record(actor=aux, callback=callback, reached=True, rating="")
    with pytest.raises(ValidationError, match="不满意须填写原因"):
        s.callback_record(
            actor=aux, callback=callback, reached=True, rating="unsatisfied", reason=" "
        )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.PENDING and callback.attempts == 0
    assert not CallbackAttempt.objects.exists()


def test_unsatisfied_opens_a_rectification_for_the_unit_due_in_5_working_days(
    callback, aux, unit, officer
):
    unit.leader = officer
    unit.save()
    s.callback_record(
        actor=aux, callback=callback, reached=True, rating="unsatisfied", reason="出警慢"
    )
    rectification = Rectification.objects.get()
    assert rectification.unit == unit and rectification.status == RectificationStatus.OPEN
    assert clocks_for(rectification).get().kind == "rectification"
    assert rectification.due_at.astimezone(SH).date() == dt.date(2026, 3, 9)
    assert Notification.objects.filter(recipient=officer, kind="callback_rectification").exists()


def test_rectification_is_closed_by_the_unit_with_what_was_done(
    callback, aux, officer, bob, frozen
):
    s.callback_record(
        actor=aux, callback=callback, reached=True, rating="unsatisfied", reason="出警慢"
    )
    rectification = Rectification.objects.get()
    with pytest.raises(PermissionDenied):
        s.rectification_close(actor=bob, rectification=rectification, action="已整改")
    with pytest.raises(ValidationError, match="请填写整改情况"):
        s.rectification_close(actor=officer, rectification=rectification, action="")
    frozen.shift(dt.timedelta(days=9))  # after the due day: late
    s.rectification_close(actor=officer, rectification=rectification, action="约谈民警,向群众致歉")
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CLOSED
    assert clocks_for(rectification).get().state == ClockState.BREACHED


def test_complaint_about_an_officer_goes_to_the_inspectors(callback, aux, inspector, officer):
    s.callback_record(
        actor=aux,
        callback=callback,
        reached=True,
        rating="unsatisfied",
        reason="态度差",
        complaint_officer=officer,
    )
    note = Notification.objects.get(recipient=inspector, kind="callback_complaint")
    assert officer.full_name in note.title


def test_complaint_needs_an_unsatisfied_rating(callback, aux, officer):
    with pytest.raises(ValidationError, match="不满意"):
        s.callback_record(
            actor=aux, callback=callback, reached=True, rating="basic", complaint_officer=officer
        )


def test_only_callback_roles_of_the_station_call_back(callback, bob, charlie):
    with pytest.raises(PermissionDenied):
        s.callback_record(actor=bob, callback=callback, reached=False)
    charlie.role = Role.AUXILIARY
    with pytest.raises(PermissionDenied):
        s.callback_record(actor=charlie, callback=callback, reached=False)


def test_callback_time_before_the_closure_is_refused(callback, aux):
    with pytest.raises(ValidationError, match="不能早于结警时间"):
        s.callback_record(actor=aux, callback=callback, reached=False, at=NOW - 60 * M)


# ------------------------------------------------------------------ queue, work queue, figures


def test_queue_filters_due_overdue_and_mine(callback, aux, alice, frozen):
    assert list(callback_queue(alice, NOW, show="overdue")) == []
    assert list(callback_queue(alice, NOW)) == [callback]
    later = callback.due_at - dt.timedelta(hours=2)
    assert list(callback_queue(alice, later, show="due")) == [callback]
    assert list(callback_queue(alice, callback.due_at + M, show="overdue")) == [callback]
    s.callback_record(actor=aux, callback=callback, reached=False)
    assert list(callback_queue(aux, NOW, show="mine")) == [callback]
    assert list(callback_queue(alice, NOW, show="mine")) == []


def test_work_queue_shows_my_callbacks_and_rectifications(callback, aux, officer, unit, frozen):
    unit.leader = officer
    unit.save()
    s.callback_record(actor=aux, callback=callback, reached=False)
    assert [i.kind for i in items_for(aux, NOW) if i.kind == "callback"] == ["callback"]
    s.callback_record(actor=aux, callback=callback, reached=True, rating="unsatisfied", reason="慢")
    assert [i.kind for i in items_for(officer, NOW) if i.kind == "rectification"] == [
        "rectification"
    ]


def test_figures_by_month_unit_and_officer(frozen, make_incident, duty, officer, aux, alice, unit):
    ratings = ["satisfied"] * 6 + ["basic"] * 2 + ["unsatisfied"]
    for rating in ratings:
        callback = close(make_incident(received_at=NOW - 60 * M), duty, officer).callbacks.get()
        s.callback_record(actor=aux, callback=callback, reached=True, rating=rating, reason="慢")
    start, end = NOW - dt.timedelta(days=31), NOW + dt.timedelta(days=1)
    rows = satisfaction_rows(alice, group="month", start=start, end=end, weight=0.5)
    assert [(r["label"], r["valid"]) for r in rows] == [("2026-03", 9)]
    assert rows[0]["rate"] == pytest.approx(round((6 + 1) / 9 * 100, 2))
    assert (
        satisfaction_rows(alice, group="unit", start=start, end=end, weight=0.5)[0]["label"]
        == unit.name
    )
    assert satisfaction_rows(alice, group="officer", start=start, end=end, weight=1.0)[0][
        "rate"
    ] == pytest.approx(round(8 / 9 * 100, 2))
    assert satisfaction_total(rows, 0.5)["valid"] == 9


def test_figures_do_not_count_unreachable(callback, aux, alice, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 1
    s.callback_record(actor=aux, callback=callback, reached=False)
    rows = satisfaction_rows(
        alice, group="day", start=NOW - dt.timedelta(days=1), end=NOW + M, weight=0.5
    )
    assert rows[0]["valid"] == 0 and rows[0]["unreachable"] == 1 and rows[0]["rate"] is None


def test_figures_of_another_station_are_not_visible(callback, aux, charlie):
    s.callback_record(actor=aux, callback=callback, reached=True, rating="satisfied")
    assert (
        satisfaction_rows(
            charlie, group="month", start=NOW - dt.timedelta(days=1), end=NOW + M, weight=0.5
        )
        == []
    )


# ------------------------------------------------------------------ pages


def test_queue_and_detail_pages_matrix(callback, alice_client, client, login, charlie, bob):
    assert alice_client.get(reverse("incidents:callback_list")).status_code == 200
    page = alice_client.get(reverse("incidents:callback_detail", args=[callback.pk]))
    assert page.status_code == 200 and "138****5678" in page.content.decode()
    client.logout()
    login(client, charlie)
    assert client.get(reverse("incidents:callback_detail", args=[callback.pk])).status_code == 404
    assert (
        callback.incident.reference
        not in client.get(reverse("incidents:callback_list")).content.decode()
    )
    client.logout()
    login(client, bob)  # a community officer reads but does not make callbacks
    assert (
        client.post(
            reverse("incidents:callback_detail", args=[callback.pk]), {"reached": "0"}
        ).status_code
        == 403
    )


def test_callback_form_unsatisfied_without_reason_keeps_the_input(callback, client, login, aux):
    login(client, aux)
    url = reverse("incidents:callback_detail", args=[callback.pk])
    response = client.post(
        url, {"reached": "1", "rating": "unsatisfied", "reason": "", "note": "回访记录ABC"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "不满意须填写原因" in body and "回访记录ABC" in body
    response = client.post(
        url, {"reached": "1", "rating": "unsatisfied", "reason": "出警慢", "note": ""}
    )
    assert response.status_code == 302
    assert Callback.objects.get().rating == "unsatisfied"


def test_callback_form_records_a_missed_call(callback, client, login, aux):
    login(client, aux)
    response = client.post(
        reverse("incidents:callback_detail", args=[callback.pk]), {"reached": "0"}, follow=True
    )
    assert "已记录未接通" in response.content.decode()


def test_rectification_page_closes_it(callback, aux, client, login, officer):
    s.callback_record(actor=aux, callback=callback, reached=True, rating="unsatisfied", reason="慢")
    rectification = Rectification.objects.get()
    login(client, officer)
    url = reverse("incidents:rectification_detail", args=[rectification.pk])
    assert client.post(url, {"action": ""}).status_code == 400
    assert client.post(url, {"action": "已整改"}).status_code == 302
    rectification.refresh_from_db()
    assert rectification.status == "closed"


def test_inspection_list_for_inspectors_only(callback, aux, officer, inspector, client, login, bob):
    s.callback_record(
        actor=aux,
        callback=callback,
        reached=True,
        rating="unsatisfied",
        reason="态度差",
        complaint_officer=officer,
    )
    login(client, inspector)
    page = client.get(reverse("incidents:inspection_list"))
    assert page.status_code == 200 and officer.full_name in page.content.decode()
    client.logout()
    login(client, bob)
    assert client.get(reverse("incidents:inspection_list")).status_code == 403


def test_figures_page_passes_chart_data_as_json(callback, aux, alice_client):
    s.callback_record(actor=aux, callback=callback, reached=True, rating="basic")
    for group in ("day", "week", "month", "unit", "officer"):
        page = alice_client.get(reverse("incidents:callback_figures"), {"group": group})
        assert page.status_code == 200
        body = page.content.decode()
        assert 'id="satisfaction-data"' in body and "callback-figures.js" in body
        assert "<script>" not in body  # no inline script (CSP)
    page = alice_client.get(reverse("incidents:callback_figures"), {"group": "month"})
    assert "50.00%" in page.content.decode()


def test_figures_weight_comes_from_the_setting(callback, aux, alice_client, settings):
    settings.CALLBACK_BASIC_WEIGHT = "0.8"
    s.callback_record(actor=aux, callback=callback, reached=True, rating="basic")
    assert "80.00%" in alice_client.get(reverse("incidents:callback_figures")).content.decode()


def test_bad_weight_setting_fails_the_system_check(settings):
    from fengqiao.incidents.checks import callback_weight_check

    settings.CALLBACK_BASIC_WEIGHT = "2"
    assert [e.id for e in callback_weight_check(None)] == ["incidents.E001"]
    settings.CALLBACK_BASIC_WEIGHT = "0.5"
    assert callback_weight_check(None) == []


def test_victim_form_on_the_detail_page(frozen, make_incident, cat_theft, alice_client):
    incident = make_incident(category=cat_theft)
    url = reverse("incidents:incident_action", args=[incident.pk, "add_victim"])
    response = alice_client.post(
        url, {"victim_name": "李四", "victim_phone": "123", "victim_local": "on"}
    )
    assert response.status_code == 400 and "电话号码格式不正确" in response.content.decode()
    assert "李四" in response.content.decode()  # what was typed is kept
    assert (
        alice_client.post(url, {"victim_name": "李四", "victim_phone": "13700001111"}).status_code
        == 302
    )
    assert incident.victims.get().is_local is False


def test_with_time_machine_the_callback_turns_overdue(callback, client, alice):
    with time_machine.travel(callback.due_at + M, tick=False):
        client.force_login(alice)
        page = client.get(reverse("incidents:callback_list"), {"show": "overdue"})
    assert callback.incident.reference in page.content.decode()


def test_rectification_of_another_station_is_404(callback, aux, client, login, charlie):
    s.callback_record(actor=aux, callback=callback, reached=True, rating="unsatisfied", reason="慢")
    login(client, charlie)
    url = reverse("incidents:rectification_detail", args=[Rectification.objects.get().pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "x"}).status_code == 404


def test_callback_changes_are_in_the_change_log(callback, aux):
    from fengqiao.core.audit import history_for

    s.callback_record(actor=aux, callback=callback, reached=True, rating="basic", note="还行")
    actions = list(history_for(callback).values_list("action", flat=True))
    assert "create" in actions and "update" in actions


def test_double_submitted_callback_form_records_once(callback, client, login, aux):
    login(client, aux)
    url = reverse("incidents:callback_detail", args=[callback.pk])
    assert 'name="seen_attempts" value="0"' in client.get(url).content.decode()
    data = {"reached": "0", "seen_attempts": "0", "note": "无人接听"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data, follow=True)
    assert "重复提交" in response.content.decode()
    assert CallbackAttempt.objects.filter(callback=callback).count() == 1
    data = {"reached": "1", "rating": "satisfied", "seen_attempts": "1"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the second one changes nothing
    callback.refresh_from_db()
    assert callback.status == "done" and callback.attempts == 2
