import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.antifraud import services
from fengqiao.antifraud.models import FraudCase, Warning
from fengqiao.antifraud.selectors import overdue_q
from fengqiao.core.models import ObjectChange
from fengqiao.core.services import clocks_for
from fengqiao.incidents.models import Incident
from fengqiao.notifications.models import Notification
from tests.antifraud.conftest import NOW
from tests.factories import PersonFactory, make_id_number

pytestmark = pytest.mark.usefixtures("frozen")


def receive(station, fraud_type, actor=None, **kw):
    data = {"name": "王芳", "phone": "13900001111", "risk_level": "high", "received_at": NOW}
    data.update(kw)
    return services.warning_receive(actor=actor, station=station, fraud_type=fraud_type, **data)


def test_match_by_phone_assigns_the_community_officer_the_same_minute(
    station, shua_dan, bob, resident
):
    w = receive(station, shua_dan)
    assert (w.person, w.community, w.match_method) == (resident, resident.community, "phone")
    assert w.officer == bob and w.assigned_at == NOW and w.status == "assigned"


def test_match_by_id_number_before_phone(station, shua_dan, bob, resident, resident_b):
    w = receive(station, shua_dan, phone=resident_b.phone, id_number=resident.id_number)
    assert w.person == resident and w.match_method == "id_number"


def test_match_by_name_and_address(station, shua_dan, bob, resident):
    w = receive(station, shua_dan, phone="13700009999", address_text="西街12号")
    assert w.person == resident and w.match_method == "name_address" and w.officer == bob


def test_address_alone_finds_the_community(station, shua_dan, bob, community_a):
    w = receive(
        station, shua_dan, name="无名", phone="13700009999", address_text="玉津镇西街社区某巷5号"
    )
    assert (
        w.person is None
        and w.community == community_a
        and w.match_method == "address"
        and w.officer == bob
    )


def test_no_match_waits_for_the_command_room(station, shua_dan, command, alice):
    w = receive(station, shua_dan, name="外地人", phone="13700009999")
    assert w.officer is None and w.status == "unassigned" and w.match_method == "none"
    assert Notification.objects.filter(recipient=command, object_id=w.pk).exists()
    assert Notification.objects.filter(recipient=alice, object_id=w.pk).exists()


@pytest.mark.parametrize(("level", "minutes"), [("high", 30), ("medium", 120), ("low", 24 * 60)])
def test_contact_deadline_by_level(station, shua_dan, bob, resident, level, minutes):
    w = receive(station, shua_dan, risk_level=level)
    assert w.contact_due_at == NOW + dt.timedelta(minutes=minutes)
    clock = clocks_for(w).get()
    assert (
        clock.kind == f"fraud_contact_{level}"
        and clock.assignee == bob
        and clock.due_at == w.contact_due_at
    )


def test_high_warning_is_urgent_and_goes_live_to_the_command_room(
    station, shua_dan, bob, command, resident
):
    w = receive(station, shua_dan, risk_level="high")
    for user in (bob, command):
        n = Notification.objects.get(recipient=user, object_id=w.pk)
        assert n.urgent and n.level == "red"


def test_low_warning_is_not_urgent_and_not_sent_to_the_command_room(
    station, shua_dan, bob, command, resident
):
    w = receive(station, shua_dan, risk_level="low")
    assert not Notification.objects.get(recipient=bob, object_id=w.pk).urgent
    assert not Notification.objects.filter(recipient=command).exists()


def test_duplicate_within_window_merges(station, shua_dan, bob, resident, frozen):
    first = receive(station, shua_dan, risk_level="low")
    frozen.shift(dt.timedelta(hours=3))
    second = receive(station, shua_dan, risk_level="low", received_at=NOW + dt.timedelta(hours=3))
    assert second.status == "merged" and second.merged_into == first
    assert Warning.objects.primary().count() == 1
    assert first.events.filter(kind="merged").exists()
    assert len(clocks_for(second)) == 0


def test_duplicate_with_higher_level_raises_the_level_and_the_deadline(
    station, shua_dan, bob, resident, frozen
):
    first = receive(station, shua_dan, risk_level="low")
    frozen.shift(dt.timedelta(hours=1))
    receive(station, shua_dan, risk_level="high", received_at=NOW + dt.timedelta(hours=1))
    first.refresh_from_db()
    assert first.risk_level == "high"
    assert first.contact_due_at == NOW + dt.timedelta(hours=1, minutes=30)
    assert {c.state for c in clocks_for(first)} == {"cancelled", "running"}


def test_warning_outside_the_window_is_a_new_warning(
    station, shua_dan, bob, resident, frozen, settings
):
    settings.ANTIFRAUD_MERGE_WINDOW_HOURS = 2
    receive(station, shua_dan, risk_level="low")
    frozen.shift(dt.timedelta(hours=3))
    second = receive(station, shua_dan, risk_level="low", received_at=NOW + dt.timedelta(hours=3))
    assert second.status == "assigned" and second.merged_into is None


def test_same_external_id_is_taken_once(station, shua_dan, bob, resident):
    a = receive(station, shua_dan, external_id="ZX-1")
    b = receive(station, shua_dan, external_id="ZX-1")
    assert a.pk == b.pk and Warning.objects.count() == 1


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"phone": "", "id_number": ""}, "手机号或身份证号"),
        ({"received_at": NOW + dt.timedelta(days=1)}, "晚于当前时间"),
        ({"name": ""}, "姓名"),
        ({"risk_level": "x"}, "风险等级"),
    ],
)
def test_bad_warnings_are_refused_and_nothing_is_written(station, shua_dan, kw, message):
    with pytest.raises(ValidationError, match=message):
        receive(station, shua_dan, **kw)
    assert Warning.objects.count() == 0


def test_first_attempt_in_time_stops_the_clock_met(station, shua_dan, bob, resident, frozen):
    w = receive(station, shua_dan)
    frozen.shift(dt.timedelta(minutes=10))
    services.attempt_record(actor=bob, warning=w, method="phone", result="已电话劝阻", reached=True)
    w.refresh_from_db()
    assert w.first_contact_at == NOW + dt.timedelta(minutes=10) and w.status == "contacting"
    assert clocks_for(w).get().state == "met"


def test_late_first_attempt_breaches_the_clock(station, shua_dan, bob, resident, frozen):
    w = receive(station, shua_dan)
    frozen.shift(dt.timedelta(minutes=45))
    services.attempt_record(actor=bob, warning=w, method="phone", result="未接")
    assert clocks_for(w).get().state == "breached"
    assert (
        Warning.objects.filter(pk=w.pk).filter(overdue_q(NOW + dt.timedelta(minutes=45))).exists()
    )


def test_checklist_only_on_visits(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    with pytest.raises(ValidationError, match="上门"):
        services.attempt_record(
            actor=bob, warning=w, method="phone", result="x", checklist={"app": True}
        )
    a = services.attempt_record(
        actor=bob,
        warning=w,
        method="visit",
        result="上门核查",
        checklist={"app": True, "paid": True},
    )
    assert a.checklist == {"app": True, "paid": True}


def test_officer_of_another_community_may_not_record(station, shua_dan, bob, resident_b):
    w = receive(station, shua_dan, phone=resident_b.phone, name=resident_b.name)
    with pytest.raises(PermissionDenied):
        services.attempt_record(actor=bob, warning=w, method="phone", result="x")


def test_outcome_needs_an_attempt_except_false_alarm(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    with pytest.raises(ValidationError, match="至少一次劝阻"):
        services.warning_close(actor=bob, warning=w, outcome="dissuaded")
    services.warning_close(actor=bob, warning=w, outcome="false_alarm", note="号码录错")
    w.refresh_from_db()
    assert w.status == "closed" and clocks_for(w).get().state == "met"


def test_dissuaded_records_the_amount_protected(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    services.attempt_record(actor=bob, warning=w, method="phone", result="劝阻", reached=True)
    services.warning_close(actor=bob, warning=w, outcome="dissuaded", amount_protected="50000")
    w.refresh_from_db()
    assert w.amount_protected == Decimal("50000.00") and w.outcome == "dissuaded"


def test_defrauded_without_loss_is_refused_and_nothing_changes(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    services.attempt_record(actor=bob, warning=w, method="phone", result="已转账", reached=True)
    with pytest.raises(ValidationError, match="损失金额"):
        services.warning_close(actor=bob, warning=w, outcome="defrauded")
    w.refresh_from_db()
    assert (
        w.status == "contacting"
        and not FraudCase.objects.exists()
        and not Incident.objects.exists()
    )


def test_defrauded_opens_a_fraud_incident_and_records_the_loss(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    services.attempt_record(actor=bob, warning=w, method="visit", result="已转账3万", reached=True)
    services.warning_close(actor=bob, warning=w, outcome="defrauded", loss="30000", note="刷单被骗")
    case = FraudCase.objects.get(warning=w)
    assert (
        case.loss == Decimal("30000.00")
        and case.fraud_type == shua_dan
        and case.community == resident.community
    )
    incident = case.incident
    assert incident.category.name == "诈骗" and incident.category.parent.name == "刑事"
    assert incident.caller_person == resident and incident.community == resident.community
    # the 刑事 review clock runs: the case room must open a case
    assert any(c.kind == "criminal_filing_review" for c in clocks_for(incident))
    assert w.events.filter(kind="case_opened").exists()


def test_history_is_kept(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    services.attempt_record(actor=bob, warning=w, method="phone", result="x")
    assert ObjectChange.objects.filter(object_id=w.pk, content_type__model="warning").count() >= 2


def test_manual_assignment_keeps_the_deadline(station, shua_dan, command, alice, community_b):
    from tests.factories import UserFactory

    w = receive(station, shua_dan, name="外地人", phone="13700009999")
    officer = UserFactory(station=station, role="community_officer")
    services.warning_assign(actor=command, warning=w, officer=officer)
    w.refresh_from_db()
    assert (
        w.officer == officer
        and w.status == "assigned"
        and w.contact_due_at == NOW + dt.timedelta(minutes=30)
    )
    assert clocks_for(w).filter(state="running").get().assignee == officer


def test_only_the_desk_assigns(station, shua_dan, bob, resident):
    w = receive(station, shua_dan)
    with pytest.raises(PermissionDenied):
        services.warning_assign(actor=bob, warning=w, officer=bob)


def test_person_in_another_station_is_not_matched(station, other_station, shua_dan, alice):
    PersonFactory(
        station=other_station,
        community__station=other_station,
        phone="13911112222",
        id_number=make_id_number(400),
    )
    w = receive(station, shua_dan, phone="13911112222")
    assert w.person is None and w.match_method == "none"
