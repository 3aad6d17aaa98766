"""The one function that records a personal-data view (core.audit, issue 22): every reveal, export
and number search writes its PersonalDataAccess rows through it."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from fengqiao.core import audit, context
from fengqiao.core.models import PersonalDataAccess
from fengqiao.registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_one_row_names_who_what_why_how_and_the_request(alice, community_a):
    person = PersonFactory(community=community_a, station=community_a.station)
    with context.acting_as(alice, request_id="req-1"):
        access = audit.record_personal_data_view(
            actor=alice,
            station_id=person.station_id,
            obj=person,
            fields=["phone"],
            purpose="核查" * 150,
            channel="api",
        )
    access.refresh_from_db()
    assert (access.user, access.user_name, access.station_id) == (
        alice,
        alice.display_name,
        person.station_id,
    )
    assert access.content_type == ContentType.objects.get_for_model(Person)
    assert (access.object_id, access.object_repr) == (person.pk, str(person)[:200])
    assert (access.fields, access.channel, access.request_id) == (["phone"], "api", "req-1")
    assert len(access.purpose) == 200


def test_rows_for_a_record_that_is_not_there_and_in_bulk(alice):
    at = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    rows = [
        audit.personal_data_view_row(
            actor=alice,
            station_id=None,
            model=Person,
            object_id=0,
            object_repr="号码检索(无结果)",
            fields=["id_number"],
            channel="search",
            time=at,
        )
        for _ in range(3)
    ]
    assert PersonalDataAccess.objects.count() == 0  # rows are not saved one by one
    audit.record_personal_data_views(rows)
    saved = PersonalDataAccess.objects.all()
    assert saved.count() == 3
    assert {(a.object_id, a.time, a.channel, a.request_id) for a in saved} == {
        (0, at, "search", "")
    }
