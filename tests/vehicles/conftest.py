import importlib

import pytest
from django.apps import apps

from fengqiao.accounts.choices import Role
from tests.factories import PersonFactory, UserFactory
from tests.vehicles.factories import tracked_vehicle


@pytest.fixture(autouse=True)
def _incident_categories(request):
    """The 刑事/盗窃 category and the 盗窃罪 offence come from data migrations; a transaction=True
    test's flush erases them."""
    if "transactional_db" in request.fixturenames or (
        (m := request.node.get_closest_marker("django_db")) and m.kwargs.get("transaction")
    ):
        request.getfixturevalue("transactional_db")
        importlib.import_module(
            "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
        ).load_defaults(apps)
        importlib.import_module(
            "fengqiao.cases.migrations.0002_offence_types_and_rules"
        ).load_defaults(apps)


@pytest.fixture
def owner(community_a):
    return PersonFactory(
        community=community_a, station=community_a.station, name="徐明", phone="13900001111"
    )


@pytest.fixture
def vehicle(owner):
    return tracked_vehicle(owner=owner, plate="川L12345")


@pytest.fixture
def vehicle_b(community_b):
    """A vehicle of community B (bob may read it, not act on it)."""
    person = PersonFactory(community=community_b, station=community_b.station, name="东街车主")
    return tracked_vehicle(owner=person, plate="川L54321")


@pytest.fixture
def commander(station):
    return UserFactory(
        username="dora", full_name="指挥员", role=Role.COMMAND, station=station, phone="13700000000"
    )
