"""Row-level security, the second wall (issue 23; core/rls.py). PostgreSQL only.

Each test runs as the application role (tests/rls.py): not the owner, not a superuser, no
BYPASSRLS. They bypass the ORM's scoping on purpose (raw SQL, `Model.objects.all()`) and must
still see and touch no row of another station.
"""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from fengqiao.accounts.choices import Role
from fengqiao.core import rls
from fengqiao.registry.models import Community, Person
from tests.factories import (
    BureauFactory,
    CommunityFactory,
    PersonFactory,
    StationFactory,
    UserFactory,
)
from tests.rls import APP_ROLE, as_app_role, ensure_app_role

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security: PostgreSQL"),
]


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def two_stations(db):
    home, away = StationFactory(), StationFactory()
    PersonFactory(community=CommunityFactory(station=home))
    PersonFactory(community=CommunityFactory(station=away))
    return home, away


def test_every_station_table_is_behind_the_policy(db):
    tables = rls.station_tables(apps.get_models())
    assert len(tables) >= 60
    rows = dict(
        (name, (enabled, forced))
        for name, enabled, forced in _raw(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
            " WHERE relname = ANY(%s) AND relkind IN ('r', 'p')",
            [[t for t, _ in tables]],
        )
    )
    policies = {
        name
        for (name,) in _raw(
            "SELECT tablename FROM pg_policies WHERE policyname = 'fengqiao_station'"
        )
    }
    missing = [t for t, _ in tables if rows.get(t) != (True, True) or t not in policies]
    assert missing == [], f"tables with a station but no policy (add a migration): {missing}"


def test_every_table_reached_through_a_station_owned_parent_is_behind_the_policy(db):
    children = [table for table, *_ in rls.child_tables(apps.get_models())]
    assert {"tracking_position", "disputes_disputeparty", "cases_caseparty"} <= set(children)
    rows = {
        name: (enabled, forced)
        for name, enabled, forced in _raw(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
            " WHERE relname = ANY(%s) AND relkind IN ('r', 'p')",
            [children],
        )
    }
    policies = {
        name
        for (name,) in _raw(
            "SELECT tablename FROM pg_policies WHERE policyname = 'fengqiao_station'"
        )
    }
    missing = [t for t in children if rows.get(t) != (True, True) or t not in policies]
    assert missing == [], f"tables reached through a station's row with no policy: {missing}"


def test_rows_reached_through_a_parent_follow_the_parents_station(db):
    """A device's positions, unscoped and in raw SQL: only those of the station's devices."""
    from tests.tracking.factories import DeviceFactory, PositionFactory

    home, away = StationFactory(), StationFactory()
    mine = PositionFactory(device=DeviceFactory(station=home))
    theirs = PositionFactory(device=DeviceFactory(station=away))
    with as_app_role(), rls.scoped(str(home.pk)):
        assert {d for (d,) in _raw("SELECT device_id FROM tracking_position")} == {mine.device_id}
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tracking_position WHERE device_id = %s", [theirs.device_id])
            assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            PositionFactory(device=theirs.device)


def test_the_app_role_is_neither_owner_nor_superuser(db):
    ensure_app_role(connection.settings_dict, connection.settings_dict["NAME"])
    ((superuser, bypass),) = _raw(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [APP_ROLE]
    )
    assert (superuser, bypass) == (False, False)
    owners = {
        owner
        for (owner,) in _raw(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename LIKE 'registry_%%'"
        )
    }
    assert APP_ROLE not in owners


def test_raw_sql_and_unscoped_querysets_see_only_the_stations_set(two_stations):
    home, away = two_stations
    with as_app_role():
        with rls.scoped(str(home.pk)):
            assert {s for (s,) in _raw("SELECT station_id FROM registry_person")} == {home.pk}
            assert set(Community.objects.values_list("station_id", flat=True)) == {home.pk}
            assert not Person.objects.filter(station=away).exists()
            assert _raw("SELECT current_user")[0][0] == APP_ROLE
        with rls.scoped(rls.for_stations([home.pk, away.pk])):
            assert set(Person.objects.values_list("station_id", flat=True)) == {home.pk, away.pk}
        with rls.system():
            assert Person.objects.count() == 2


def test_unset_means_no_rows(two_stations):
    with as_app_role(), rls.scoped(""):
        assert Person.objects.count() == 0
        assert _raw("SELECT count(*) FROM registry_community") == [(0,)]
        # and not even a setting left from before: the policy reads it as NULL or ''
        assert _raw("SELECT coalesce(current_setting('fengqiao.stations', true), '')") == [("",)]


def test_writes_to_another_stations_rows_are_refused(two_stations):
    home, away = two_stations
    theirs = Community.objects.get(station=away)
    mine = Community.objects.get(station=home)
    with as_app_role(), rls.scoped(str(home.pk)):
        # update and delete of a row it cannot see touch nothing
        assert Community.objects.filter(pk=theirs.pk).update(name="改名") == 0
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM registry_person WHERE station_id = %s", [away.pk])
            assert cursor.rowcount == 0
        # inserting a row of another station, or moving one's own row there, is refused
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Community.objects.create(station=away, name="越权社区")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Community.objects.filter(pk=mine.pk).update(station=away)
    theirs.refresh_from_db()
    assert theirs.name != "改名"
    assert Person.objects.filter(station=away).count() == 1


def test_a_request_carries_its_users_stations(two_stations):
    """The middleware: a station's user their station, a county user their bureau's stations, an
    administrator all, nobody signed in none — whatever the view forgets to filter."""
    from django.contrib.auth.models import AnonymousUser

    home, away = two_stations
    elsewhere = StationFactory(bureau=BureauFactory(code="511100", name="别的县局"))
    PersonFactory(community=CommunityFactory(station=elsewhere))
    seen = {}

    def view(request):
        seen["stations"] = set(Person.objects.values_list("station_id", flat=True))  # unscoped
        from django.http import HttpResponse

        return HttpResponse("ok")

    middleware = rls.StationScopeMiddleware(view)
    officer = UserFactory(role=Role.COMMUNITY_OFFICER, station=home)
    county = UserFactory(role=Role.BUREAU, station=None, bureau=home.bureau)
    admin = UserFactory(role=Role.ADMIN, station=home)
    cases = [
        (officer, {home.pk}),
        (county, {home.pk, away.pk}),
        (admin, {home.pk, away.pk, elsewhere.pk}),
        (AnonymousUser(), set()),
    ]
    with as_app_role():
        for user, expected in cases:
            request = RequestFactory().get("/")
            request.user = user
            middleware(request)
            assert seen["stations"] == expected, user


@pytest.mark.django_db(transaction=True)
def test_autocommit_queries_set_the_scope_per_transaction_and_leave_nothing_behind():
    """Outside a transaction each query runs in a short one that sets the scope (SET LOCAL): the
    server connection keeps no setting, as PgBouncer in transaction mode needs."""
    home, away = StationFactory(), StationFactory()
    CommunityFactory(station=home)
    CommunityFactory(station=away)
    ensure_app_role(connection.settings_dict, connection.settings_dict["NAME"])
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=APP_ROLE, PASSWORD="")
    try:
        assert connection.get_autocommit()
        with rls.scoped(str(home.pk)):
            assert set(Community.objects.values_list("station_id", flat=True)) == {home.pk}
            assert _raw("SELECT current_user") == [(APP_ROLE,)]
        with rls.scoped(""):
            assert _raw("SELECT coalesce(current_setting('fengqiao.stations', true), '')") == [
                ("",)
            ]
            assert Community.objects.count() == 0
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def test_a_streamed_response_reads_with_its_users_stations(two_stations):
    """Server-sent events stream after the middleware has returned: still the user's scope."""
    from django.http import StreamingHttpResponse

    home, _away = two_stations

    def view(request):
        def chunks():
            for _ in range(2):
                yield ",".join(
                    str(s) for s in sorted(set(Person.objects.values_list("station_id", flat=True)))
                )

        return StreamingHttpResponse(chunks())

    request = RequestFactory().get("/")
    request.user = UserFactory(role=Role.COMMUNITY_OFFICER, station=home)
    with as_app_role():
        response = rls.StationScopeMiddleware(view)(request)
        with rls.scoped(""):  # whatever runs around the stream
            assert [c.decode() for c in response.streaming_content] == [str(home.pk)] * 2


def test_a_failed_request_leaves_none_of_its_writes(two_stations):
    from django.http import HttpResponseServerError

    home, _away = two_stations

    def view(request):
        CommunityFactory(station=home, name="写了一半")
        return HttpResponseServerError("boom")

    request = RequestFactory().get("/")
    request.user = UserFactory(role=Role.STATION_LEADER, station=home)
    rls.StationScopeMiddleware(view)(request)
    assert not Community.objects.filter(name="写了一半").exists()


def test_an_address_search_under_the_policy_reads_the_users_stations_by_index(two_stations):
    """LIKE is not leakproof: under the policy alone PostgreSQL must read every address of the county
    (the trigram index may not run before the policy). The search also names the policy's stations
    as a plain condition, so an index bounds the read (registry/selectors._rls_stations)."""
    from django.test.utils import CaptureQueriesContext

    from fengqiao.registry import selectors

    home, _away = two_stations
    with as_app_role(), rls.scoped(str(home.pk)):
        with CaptureQueriesContext(connection) as captured:
            selectors._addresses_containing("西街")
        (sql,) = [q["sql"] for q in captured.captured_queries if "registry_address" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET LOCAL enable_seqscan = on")
    assert "Seq Scan on registry_address" not in plan, plan
