"""The estates API: scoping, reason for one person's movements, tasks, alarms."""

import pytest
from rest_framework.test import APIClient

from fengqiao.core.models import PersonalDataAccess
from fengqiao.estates import services
from fengqiao.estates.models import RegistrationTask
from tests.estates import factories
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def dev(gate):
    return factories.device(gate)


def test_estates_and_today(dev, estate, alice, charlie):
    factories.events(dev, subject="1", days=(0,))
    [row] = api(alice).get("/api/estates/").json()
    assert row["name"] == "百草苑小区" and row["device_count"] == 1
    assert api(alice).get(f"/api/estates/{estate.pk}/today/").json()["total"] == 1
    assert api(charlie).get("/api/estates/").json() == []
    assert api(charlie).get(f"/api/estates/{estate.pk}/").status_code == 404


def test_event_search_with_and_without_reason(dev, estate, bob):
    factories.events(dev, subject="900", days=(0, 1))
    assert api(bob).get("/api/estates/events/", {"estate": estate.pk}).json()["count"] == 2
    response = api(bob).get("/api/estates/events/", {"subject": "900", "estate": estate.pk})
    assert response.status_code == 400
    response = api(bob).get(
        "/api/estates/events/", {"subject": "900", "estate": estate.pk, "reason": "走访核查需要"}
    )
    assert response.status_code == 200 and response.json()["count"] == 2
    assert PersonalDataAccess.objects.get().channel == "api"
    assert api(bob).get("/api/estates/events/", {"direction": "up"}).status_code == 400


def test_tasks_register_dismiss_and_alarms(dev, estate, bob, charlie, community_a):
    factories.events(dev, subject="900", days=(0, 4, 9))
    factories.events(dev, subject="901", days=(0, 4, 9))
    services.tasks_detect()
    t900, t901 = RegistrationTask.objects.order_by("subject")
    assert len(api(bob).get("/api/estates/tasks/").json()) == 2
    assert api(charlie).get(f"/api/estates/tasks/{t900.pk}/").status_code == 404
    person = PersonFactory(community=community_a, station=community_a.station)
    assert (
        api(bob)
        .post(f"/api/estates/tasks/{t900.pk}/register/", {"person": person.pk}, format="json")
        .json()["status"]
        == "registered"
    )
    assert (
        api(bob)
        .post(f"/api/estates/tasks/{t901.pk}/dismiss/", {"reason": "短"}, format="json")
        .status_code
        == 400
    )
    assert (
        api(bob)
        .post(f"/api/estates/tasks/{t901.pk}/dismiss/", {"reason": "亲属短住探亲"}, format="json")
        .status_code
        == 200
    )
    assert api(bob).get("/api/estates/alarms/").json() == []


def test_device_assign_api(alice, gate, charlie):
    from fengqiao.estates.models import AccessDevice

    pending = AccessDevice.objects.create(
        vendor="hikvision", identifier="44:19:b6:00:00:77", status="pending"
    )
    assert (
        api(alice).get("/api/estates/devices/", {"status": "pending"}).json()[0]["identifier"]
        == "44:19:b6:00:00:77"
    )
    assert (
        api(charlie)
        .post(f"/api/estates/devices/{pending.pk}/assign/", {"gate": gate.pk}, format="json")
        .status_code
        == 404
    )
    assert (
        api(alice)
        .post(f"/api/estates/devices/{pending.pk}/assign/", {"gate": gate.pk}, format="json")
        .json()["status"]
        == "active"
    )
