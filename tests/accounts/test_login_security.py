import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings

from fengqiao.accounts import services
from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import LoginAttempt
from tests.factories import PASSWORD, UserFactory


def _post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_production_password_hasher_is_argon2():
    # The test suite swaps in a fast hasher; the shipped settings must hash with Argon2 first.
    from fengqiao import settings as shipped

    assert shipped.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_user_create_stores_an_argon2_hash(settings, station):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = services.user_create(
        actor=None,
        username="newcop",
        password="Yujin-Station-2026!",
        full_name="新民警",
        role=Role.DUTY_OFFICER,
        station=station,
    )
    assert user.password.startswith("argon2$")


def test_user_create_refuses_a_weak_password(station):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_create(
            actor=None,
            username="weak",
            password="123456",
            full_name="弱",
            role=Role.AUXILIARY,
            station=station,
        )


def test_wrong_password_shows_a_chinese_error_and_is_recorded(client, alice):
    response = _post_login(client, "alice", "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.content.decode()
    assert LoginAttempt.objects.filter(username="alice", succeeded=False).count() == 1


def test_account_locks_after_repeated_failures_even_with_the_right_password(client, alice):
    for _ in range(django_settings.LOGIN_MAX_FAILURES):
        _post_login(client, "alice", "wrong-password")
    response = _post_login(client, "alice", PASSWORD)
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_expires_after_the_lockout_window(client, alice):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(django_settings.LOGIN_MAX_FAILURES):
            _post_login(client, "alice", "wrong-password")
    later = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(
        minutes=django_settings.LOGIN_LOCKOUT_MINUTES + 1
    )
    with time_machine.travel(later, tick=False):
        response = _post_login(client, "alice", PASSWORD)
        assert response.status_code == 302
        assert client.session.get("_auth_user_id") == str(alice.pk)


def test_failures_for_one_user_do_not_lock_another(client, alice, bob):
    for _ in range(django_settings.LOGIN_MAX_FAILURES):
        _post_login(client, "alice", "wrong-password")
    assert _post_login(client, "bob", PASSWORD).status_code == 302


def test_login_redirect_refuses_another_host(client, alice):
    response = client.post(
        "/accounts/login/?next=https://evil.example/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_idle_session_is_signed_out(client, alice, settings):
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        assert client.get("/").status_code == 200
    with time_machine.travel(
        start + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1), tick=False
    ):
        assert client.get("/").status_code == 200
    with time_machine.travel(
        start + dt.timedelta(minutes=2 * settings.SESSION_IDLE_MINUTES), tick=False
    ):
        response = client.get("/")
    assert response.status_code == 302
    assert "idle=1" in response["Location"]


def test_pages_require_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_needs_post(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
    assert alice_client.post("/accounts/logout/").status_code == 302
    assert alice_client.get("/").status_code == 302


def test_csrf_is_enforced_on_login(db, alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_security_headers_on_every_page(alice_client):
    response = alice_client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


def test_no_inline_script_or_style_in_the_shell(alice_client):
    body = alice_client.get("/").content.decode()
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert " style=" not in body
    assert not re.search(r"\son[a-z]+=", body)


class TestSecondFactor:
    def test_leader_enrols_totp_and_is_then_asked_for_it(self, client, alice):
        import pyotp

        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        page = client.get("/accounts/totp/setup/")
        assert page.status_code == 200
        secret = client.session["totp_pending"]
        wrong = client.post("/accounts/totp/setup/", {"code": "000000"})
        assert "动态口令不正确" in wrong.content.decode()
        ok = client.post("/accounts/totp/setup/", {"code": pyotp.TOTP(secret).now()})
        assert ok.status_code == 302
        alice.refresh_from_db()
        assert alice.totp_enabled

        client.post("/accounts/logout/")
        response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        assert response["Location"] == "/accounts/totp/"
        assert client.get("/").status_code == 302  # nothing else until the code is given
        assert client.post("/accounts/totp/", {"code": "123"}).status_code == 400
        response = client.post("/accounts/totp/", {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        assert client.get("/").status_code == 200

    def test_profile_and_token_pages_wait_for_the_second_factor(self, client, alice):
        alice.totp_secret, alice.totp_enabled = "JBSWY3DPEHPK3PXP", True
        alice.save()
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        for path in ("/accounts/me/", "/accounts/me/token/", "/accounts/staff/"):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"] == "/accounts/totp/", path

    def test_required_totp_sends_an_unenrolled_leader_to_setup(self, client, alice, settings):
        settings.REQUIRE_TOTP_FOR_LEADERS = True
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/accounts/totp/setup/"

    def test_required_totp_does_not_bother_other_roles(self, client, bob, settings):
        settings.REQUIRE_TOTP_FOR_LEADERS = True
        client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
        assert client.get("/").status_code == 200


def test_user_station_sets_its_bureau(station):
    user = UserFactory(station=station, role=Role.DUTY_OFFICER)
    assert user.bureau_id == station.bureau_id
