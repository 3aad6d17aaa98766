import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.core.choices import ClockState
from fengqiao.core.services import clocks_for
from fengqiao.core.sweeper import sweep
from fengqiao.core.workflow_models import ClockWarning
from fengqiao.incidents import services as s
from fengqiao.incidents.choices import Status
from fengqiao.incidents.models import HandoverRecord, Incident, IncidentEvent
from fengqiao.incidents.selectors import arrival_overdue_filter, unfiled_incidents
from tests.factories import AddressFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def _walk_to_reported(incident, actor, officer):
    s.incident_dispatch(actor=actor, incident=incident, officers=[officer], at=NOW - 50 * M)
    s.incident_arrive(actor=actor, incident=incident, at=NOW - 47 * M)
    s.incident_handle(actor=actor, incident=incident, at=NOW - 30 * M)
    s.incident_report(actor=actor, incident=incident, at=NOW - 20 * M)
    return incident


def test_receive_gives_a_jq_reference_and_a_received_event(frozen, make_incident, duty):
    incident = make_incident(received_at=NOW - 60 * M)
    assert incident.reference == "JQ-2026-000001"
    assert incident.status == Status.RECEIVED
    assert list(incident.events.values_list("kind", flat=True)) == ["received"]
    assert make_incident().reference == "JQ-2026-000002"


def test_receive_refuses_a_bad_caller_phone(frozen, make_incident):
    with pytest.raises(ValidationError, match="电话号码格式不正确"):
        make_incident(caller_phone="12345")
    assert Incident.objects.count() == 0


def test_receive_refuses_a_time_in_the_future(frozen, make_incident):
    with pytest.raises(ValidationError, match="不能晚于当前时间"):
        make_incident(received_at=NOW + 10 * M)


def test_receive_takes_the_community_from_the_address(frozen, make_incident, station, community_b):
    address = AddressFactory(station=station, community=community_b)
    incident = make_incident(address=address, community=None, location="")
    assert incident.community == community_b
    assert incident.location == address.full_text


def test_double_submitted_intake_returns_the_first_incident(frozen, make_incident):
    token = uuid.uuid4()
    first = make_incident(submission_id=token)
    second = make_incident(submission_id=token)
    assert first.pk == second.pk
    assert Incident.objects.count() == 1


def test_full_walk_closes_with_outcome_and_all_step_times(frozen, make_incident, duty, patrol):
    incident = make_incident(received_at=NOW - 60 * M)
    _walk_to_reported(incident, duty, patrol)
    s.incident_close(
        actor=duty, incident=incident, outcome="mediated", disposition="双方和解", at=NOW
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert all(t for _, t in incident.steps())
    assert list(incident.events.values_list("kind", flat=True)) == [
        "received",
        "dispatched",
        "arrived",
        "handled",
        "reported",
        "closed",
    ]
    assert incident.lead_officer == patrol


def test_closing_without_outcome_or_note_is_refused(frozen, make_incident, duty, patrol):
    incident = _walk_to_reported(make_incident(received_at=NOW - 60 * M), duty, patrol)
    with pytest.raises(ValidationError, match="处置结果"):
        s.incident_close(actor=duty, incident=incident, outcome="", disposition="x")
    with pytest.raises(ValidationError, match="处置情况"):
        s.incident_close(actor=duty, incident=incident, outcome="mediated", disposition="  ")
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED


def test_transition_from_the_wrong_state_is_refused(frozen, make_incident, duty):
    incident = make_incident()
    with pytest.raises(ValidationError, match="不能登记到场"):
        s.incident_arrive(actor=duty, incident=incident)
    with pytest.raises(ValidationError, match="不能结警"):
        s.incident_close(actor=duty, incident=incident, outcome="other", disposition="x")


def test_arrival_before_dispatch_is_refused_and_nothing_changes(
    frozen, make_incident, duty, patrol
):
    incident = make_incident(received_at=NOW - 60 * M)
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 30 * M)
    with pytest.raises(ValidationError, match="到场时间不能早于派警时间"):
        s.incident_arrive(actor=duty, incident=incident, at=NOW - 40 * M)
    incident.refresh_from_db()
    assert incident.status == Status.DISPATCHED and incident.arrived_at is None
    assert not IncidentEvent.objects.filter(incident=incident, kind="arrived").exists()


def test_dispatch_before_the_call_is_refused(frozen, make_incident, duty, patrol):
    incident = make_incident(received_at=NOW - 10 * M)
    with pytest.raises(ValidationError, match="派警时间不能早于接警时间"):
        s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 20 * M)


def test_dispatch_needs_an_officer(frozen, make_incident, duty):
    with pytest.raises(ValidationError, match="至少指派一名民警"):
        s.incident_dispatch(actor=duty, incident=make_incident(), officers=[])


def test_dispatch_starts_the_arrival_clock_by_area(frozen, make_incident, duty, patrol):
    incident = make_incident(area_type="rural")
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    (clock,) = clocks_for(incident)
    assert clock.kind == "incident_arrival_rural"
    assert clock.due_at == NOW + 30 * M
    assert clock.assignee == patrol


def test_missed_arrival_warns_via_the_sweeper_and_flags_overdue(
    frozen, make_incident, duty, patrol
):
    incident = make_incident()
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    frozen.shift(dt.timedelta(minutes=6))
    sweep()
    (clock,) = clocks_for(incident)
    assert clock.state == ClockState.BREACHED
    assert ClockWarning.objects.filter(clock=clock, level=3).exists()
    assert Incident.objects.filter(arrival_overdue_filter(NOW + 6 * M), pk=incident.pk).exists()


def test_arrival_in_time_meets_the_clock(frozen, make_incident, duty, patrol):
    incident = make_incident()
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    frozen.shift(dt.timedelta(minutes=3))
    s.incident_arrive(actor=duty, incident=incident)
    assert clocks_for(incident)[0].state == ClockState.MET
    assert not Incident.objects.filter(
        arrival_overdue_filter(NOW + 10 * M), pk=incident.pk
    ).exists()


def test_criminal_incident_starts_filing_review_clock(frozen, make_incident, cat_theft):
    incident = make_incident(category=cat_theft)
    (clock,) = clocks_for(incident)
    assert clock.kind == "criminal_filing_review"


def test_unfiled_flag_when_review_clock_breached_without_case(
    frozen, make_incident, cat_fight, alice
):
    incident = make_incident(category=cat_fight)
    assert not unfiled_incidents(alice, NOW).exists()
    later = NOW + dt.timedelta(hours=25)
    assert list(unfiled_incidents(alice, later)) == [incident]


def test_no_unfiled_flag_once_a_case_is_linked(frozen, make_incident, cat_fight, alice, duty):
    incident = make_incident(category=cat_fight)
    frozen.shift(dt.timedelta(hours=2))
    s.incident_link_case(actor=duty, incident=incident, case_reference="XZ-2026-000001")
    assert clocks_for(incident)[0].state == ClockState.MET
    assert not unfiled_incidents(alice, NOW + dt.timedelta(hours=25)).exists()


def test_dispute_incident_never_unfiled(frozen, make_incident, alice):
    make_incident()
    assert not unfiled_incidents(alice, NOW + dt.timedelta(days=30)).exists()


def test_reopen_needs_a_reason_and_returns_to_reported(frozen, make_incident, duty, patrol):
    incident = _walk_to_reported(make_incident(received_at=NOW - 60 * M), duty, patrol)
    s.incident_close(actor=duty, incident=incident, outcome="other", disposition="x", at=NOW)
    with pytest.raises(ValidationError):
        s.incident_reopen(actor=duty, incident=incident, reason="")
    s.incident_reopen(actor=duty, incident=incident, reason="群众再次报警")
    assert incident.status == Status.REPORTED and incident.closed_at is None


def test_handover_refused_while_an_open_incident_is_unassigned(frozen, make_incident, duty, patrol):
    make_incident()
    with pytest.raises(ValidationError, match="未指派民警"):
        s.handover_record(actor=duty, shift_to=patrol)
    assert not HandoverRecord.objects.exists()


def test_handover_recorded_when_every_open_incident_is_held(frozen, make_incident, duty, patrol):
    s.incident_dispatch(actor=duty, incident=make_incident(), officers=[patrol])
    record = s.handover_record(actor=duty, shift_to=patrol)
    assert record.open_count == 1


def test_officer_of_another_community_cannot_act(frozen, make_incident, bob, duty, community_b):
    incident = make_incident(community=community_b)
    with pytest.raises(PermissionDenied):
        s.incident_dispatch(actor=bob, incident=incident, officers=[bob])


def test_community_officer_acts_on_own_community(frozen, make_incident, bob):
    incident = make_incident()
    s.incident_dispatch(actor=bob, incident=incident, officers=[bob])
    assert incident.status == Status.DISPATCHED


def test_each_station_counts_its_own_jq_numbers(frozen, make_incident, other_station, cat_dispute):
    from tests.factories import UserFactory

    first = make_incident()
    other_duty = UserFactory(username="qx_duty", role="duty_officer", station=other_station)
    second = s.incident_receive(
        actor=other_duty, station=other_station, category=cat_dispute, location="清溪街1号"
    )
    assert first.reference == second.reference == "JQ-2026-000001"
