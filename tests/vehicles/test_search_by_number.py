"""Searching vehicles by the owner's phone or ID number is a search of people by number: counted
against the same limits, recorded in the personal-data view log, and only by the number forms the
user's role may search by (issue 19: no enumeration of hidden digits through the vehicle list)."""

import pytest
from django.urls import reverse

from fengqiao.core.models import PersonalDataAccess
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_owner_number_search_is_recorded(alice_client, vehicle, owner):
    page = alice_client.get(reverse("vehicles:vehicle_list"), {"q": owner.phone})
    assert vehicle.plate in page.content.decode()
    row = PersonalDataAccess.objects.get(channel="vehicle-search")
    assert row.object_id == owner.pk and owner.phone not in row.purpose


def test_owner_number_search_is_limited(alice_client, vehicle, owner, settings):
    settings.NUMBER_SEARCH_LIMIT = 2
    for _ in range(2):
        alice_client.get(reverse("vehicles:vehicle_list"), {"q": owner.phone})
    page = alice_client.get(reverse("vehicles:vehicle_list"), {"q": owner.phone}).content.decode()
    assert "过于频繁" in page and vehicle.plate not in page
    api = alice_client.get("/api/vehicles/", {"q": owner.phone})
    assert api.status_code == 429


def test_a_role_without_the_need_cannot_probe_hidden_digits(client, login, station, vehicle, owner):
    auditor = UserFactory(role="auditor", station=station)
    login(client, auditor)
    middle = owner.phone[2:6]  # "9000": hidden digits of 139****1111 (not in the IMEI or the plate)
    page = client.get(reverse("vehicles:vehicle_list"), {"q": middle}).content.decode()
    assert vehicle.plate not in page
