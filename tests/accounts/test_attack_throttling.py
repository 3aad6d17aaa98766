"""Attack tests (issue 19): password guessing behind the station's proxy, forged X-Forwarded-For, and
TOTP codes guessed by brute force. Each performs the attack and fails if the defence is gone."""

import datetime as dt

import pyotp
import pytest
import time_machine
from django.conf import settings as django_settings

from fengqiao.accounts.models import LoginAttempt
from tests.factories import PASSWORD

NGINX = "10.0.0.2"  # the station's reverse proxy
CLIENT_A = "192.168.5.11"  # an officer's PC (or an attacker) inside the station network
CLIENT_B = "192.168.5.12"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def _login(client, username, password, *, peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _address_limit():
    return django_settings.LOGIN_MAX_FAILURES * 4


def test_behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another(client, bob, settings):
    settings.TRUSTED_PROXIES = [NGINX]
    for n in range(_address_limit()):  # 20 wrong passwords for 20 names: the address limit
        _login(client, f"guess{n}", "wrong-password", peer=NGINX, forwarded=CLIENT_A)
    locked = _login(client, "bob", PASSWORD, peer=NGINX, forwarded=CLIENT_A)
    assert "已暂时锁定" in locked.content.decode()
    assert LoginAttempt.objects.filter(ip_address=CLIENT_A).count() == _address_limit()
    response = _login(client, "bob", PASSWORD, peer=NGINX, forwarded=f"{CLIENT_B}")
    assert response.status_code == 302, "client B was locked out by client A's failures"


def test_without_trusting_the_proxy_everyone_shares_its_address(client, bob, settings):
    """What the defence is for: with TRUSTED_PROXIES empty the proxy's address is everyone's."""
    settings.TRUSTED_PROXIES = []
    for n in range(_address_limit()):
        _login(client, f"guess{n}", "wrong-password", peer=NGINX, forwarded=CLIENT_A)
    response = _login(client, "bob", PASSWORD, peer=NGINX, forwarded=CLIENT_B)
    assert "已暂时锁定" in response.content.decode()


def test_an_untrusted_peers_forged_forwarded_for_is_ignored(client, bob, settings):
    settings.TRUSTED_PROXIES = [NGINX]
    attacker = "203.0.113.9"
    for n in range(_address_limit()):  # a new forged address each time, to escape the address lock
        _login(client, f"guess{n}", "wrong-password", peer=attacker, forwarded=f"198.51.100.{n}")
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {attacker}
    response = _login(client, "bob", PASSWORD, peer=attacker, forwarded="198.51.100.200")
    assert "已暂时锁定" in response.content.decode()


def test_a_forged_hop_before_the_proxy_does_not_replace_the_client(client, bob, settings):
    """The attacker sends X-Forwarded-For itself; nginx appends the real address: the right-most
    untrusted hop is the client, the forged one left of it is ignored."""
    settings.TRUSTED_PROXIES = [NGINX]
    _login(client, "bob", "wrong-password", peer=NGINX, forwarded=f"1.2.3.4, {CLIENT_A}")
    assert LoginAttempt.objects.get().ip_address == CLIENT_A


def _signed_in_with_totp(client, user):
    user.totp_secret, user.totp_enabled = SECRET, True
    user.save()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/accounts/totp/"


def _wrong_code():
    now = pyotp.TOTP(SECRET)
    valid = {now.at(T0 + dt.timedelta(seconds=s)) for s in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def test_totp_codes_cannot_be_guessed_without_limit(client, bob):
    with time_machine.travel(T0, tick=False):
        _signed_in_with_totp(client, bob)
        wrong = _wrong_code()
        for _ in range(django_settings.TOTP_MAX_FAILURES):
            assert client.post("/accounts/totp/", {"code": wrong}).status_code == 400
        right = pyotp.TOTP(SECRET).now()
        response = client.post("/accounts/totp/", {"code": right})
        assert response.status_code == 429
        assert "动态口令错误次数过多,已暂时锁定" in response.content.decode()
        assert client.get("/").status_code == 302  # still nothing past the second factor
    later = T0 + dt.timedelta(minutes=django_settings.LOGIN_LOCKOUT_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        response = client.post("/accounts/totp/", {"code": pyotp.TOTP(SECRET).now()})
        assert response.status_code == 302 and client.get("/").status_code == 200


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(client, bob):
    """Signing in again with the password must not buy more guesses at the code."""
    with time_machine.travel(T0, tick=False):
        _signed_in_with_totp(client, bob)
        wrong = _wrong_code()
        for _ in range(django_settings.TOTP_MAX_FAILURES - 1):
            client.post("/accounts/totp/", {"code": wrong})
        client.post("/accounts/logout/")
        _signed_in_with_totp(client, bob)
        client.post("/accounts/totp/", {"code": wrong})
        response = client.post("/accounts/totp/", {"code": pyotp.TOTP(SECRET).now()})
        assert response.status_code == 429


@pytest.mark.parametrize("lang, text", [("en", "Too many wrong one-time codes")])
def test_totp_lock_message_follows_the_language(client, bob, lang, text):
    from django.utils import translation

    with time_machine.travel(T0, tick=False):
        _signed_in_with_totp(client, bob)
        client.cookies["django_language"] = lang
        for _ in range(django_settings.TOTP_MAX_FAILURES + 1):
            response = client.post("/accounts/totp/", {"code": _wrong_code()})
    translation.deactivate()
    assert text in response.content.decode()
