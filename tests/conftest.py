"""Shared fixtures: the three-user scoping matrix (alice / bob / charlie) and logged-in clients."""

import pytest

from fengqiao.accounts.choices import Role
from tests.browser import _playwright, browser, page  # noqa: F401  (fixtures)
from tests.factories import PASSWORD, CommunityFactory, StationFactory, UserFactory


@pytest.fixture
def station(db):
    return StationFactory(name="玉津派出所", code="511123-YJ")


@pytest.fixture
def other_station(db):
    return StationFactory(name="清溪派出所", code="511123-QX")


@pytest.fixture
def community_a(station):
    return CommunityFactory(station=station, name="西街社区")


@pytest.fixture
def community_b(station):
    return CommunityFactory(station=station, name="东街社区")


@pytest.fixture
def alice(station):
    """Station leader of 玉津派出所."""
    return UserFactory(username="alice", full_name="艾丽", role=Role.STATION_LEADER, station=station)


@pytest.fixture
def bob(station, community_a):
    """Community officer of 西街社区 (community A) at 玉津派出所."""
    user = UserFactory(username="bob", full_name="鲍勃", role=Role.COMMUNITY_OFFICER, station=station)
    community_a.officers.add(user)
    return user


@pytest.fixture
def charlie(other_station):
    """Community officer of another station."""
    return UserFactory(username="charlie", full_name="查理", role=Role.COMMUNITY_OFFICER, station=other_station)


@pytest.fixture
def rules_admin(station):
    """A system administrator: time-limit rules apply to every station, so administrators (not station leaders) edit them."""
    return UserFactory(username="rules_admin", full_name="管理员", role=Role.ADMIN, station=station)


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def login():
    return _login


@pytest.fixture
def alice_client(client, alice):
    return _login(client, alice)


@pytest.fixture
def bob_client(client, bob):
    return _login(client, bob)


@pytest.fixture
def charlie_client(client, charlie):
    return _login(client, charlie)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _time_limit_rules(request):
    """The default time-limit rules come from a data migration; a transaction=True test's flush
    erases them. Put them back for every test that uses the database (one query when present)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db:
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
    from fengqiao.core.services import rules_load_defaults

    rules_load_defaults()
