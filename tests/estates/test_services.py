"""Registration tasks, terminals' health, credentials, movements and the change log."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.core.audit import history_for
from fengqiao.core.models import Clock, PersonalDataAccess
from fengqiao.estates import rules, selectors, services
from fengqiao.estates.choices import TaskStatus
from fengqiao.estates.models import AccessDevice, AccessEvent, DeviceAlarm, RegistrationTask
from fengqiao.notifications.models import Notification
from tests.estates import factories
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(gate):
    return factories.device(gate)


def test_rules_regular_and_offline():
    now = dt.datetime(2026, 5, 14, 4, tzinfo=dt.UTC)
    days = [dt.date(2026, 5, d) for d in (1, 5, 14)]
    assert rules.is_regular(days, now=now, min_days=3, window_days=14)
    assert not rules.is_regular(days, now=now, min_days=3, window_days=13)
    assert not rules.is_regular(days[:2] + days[:2], now=now, min_days=3, window_days=14)
    assert rules.is_offline(None, now=now, minutes=10)
    assert not rules.is_offline(now - dt.timedelta(minutes=9), now=now, minutes=10)
    assert rules.window_start(now, 1) == dt.datetime(2026, 5, 13, 16, tzinfo=dt.UTC)


def test_unregistered_credential_on_three_days_becomes_a_task_for_the_community_officer(
    dev, bob, estate
):
    factories.events(dev, subject="900", days=(0, 4, 9))
    factories.events(dev, subject="901", days=(0, 1))  # two days: not yet
    assert services.tasks_detect() == 1
    task = RegistrationTask.objects.get()
    assert (task.subject, task.days_seen, task.window_days, task.assignee) == ("900", 3, 14, bob)
    clock = Clock.objects.get(object_id=task.pk, kind=services.CLOCK_KIND)
    assert task.due_at == clock.due_at and clock.assignee == bob
    assert Notification.objects.filter(recipient=bob, kind="estate_registration_task").count() == 1
    assert services.tasks_detect() == 0  # one open task per credential
    assert task.events.get().kind == "created"


def test_passes_outside_the_window_or_refused_or_of_residents_do_not_count(dev, estate, bob):
    person = PersonFactory(community=estate.community, station=estate.station)
    factories.events(dev, subject="902", days=(0, 15, 20))
    factories.events(dev, subject="903", days=(0, 1, 2), granted=False)
    factories.events(dev, subject="904", days=(0, 1, 2), person=person)
    assert services.tasks_detect() == 0


def test_thresholds_are_configurable_per_estate_and_globally(dev, estate, bob, settings):
    factories.events(dev, subject="905", days=(0, 1))
    settings.ESTATE_UNREGISTERED_DAYS = 2
    assert services.tasks_detect() == 1
    estate.unregistered_days = 5
    estate.save()
    factories.events(dev, subject="906", days=(0, 1, 2))
    assert services.tasks_detect() == 0


def test_register_links_the_credential_and_the_events_and_stops_the_clock(dev, estate, bob):
    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    task = RegistrationTask.objects.get()
    person = PersonFactory(community=estate.community, station=estate.station)
    services.task_register(actor=bob, task=task, person=person)
    task.refresh_from_db()
    assert (
        task.status == TaskStatus.REGISTERED
        and task.person == person
        and task.credential.person == person
    )
    assert set(AccessEvent.objects.values_list("person_id", flat=True)) == {person.pk}
    assert Clock.objects.get(object_id=task.pk, kind=services.CLOCK_KIND).state == "met"
    assert [e.kind for e in task.events.all()] == ["created", "registered"]
    assert history_for(task).filter(action="update").exists()
    with pytest.raises(ValidationError, match="已办结"):
        services.task_register(actor=bob, task=task, person=person)


def test_dismiss_needs_a_reason_and_is_not_raised_again_within_the_window(dev, bob):
    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    task = RegistrationTask.objects.get()
    with pytest.raises(ValidationError, match="理由"):
        services.task_dismiss(actor=bob, task=task, reason=" ")
    services.task_dismiss(actor=bob, task=task, reason="物业保洁员,临时卡")
    assert RegistrationTask.objects.get().status == TaskStatus.DISMISSED
    assert services.tasks_detect() == 0


def test_only_the_communitys_officer_or_a_leader_acts_on_a_task(
    dev, bob, alice, charlie, community_b
):
    from tests.factories import UserFactory

    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    task = RegistrationTask.objects.get()
    other_officer = UserFactory(username="eve", role="community_officer", station=alice.station)
    community_b.officers.add(other_officer)
    for user in (charlie, other_officer):
        with pytest.raises(PermissionDenied):
            services.task_dismiss(actor=user, task=task, reason="不是本社区")
    services.task_dismiss(actor=alice, task=task, reason="所领导核实:访客")


def test_offline_terminal_raises_one_alarm_to_the_community_officer_and_clears(dev, bob):
    AccessDevice.objects.filter(pk=dev.pk).update(
        last_seen_at=timezone.now() - dt.timedelta(minutes=30)
    )
    assert services.devices_health_sweep() == {"offline": 1, "back_online": 0}
    assert services.devices_health_sweep() == {"offline": 0, "back_online": 0}
    alarm = DeviceAlarm.objects.get()
    assert Notification.objects.filter(recipient=bob, kind="estate_device_offline").count() == 1
    assert [a["kind"] for a in selectors.open_alarms(bob)] == ["device_offline"]
    AccessDevice.objects.filter(pk=dev.pk).update(last_seen_at=timezone.now())
    assert services.devices_health_sweep() == {"offline": 0, "back_online": 1}
    alarm.refresh_from_db()
    assert alarm.ended_at is not None and selectors.open_alarms(bob) == []


def test_open_alarms_lists_overdue_tasks_and_is_scoped(dev, bob, charlie):
    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    RegistrationTask.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))
    [item] = selectors.open_alarms(bob)
    assert (
        item["kind"] == "task_overdue"
        and item["level"] == "red"
        and item["url"].startswith("/estates/tasks/")
    )
    assert selectors.open_alarms(charlie) == []


def test_credential_with_a_person_links_past_events_and_closes_the_task(dev, estate, bob):
    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    person = PersonFactory(community=estate.community, station=estate.station)
    credential = services.credential_create(
        actor=bob, estate=estate, holder_no="900", person=person
    )
    assert AccessEvent.objects.filter(person=person, credential=credential).count() == 3
    assert RegistrationTask.objects.get().status == TaskStatus.REGISTERED
    with pytest.raises(ValidationError, match="已有编号"):
        services.credential_create(actor=bob, estate=estate, holder_no="900")
    assert history_for(credential).filter(action="create").exists()


def test_credential_refuses_another_stations_person(estate, bob, other_station):
    stranger = PersonFactory(station=other_station)
    with pytest.raises(ValidationError, match="本所"):
        services.credential_create(actor=bob, estate=estate, holder_no="77", person=stranger)


def test_movements_need_a_reason_and_are_recorded(dev, estate, bob):
    with pytest.raises(ValidationError, match="事由"):
        services.movements_record(actor=bob, estate=estate, subject="900", reason="")
    access = services.movements_record(
        actor=bob, estate=estate, subject="900", reason="核查可疑人员"
    )
    assert (access.purpose, access.fields, access.user) == ("核查可疑人员", ["movements"], bob)
    assert PersonalDataAccess.objects.count() == 1


def test_device_assign_backfills_pending_events(gate, alice, estate):
    pending = AccessDevice.objects.create(vendor="zkteco", identifier="SN1", status="pending")
    AccessEvent.objects.create(device=pending, occurred_at=timezone.now(), day=timezone.localdate(), received_at=timezone.now(),
                               credential_type="face", granted=True, subject="1", holder_no="1", key="k1")  # fmt: skip
    services.device_assign(actor=alice, device=pending, gate=gate)
    assert AccessEvent.objects.get().estate_id == estate.pk
    assert history_for(AccessDevice.objects.get()).filter(action="update").exists()


def test_retention_purges_in_batches(dev, settings):
    from fengqiao.estates.retention import purge_events

    factories.events(dev, subject="1", days=(0, 31, 32, 40))
    assert purge_events(batch_size=100, pause=0) == 3
    assert AccessEvent.objects.count() == 1
    settings.ESTATE_EVENT_RETENTION_DAYS = 1
    factories.events(dev, subject="2", days=(3,))
    assert purge_events(batch_size=100, pause=0) == 1


def test_event_search_filters_and_validation(dev, bob, charlie):
    factories.events(dev, subject="900", days=(0, 1))
    factories.events(dev, subject="901", days=(0,), granted=False)
    assert selectors.event_search(bob, {"subject": "900"}).count() == 2
    assert selectors.event_search(bob, {"result": "refused"}).count() == 1
    assert selectors.event_search(charlie, {}).count() == 0
    with pytest.raises(ValidationError):
        selectors.event_search(bob, {"from": "yesterday"})
    with pytest.raises(ValidationError):
        selectors.event_search(bob, {"from": "2026-05-02", "to": "2026-05-01"})
    assert selectors.capped_count(selectors.event_search(bob, {}), cap=2) == (2, True)
