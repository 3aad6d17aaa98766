"""API tokens: hashed at rest, shown once, expiring, revocable by the owner and by an administrator."""

import datetime as dt
from types import SimpleNamespace

import time_machine
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from fengqiao.accounts import services
from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import ApiToken
from fengqiao.core.models import ObjectChange
from tests.factories import UserFactory

PERSONS = "/api/registry/persons/"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _get(key, url=PERSONS):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(url)


def test_only_the_hash_of_a_key_is_stored(bob):
    token, key = services.token_issue(actor=bob, name="脚本")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.key_hash == services.token_hash(key) and key.startswith(stored.prefix)
    assert _get(key).status_code == 200
    change = ObjectChange.objects.filter(
        object_id=token.pk, object_repr__contains=stored.prefix
    ).get()
    assert "key_hash" not in change.after


def test_an_expired_token_gets_401_with_a_reason(bob, settings):
    with time_machine.travel(T0, tick=False):
        _token, key = services.token_issue(actor=bob, days=30)
        assert _get(key).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(days=30, seconds=1), tick=False):
        response = _get(key)
    assert response.status_code == 401 and "已过期" in response.json()["detail"]


def test_default_expiry_comes_from_the_setting(bob, settings):
    settings.API_TOKEN_DAYS = 7
    with time_machine.travel(T0, tick=False):
        token, _key = services.token_issue(actor=bob)
    assert token.expires_at == T0 + dt.timedelta(days=7)


def test_a_revoked_token_gets_401(bob):
    token, key = services.token_issue(actor=bob)
    assert services.token_revoke(actor=bob, token=token)
    response = _get(key)
    assert response.status_code == 401 and "已撤销" in response.json()["detail"]


def test_an_unknown_or_disabled_users_token_gets_401(bob):
    assert _get("fq_not-a-real-key").status_code == 401
    _token, key = services.token_issue(actor=bob)
    bob.is_active = False
    bob.save()
    assert _get(key).status_code == 401


def test_use_is_noted_at_most_once_a_minute_without_writing_the_change_log(bob):
    with time_machine.travel(T0, tick=False):
        token, key = services.token_issue(actor=bob)
        logged = ObjectChange.objects.count()
        _get(key)
        _get(key)
    token.refresh_from_db()
    assert token.last_used_at == T0
    assert ObjectChange.objects.count() == logged


def test_token_page_shows_the_key_once_and_lists_tokens(bob_client, bob):
    response = bob_client.post("/accounts/me/token/", {"name": "值班脚本", "days": "30"})
    body = response.content.decode()
    token = ApiToken.objects.get(user=bob)
    key = body.split('id="api-token-key">')[1].split("<")[0]
    assert services.token_hash(key) == token.key_hash
    page = bob_client.get("/accounts/me/token/").content.decode()
    assert key not in page and "值班脚本" in page and token.prefix in page and "从未使用" in page


def test_token_page_refuses_a_life_above_the_maximum(bob_client, bob, settings):
    settings.API_TOKEN_MAX_DAYS = 90
    response = bob_client.post("/accounts/me/token/", {"name": "", "days": "400"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_owner_revokes_from_the_page(bob_client, bob):
    token, key = services.token_issue(actor=bob)
    bob_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == bob
    assert _get(key).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, login, bob, alice):
    token, _key = services.token_issue(actor=alice)
    login(client, bob)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_station_administrator_lists_and_revokes_the_stations_tokens(
    client, login, bob, charlie, station
):
    admin = UserFactory(role=Role.ADMIN, station=station)
    mine, key = services.token_issue(actor=bob, name="巡逻终端")
    theirs, _ = services.token_issue(actor=charlie, name="另一所")
    login(client, admin)
    page = client.get("/accounts/tokens/").content.decode()
    assert "巡逻终端" in page and "另一所" not in page
    client.post(f"/accounts/tokens/{mine.pk}/revoke/", {"back": "all"})
    assert _get(key).status_code == 401
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404


def test_superuser_revokes_anyones_token(client, login, charlie):
    root = UserFactory(role=Role.ADMIN, station=None, is_superuser=True)
    token, key = services.token_issue(actor=charlie)
    login(client, root)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert _get(key).status_code == 401


def test_only_administrators_see_every_token(bob_client):
    assert bob_client.get("/accounts/tokens/").status_code == 403


def test_token_page_needs_the_second_factor_when_enabled(client, login, bob):
    bob.totp_enabled = True
    bob.save()
    login(client, bob)
    response = client.post("/accounts/me/token/", {"name": "x", "days": "30"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_createtoken_prints_a_working_key_and_revoke_ends_them_all(bob, capsys):
    call_command("createtoken", "bob", "--name", "同步")
    first = capsys.readouterr().out.strip()
    call_command("createtoken", "bob")
    second = capsys.readouterr().out.strip()
    assert first != second and _get(first).status_code == 200 and _get(second).status_code == 200
    call_command("createtoken", "bob", "--revoke")
    assert _get(first).status_code == 401 and _get(second).status_code == 401


def test_migration_hashes_old_plaintext_tokens_and_drops_them(station):
    """A database upgraded from DRF's authtoken: each old key keeps working, only its hash is kept."""
    import importlib

    migration = importlib.import_module("fengqiao.accounts.migrations.0003_api_tokens_hashed")
    from django.apps import apps

    user = UserFactory(station=station, role=Role.COMMUNITY_OFFICER)
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, user_id bigint, created timestamp with time zone)'
            if connection.vendor == "postgresql"
            else 'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, user_id bigint, created datetime)'
        )
        cursor.execute(
            'INSERT INTO authtoken_token ("key", user_id, created) VALUES (%s, %s, %s)',
            [old_key, user.pk, T0],
        )
    # The migration's schema editor, minus the atomic block SQLite's own refuses inside a test transaction.
    editor = SimpleNamespace(
        connection=connection, execute=lambda sql: connection.cursor().execute(sql)
    )
    migration.hash_plaintext_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == services.token_hash(old_key) and token.prefix == old_key[:4]
    assert _get(old_key).status_code == 200
