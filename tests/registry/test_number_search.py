"""Exact-number search brute force (issue 19): a search of people by an ID number or a phone (full or
partial) is recorded in the personal-data view log and rate-limited per user — on the API (429), the
person list page (a message), the pickers and the phone → person look-up. A day's ordinary work is
not refused."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from fengqiao.accounts.choices import Role
from fengqiao.core.models import PersonalDataAccess
from tests.factories import CommunityFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

# A fixed working day (the suite passes on any date): 08:00 Beijing time.
MORNING = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def desk(settings):
    settings.NUMBER_SEARCH_LIMIT = 3
    settings.NUMBER_SEARCH_WINDOW_SECONDS = 300
    settings.NUMBER_SEARCH_DAILY_LIMIT = 400
    community = CommunityFactory()
    user = UserFactory(role=Role.DUTY_OFFICER, station=community.station)
    person = PersonFactory(community=community)
    return user, person


def _searches(channel):
    return PersonalDataAccess.objects.filter(channel=channel)


def test_the_api_refuses_the_n_plus_first_number_search_and_logs_it(desk):
    user, person = desk
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(MORNING, tick=False):
        for _ in range(3):
            response = api.get("/api/registry/persons/", {"q": person.phone})
            assert response.status_code == 200
            assert [row["id"] for row in response.json()["results"]] == [person.pk]
        seen = _searches("api-search")
        assert seen.count() == 3
        assert set(seen.values_list("object_id", flat=True)) == {person.pk}
        assert seen.first().fields == ["phone"]
        assert person.phone not in seen.first().purpose  # the number is logged masked
        refused = api.get("/api/registry/persons/", {"q": person.id_number})
    assert refused.status_code == 429
    assert "频繁" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert _searches("api-search").filter(object_id=0, object_repr__contains="拒绝").count() == 1
    # A name search is neither counted nor logged, even past the limit.
    with time_machine.travel(MORNING, tick=False):
        assert api.get("/api/registry/persons/", {"q": person.name}).status_code == 200
    # The window passes: numbers are searched again.
    with time_machine.travel(MORNING + dt.timedelta(minutes=6), tick=False):
        assert api.get("/api/registry/persons/", {"q": person.id_number}).status_code == 200
    assert _searches("api-search").filter(fields=["id_number"], object_id=person.pk).exists()


def test_the_person_page_refuses_with_a_message_and_a_miss_is_logged(desk):
    user, person = desk
    client = Client()
    client.force_login(user)
    with time_machine.travel(MORNING, tick=False):
        for tail in ("13900000001", "13900000002", "13900000003"):
            assert client.get("/registry/persons/", {"q": tail}).status_code == 200
        misses = _searches("search").filter(object_id=0)
        assert misses.count() == 3 and "无结果" in misses.first().object_repr
        page = client.get("/registry/persons/", {"q": person.phone})
    assert page.status_code == 200
    text = page.content.decode()
    assert "检索过于频繁" in text
    assert person.name not in text
    assert not _searches("search").filter(object_id=person.pk).exists()


def test_the_pickers_and_the_phone_lookup_are_counted_too(desk):
    user, person = desk
    client = Client()
    client.force_login(user)
    with time_machine.travel(MORNING, tick=False):
        assert (
            client.get("/incidents/lookup/phone/", {"caller_phone": person.phone}).status_code
            == 200
        )
        assert _searches("search").filter(object_id=person.pk, fields=["phone"]).count() == 1
        options = client.get("/registry/options/person/", {"q": person.phone})
        assert options.status_code == 200 and options.json()["results"]
        lookup = client.get("/disputes/lookup/person/", {"row": "0", "party-0-q": person.phone})
        assert lookup.status_code == 200
        assert _searches("search").count() == 3
        refused = client.get("/incidents/lookup/phone/", {"caller_phone": person.phone})
        assert "检索过于频繁" in refused.content.decode()
        assert person.name not in refused.content.decode()
        assert client.get("/registry/options/person/", {"q": person.phone}).status_code == 429
        refused = client.get("/disputes/lookup/person/", {"row": "0", "party-0-q": person.phone})
        assert "检索过于频繁" in refused.content.decode()


def test_a_days_ordinary_searches_are_not_refused(settings):
    """Defaults: a desk officer's day — a number search every five minutes for eight hours (96), in
    bursts of five within a minute, plus name searches — is never refused."""
    community = CommunityFactory()
    user = UserFactory(role=Role.DUTY_OFFICER, station=community.station)
    person = PersonFactory(community=community)
    api = APIClient()
    api.force_authenticate(user)
    for minute in range(0, 8 * 60, 5):
        with time_machine.travel(MORNING + dt.timedelta(minutes=minute), tick=False):
            queries = [person.phone] if minute % 60 else [person.phone] * 5
            for q in [*queries, person.name]:
                assert api.get("/api/registry/persons/", {"q": q}).status_code == 200
    assert _searches("api-search").count() == 96 + 4 * 8


def test_an_export_by_number_is_counted_once_and_refused_past_the_limit(desk):
    user, person = desk
    client = Client()
    client.force_login(user)
    with time_machine.travel(MORNING, tick=False):
        for _ in range(3):
            response = client.get("/exchange/export/persons/", {"q": person.phone})
            assert response.status_code == 200
        assert _searches("export-search").filter(object_id=person.pk).count() == 3
        refused = client.get("/exchange/export/persons/", {"q": person.phone}, follow=True)
    assert refused.redirect_chain[-1][0].endswith("/registry/persons/")
    assert "检索过于频繁" in refused.content.decode()
