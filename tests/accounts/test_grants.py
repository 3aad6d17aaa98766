"""Attack: privilege escalation through the staff pages (issue 19, item 2).

The cases are generated from the grant table (accounts/roles.py GRANTS): every role an actor may
not grant is forged into the web form (a POST with a value the form never offered) and into the
service, and must leave the account as it was. There is no staff-management API: accounts are
written only by these pages and the management commands (test_no_api_route_writes_accounts)."""

import pytest
from django.core.exceptions import PermissionDenied

from fengqiao.accounts import services
from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import GRANTS, grantable_roles, may_grant
from fengqiao.core.models import ObjectChange
from tests.factories import BureauFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db
LEADER_DENIED = sorted(set(Role.values) - GRANTS[Role.STATION_LEADER][0])
BUREAU_DENIED = sorted(set(Role.values) - GRANTS[Role.BUREAU][0])
FORM = {"full_name": "鲍勃", "rank": "police", "is_active": "on"}
NEW = {**FORM, "username": "newbie", "password": "Yujin-Newbie-2026", "full_name": "新人"}


@pytest.fixture
def county(station):
    """A bureau user of 犍为 (the county of `station` and `other_station`)."""
    return UserFactory(username="county", role=Role.BUREAU, station=None, bureau=station.bureau)


@pytest.fixture
def far_station(db):
    return StationFactory(
        name="外县派出所", code="519999-WX", bureau=BureauFactory(code="519999", name="外县公安局")
    )


def _user_changes(user):
    from django.contrib.contenttypes.models import ContentType

    return ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=user.pk, action="update"
    )


def test_the_table_gives_a_leader_only_the_stations_own_roles():
    assert {Role.BUREAU, Role.ADMIN, Role.AUDITOR, Role.INSPECTOR, Role.STATION_LEADER} <= set(
        LEADER_DENIED
    )
    assert {Role.BUREAU, Role.ADMIN, Role.AUDITOR} <= set(BUREAU_DENIED)
    assert Role.STATION_LEADER not in BUREAU_DENIED
    assert set(GRANTS[Role.ADMIN][0]) == set(Role.values)


def test_the_form_offers_only_grantable_roles(alice_client, alice, bob):
    for url in ("/accounts/staff/new/", f"/accounts/staff/{bob.pk}/"):
        html = alice_client.get(url).content.decode()
        offered = {v for v in Role.values if f'value="{v}"' in html}
        assert offered == set(grantable_roles(alice)), url


@pytest.mark.parametrize("role", LEADER_DENIED)
def test_leader_cannot_create_an_account_with_a_forged_role(alice_client, alice, role):
    response = alice_client.post("/accounts/staff/new/", {**NEW, "role": role})
    assert response.status_code in (200, 403)
    assert not User.objects.filter(username="newbie").exists()
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=alice,
            username="newbie2",
            password=NEW["password"],
            full_name="新人",
            role=role,
            station=alice.station,
        )
    assert not User.objects.filter(username="newbie2").exists()


@pytest.mark.parametrize("role", LEADER_DENIED)
def test_leader_cannot_promote_to_a_forged_role(alice_client, alice, bob, role):
    response = alice_client.post(f"/accounts/staff/{bob.pk}/", {**FORM, "role": role})
    assert response.status_code in (200, 403)
    bob.refresh_from_db()
    assert bob.role == Role.COMMUNITY_OFFICER
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=alice, user=bob, role=role)
    bob.refresh_from_db()
    assert bob.role == Role.COMMUNITY_OFFICER
    assert not _user_changes(bob).exists()


@pytest.mark.parametrize("role", LEADER_DENIED)
def test_leader_cannot_touch_an_account_with_a_role_they_cannot_grant(
    alice_client, alice, station, role
):
    high = UserFactory(
        username="high",
        role=role,
        station=station,
        bureau=station.bureau if role == Role.BUREAU else None,
    )
    before = (high.role, high.full_name, high.password, high.is_active)
    url = f"/accounts/staff/{high.pk}/"
    assert alice_client.get(url).status_code == 403
    assert alice_client.post(url, {**FORM, "role": Role.MEDIATOR}).status_code == 403
    assert (
        alice_client.post(
            url + "password/", {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026"}
        ).status_code
        == 403
    )
    assert alice_client.post(url + "unlock/").status_code == 403
    high.refresh_from_db()
    assert (high.role, high.full_name, high.password, high.is_active) == before
    for call in (
        lambda: services.staff_update(actor=alice, user=high, is_active=False),
        lambda: services.staff_set_password(actor=alice, user=high, password="Taken-Over-2026"),
        lambda: services.staff_unlock(actor=alice, user=high),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_leader_cannot_raise_their_own_role(alice_client, alice):
    for role in Role.values:
        if role == Role.STATION_LEADER:
            continue
        alice_client.post(
            f"/accounts/staff/{alice.pk}/", {**FORM, "full_name": "艾丽", "role": role}
        )
        with pytest.raises(PermissionDenied):
            services.staff_update(actor=alice, user=alice, role=role)
    alice.refresh_from_db()
    assert alice.role == Role.STATION_LEADER and not alice.is_superuser


def test_leader_may_still_edit_their_own_phone(alice_client, alice):
    response = alice_client.post(
        f"/accounts/staff/{alice.pk}/",
        {**FORM, "full_name": "艾丽", "role": Role.STATION_LEADER, "phone": "13800002222"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.phone == "13800002222"


def test_nobody_but_a_superuser_moves_an_account_or_sets_flags(alice, bob, county, other_station):
    for actor in (alice, county):
        for fields in (
            {"station": other_station},
            {"is_superuser": True},
            {"is_staff": True},
            {"bureau": other_station.bureau},
        ):
            with pytest.raises(PermissionDenied):
                services.staff_update(actor=actor, user=bob, **fields)
    bob.refresh_from_db()
    assert bob.station_id == alice.station_id and not bob.is_superuser and not bob.is_staff


@pytest.mark.parametrize("role", BUREAU_DENIED)
def test_bureau_cannot_grant_what_the_table_refuses(client, login, county, bob, role):
    login(client, county)
    client.post(f"/accounts/staff/{bob.pk}/", {**FORM, "role": role})
    bob.refresh_from_db()
    assert bob.role == Role.COMMUNITY_OFFICER
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=county, user=bob, role=role)
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=county,
            username="nb",
            password=NEW["password"],
            full_name="新人",
            role=role,
            station=bob.station,
        )


def test_bureau_grants_a_station_leader_in_its_county_only(client, login, county, bob, far_station):
    login(client, county)
    response = client.post(f"/accounts/staff/{bob.pk}/", {**FORM, "role": Role.STATION_LEADER})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.STATION_LEADER
    far = UserFactory(username="far", station=far_station)
    assert (
        client.post(f"/accounts/staff/{far.pk}/", {**FORM, "role": Role.STATION_LEADER}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=county, user=far, role=Role.STATION_LEADER)
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=county,
            username="nb",
            password=NEW["password"],
            full_name="新人",
            role=Role.MEDIATOR,
            station=far_station,
        )
    far.refresh_from_db()
    assert far.role == Role.COMMUNITY_OFFICER


def test_every_combination_follows_the_table(
    alice, county, rules_admin, station, other_station, far_station
):
    """The service's answer for each (actor, role, station) is the table's answer."""
    for actor in (alice, county, rules_admin):
        for target_station in (station, other_station, far_station):
            for role in Role.values:
                expected = may_grant(actor, role, target_station)
                kind, where = GRANTS[actor.role]
                in_reach = {
                    "station": target_station.pk == actor.station_id,
                    "bureau": target_station.bureau_id == actor.bureau_id,
                }[where]
                assert expected == (role in kind and in_reach), (
                    actor.role,
                    role,
                    target_station.name,
                )


def test_a_grant_is_in_the_change_log_with_who_before_and_after(alice_client, alice, bob):
    response = alice_client.post(f"/accounts/staff/{bob.pk}/", {**FORM, "role": Role.CASE_MANAGER})
    assert response.status_code == 302
    change = _user_changes(bob).latest("time")
    assert (change.before["role"], change.after["role"]) == (
        Role.COMMUNITY_OFFICER,
        Role.CASE_MANAGER,
    )
    assert change.user_id == alice.pk and change.time is not None


def test_no_api_route_writes_accounts():
    """Accounts have no API: a new one must go through accounts.services and be added to these tests."""
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p

    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            module = getattr(pattern.callback, "__module__", "")
            assert "accounts" not in module and "user" not in route.lower(), route
