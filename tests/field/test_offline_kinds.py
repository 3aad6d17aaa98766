"""The offline forms beyond the work log: intake at the scene, a mediation session note, a screening
call, a registration check — each applied once, a changed record a conflict, bad input refused."""

import uuid

import pytest
from django.utils import timezone

from fengqiao.field import services
from fengqiao.field.models import IncidentPlace
from tests.field.conftest import NEAR

pytestmark = pytest.mark.django_db


def sync(actor, kind, data, cid=None):
    return services.sync_item(actor=actor, client_id=cid or uuid.uuid4(), kind=kind, data=data)


def test_intake_at_the_scene_is_one_incident_at_the_phones_time(frozen, bob, community_a):
    from fengqiao.incidents.models import Incident, IncidentCategory

    category = IncidentCategory.objects.get(code="JF-LL")
    at = timezone.now().replace(microsecond=0) - timezone.timedelta(minutes=20)
    data = {
        "category": category.pk,
        "at": at.isoformat(),
        "caller_name": "王大爷",
        "caller_phone": "13900001111",
        "location": "西街菜市口",
        "narrative": "摊位纠纷",
        "community": community_a.pk,
        "latitude": NEAR[0],
        "longitude": NEAR[1],
    }
    cid = uuid.uuid4()
    first = sync(bob, "intake", data, cid)
    again = sync(bob, "intake", data, cid)
    assert first.state == "applied" and again.result == first.result
    incident = Incident.objects.get()
    assert incident.received_at == at and incident.source == "patrol"
    assert IncidentPlace.objects.get(incident=incident).latitude == NEAR[0]
    assert sync(bob, "intake", {**data, "category": 0}).state == "refused"
    assert Incident.objects.count() == 1


def test_session_note_or_conflict(frozen, bob, charlie, accepted):
    version = services.record_version(accepted)
    note = {
        "dispute": accepted.pk,
        "version": version,
        "held_at": timezone.now().isoformat(),
        "outcome": "continue",
        "place": "村委会",
        "law_notes": "讲明相邻关系",
    }
    ok = sync(bob, "session_note", note)
    assert ok.state == "applied" and accepted.sessions.count() == 1
    # Meanwhile the station changed the dispute; the phone still holds the old version: a conflict.
    accepted.narrative = "两家因排水沟发生争吵,已报村委"
    accepted.save()
    clash = sync(bob, "session_note", note)
    assert clash.state == "conflict" and accepted.sessions.count() == 1
    assert sync(charlie, "session_note", {**note, "version": ""}).state == "refused"


def test_screening_call_from_the_phone(frozen, bob, station, community_a):
    from fengqiao.disputes.models import ScreeningCall
    from fengqiao.registry.models import LiaisonPoint

    point = LiaisonPoint.objects.create(
        station=station, community=community_a, name="西街茶馆", contact_name="王婆",
        contact_phone="13800000001",
    )  # fmt: skip
    assert sync(bob, "screening_call", {"point": point.pk, "answer": "no_issue"}).state == "applied"
    refused = sync(bob, "screening_call", {"point": point.pk, "answer": "reported", "note": ""})
    assert refused.state == "refused" and "说明" in refused.result["error"]
    assert ScreeningCall.objects.get().answer == "no_issue"


def test_registration_check_dismissed_once_and_closed_task_is_a_conflict(frozen, bob, community_a):
    from fengqiao.estates.models import Estate, RegistrationTask

    estate = Estate.objects.create(
        station=community_a.station, community=community_a, name="江湾壹号"
    )
    now = timezone.now()
    task = RegistrationTask.objects.create(
        station=estate.station, community=community_a, estate=estate, subject="card:1234",
        first_seen_at=now, last_seen_at=now, days_seen=3, window_days=14, assignee=bob,
    )  # fmt: skip
    version = services.record_version(task)
    check = {"task": task.pk, "version": version, "action": "dismiss", "reason": "快递员,非住户"}
    assert sync(bob, "registration_check", check).state == "applied"
    task.refresh_from_db()
    assert task.status == "dismissed"
    # A second phone checked the same task offline: it changed meanwhile — shown, not overwritten.
    assert sync(bob, "registration_check", check).state == "conflict"
    bad = sync(bob, "registration_check", {"task": task.pk, "action": "maybe"})
    assert bad.state in ("refused", "conflict")


def test_an_auxiliary_officer_registers_at_the_gate_by_id_number_once(frozen, station, community_a):
    """The phone knows the ID card shown at the gate, not the registry's record: the person is
    registered (or found) by the number, the task closed; a replay changes nothing; a task the desk
    dismissed meanwhile is a conflict that says what it is now."""
    from fengqiao.estates.models import Estate, RegistrationTask
    from fengqiao.registry.models import Person
    from tests.factories import UserFactory

    aux = UserFactory(role="auxiliary", station=station, full_name="辅警小王")
    community_a.officers.add(aux)
    estate = Estate.objects.create(station=station, community=community_a, name="江湾壹号")
    now = timezone.now()

    def task(subject):
        return RegistrationTask.objects.create(
            station=station, community=community_a, estate=estate, subject=subject,
            first_seen_at=now, last_seen_at=now, days_seen=3, window_days=14,
        )  # fmt: skip

    first, second = task("card:5678"), task("card:9999")
    check = {
        "task": first.pk,
        "version": services.record_version(first),
        "action": "register",
        "id_number": "511123199001011230",
        "name": "李租户",
        "phone": "13900002222",
        "category": "floating",
        "inflow_reason": "work",
    }
    cid = uuid.uuid4()
    done = sync(aux, "registration_check", check, cid)
    assert done.state == "applied", done.result
    assert sync(aux, "registration_check", check, cid).result == done.result
    first.refresh_from_db()
    person = Person.objects.get(id_number="511123199001011230")
    assert first.status == "registered" and first.person == person
    assert Person.objects.count() == 1

    # The phone loaded the second task; meanwhile the desk dismissed it.
    version = services.record_version(second)
    from fengqiao.estates.services import task_dismiss

    desk = UserFactory(role="station_leader", station=station)
    task_dismiss(actor=desk, task=second, reason="物业确认为访客")
    clash = sync(
        aux,
        "registration_check",
        {**check, "task": second.pk, "version": version, "id_number": "511123199001011230"},
    )
    assert clash.state == "conflict" and clash.result["current"]["status"] == "已排除"
    second.refresh_from_db()
    assert second.status == "dismissed" and second.person is None
