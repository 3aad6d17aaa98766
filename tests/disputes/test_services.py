import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.accounts.choices import Role
from fengqiao.core.services import clocks_for
from fengqiao.disputes import services
from fengqiao.disputes.choices import EventKind, Level
from fengqiao.disputes.models import Dispute, DisputeEvent, StabilisationPlan
from fengqiao.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_registration_gets_reference_and_yellow_without_triggers(bob, register):
    d = register(bob)
    assert d.reference.startswith("JF-") and len(d.reference) == len("JF-2026-000001")
    assert (d.level, d.suggested_level, d.suggested_reasons) == ("yellow", "yellow", [])
    assert d.events.filter(kind=EventKind.CREATED).exists()


def test_registration_with_threat_is_suggested_red_with_reason(bob, alice, register):
    d = register(bob, narrative="被申请人扬言要同归于尽", owner=bob)
    assert d.level == Level.RED
    assert "当事人扬言'同归于尽'" in d.suggested_reasons
    assert d.level_reasons == d.suggested_reasons


def test_red_without_owner_is_refused(bob, register):
    with pytest.raises(ValidationError):
        register(bob, narrative="扬言拼命")


def test_high_risk_party_suggests_red(bob, register):
    d = register(bob, owner=bob, parties=[{"name": "王五", "high_risk": True}])
    assert d.suggested_level == Level.RED and "当事人系高风险人员" in d.suggested_reasons


def test_five_parties_suggest_orange(bob, register):
    d = register(bob, owner=bob, parties=[{"name": f"人{i}"} for i in range(5)])
    assert d.level == Level.ORANGE and "当事人5人" in d.suggested_reasons


def test_own_level_different_from_suggestion_needs_reason(bob, register):
    with pytest.raises(ValidationError):
        register(bob, level="orange", owner=bob)
    d = register(bob, level="orange", owner=bob, reason="双方积怨已久")
    assert d.level == Level.ORANGE and d.level_reasons == ["双方积怨已久"]


def test_update_recomputes_suggestion(bob, register):
    d = register(bob)
    d = services.dispute_update(actor=bob, dispute=d, failed_mediations=2)
    assert d.suggested_level == Level.ORANGE and d.suggested_reasons == ["调解失败2次"]
    assert d.level == Level.YELLOW  # the level itself changes only by an officer's decision


def test_set_level_without_reason_is_refused(bob, register):
    d = register(bob, owner=bob)
    with pytest.raises(ValidationError):
        services.dispute_set_level(actor=bob, dispute=d, level="orange", reason="  ")
    assert Dispute.objects.get(pk=d.pk).level == Level.YELLOW


def test_set_level_raise_and_lower_are_events_with_reasons(bob, register):
    d = register(bob, owner=bob)
    services.dispute_set_level(actor=bob, dispute=d, level="orange", reason="多次争吵")
    services.dispute_set_level(actor=bob, dispute=d, level="yellow", reason="已缓和")
    events = list(DisputeEvent.objects.filter(dispute=d, kind=EventKind.LEVEL_CHANGED))
    assert [(e.data["after"], e.data["direction"], e.data["reason"]) for e in events] == [
        ("orange", "up", "多次争吵"),
        ("yellow", "down", "已缓和"),
    ]


def test_becoming_red_notifies_station_leaders_once(bob, alice, register, other_station):
    UserFactory(role=Role.STATION_LEADER, station=other_station)
    d = register(bob, owner=bob)
    services.dispute_set_level(actor=bob, dispute=d, level="red", reason="扬言报复")
    services.dispute_set_level(actor=bob, dispute=d, level="orange", reason="缓和")
    services.dispute_set_level(actor=bob, dispute=d, level="red", reason="再次扬言")
    rows = Notification.objects.filter(kind="dispute_red")
    assert [(n.recipient_id, n.level) for n in rows] == [(alice.pk, "red")]


def test_orange_starts_first_session_clock_three_working_days(bob, register):
    with time_machine.travel(dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC), tick=False):  # Friday
        d = register(bob, owner=bob, failed_mediations=2)
    clock = clocks_for(d).get(kind="dispute_first_session")
    assert d.level == Level.ORANGE and clock.assignee_id == bob.pk
    assert clock.due_at.date() >= dt.date(2026, 12, 2)  # Mon, Tue, Wed


def test_yellow_starts_no_clock(bob, register):
    assert not clocks_for(register(bob)).exists()


def test_red_requires_plan_and_measures_tracked(bob, alice, register):
    d = register(bob, narrative="扬言拼命", owner=bob)
    assert d.needs_plan
    with pytest.raises(ValidationError):
        services.plan_file(actor=bob, dispute=d, summary="稳控", measures=[])
    plan = services.plan_file(
        actor=bob,
        dispute=d,
        summary="专人稳控",
        measures=[{"what": "每日走访", "responsible": bob, "due_date": dt.date(2026, 12, 1)}],
    )
    d = Dispute.objects.get(pk=d.pk)
    assert not d.needs_plan
    measure = plan.measures.get()
    services.measure_done(actor=bob, measure=measure, note="已走访")
    measure.refresh_from_db()
    assert measure.done_at is not None
    kinds = list(d.events.values_list("kind", flat=True))
    assert EventKind.PLAN_FILED in kinds and EventKind.MEASURE_DONE in kinds


def test_plan_only_for_red(bob, register):
    d = register(bob)
    with pytest.raises(ValidationError):
        services.plan_file(
            actor=bob,
            dispute=d,
            summary="x",
            measures=[{"what": "a", "responsible": bob, "due_date": dt.date(2026, 12, 1)}],
        )
    assert not StabilisationPlan.objects.exists()


def test_officer_of_other_community_cannot_change_level(bob, alice, register, community_b):
    d = register(alice, community=community_b)
    with pytest.raises(PermissionDenied):
        services.dispute_set_level(actor=bob, dispute=d, level="orange", reason="x")


def test_other_station_cannot_register_in_my_community(charlie, register):
    with pytest.raises((PermissionDenied, ValidationError)):
        register(charlie)


def test_each_station_counts_its_own_jf_numbers(bob, register, other_station, neighbour_type):
    from tests.factories import CommunityFactory

    leader = UserFactory(username="qx_leader", role=Role.STATION_LEADER, station=other_station)
    first = register(bob)
    second = register(leader, community=CommunityFactory(station=other_station))
    assert first.reference == second.reference and first.station_id != second.station_id
