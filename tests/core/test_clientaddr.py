"""The client's address behind trusted proxies, and the request id taken only from them."""

import pytest
from django.test import RequestFactory

from fengqiao.core.clientaddr import client_ip, is_trusted_proxy
from fengqiao.core.models import ObjectChange


def _request(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "::1"]


@pytest.mark.parametrize(
    "peer, forwarded, expected",
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # untrusted peer: its header is ignored
        ("127.0.0.1", None, "127.0.0.1"),  # the proxy itself, no header
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # left-most hop is client-written
        ("127.0.0.1", "198.51.100.7, 10.1.2.3", "198.51.100.7"),  # a second trusted hop is skipped
        ("127.0.0.1", "10.9.9.9, 10.1.2.3", "10.9.9.9"),  # all trusted: the left-most one
        ("127.0.0.1", "198.51.100.7, junk", "127.0.0.1"),  # garbled: nothing left of it is believed
        ("::1", "2001:db8::5", "2001:db8::5"),
        ("::ffff:127.0.0.1", "198.51.100.7", "198.51.100.7"),  # IPv4 mapped into IPv6
    ],
)
def test_client_ip(proxies, peer, forwarded, expected):
    assert client_ip(_request(peer, forwarded)) == expected


def test_nothing_is_trusted_by_default(settings):
    settings.TRUSTED_PROXIES = []
    assert not is_trusted_proxy("127.0.0.1")
    assert client_ip(_request("127.0.0.1", "198.51.100.7")) == "127.0.0.1"


def test_a_bad_trusted_proxy_entry_stops_the_settings(monkeypatch):
    import importlib

    import fengqiao.env as env
    import fengqiao.settings as shipped

    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1,nginx.local")
    with pytest.raises(env.ImproperEnv, match="TRUSTED_PROXIES"):
        importlib.reload(shipped)
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(shipped)


def test_request_id_from_a_client_is_not_stored_in_the_change_log(
    client, alice, community_a, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    response = client.get(
        "/accounts/login/", HTTP_X_REQUEST_ID="forged-id-1", REMOTE_ADDR="203.0.113.9"
    )
    assert response["X-Request-ID"] != "forged-id-1" and len(response["X-Request-ID"]) == 36
    client.force_login(alice)
    from tests.factories import PersonFactory

    person = PersonFactory(community=community_a)
    client.patch(
        f"/api/registry/persons/{person.pk}/",
        {"note": "走访"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="forged-id-1",
        REMOTE_ADDR="203.0.113.9",
    )
    change = ObjectChange.objects.filter(object_id=person.pk, action="update").get()
    assert change.request_id != "forged-id-1" and len(change.request_id) == 36


def test_request_id_from_the_trusted_proxy_is_kept(client, alice, community_a, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    client.force_login(alice)
    from tests.factories import PersonFactory

    person = PersonFactory(community=community_a)
    client.patch(
        f"/api/registry/persons/{person.pk}/",
        {"note": "走访"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f",
        REMOTE_ADDR="10.0.0.2",
    )
    change = ObjectChange.objects.filter(object_id=person.pk, action="update").get()
    assert change.request_id == "0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f"


@pytest.mark.parametrize(
    "bad", ["x" * 37, "id with spaces", "<script>", "../../etc", "-leading-dash"]
)
def test_request_id_of_a_bad_shape_is_replaced_even_from_the_proxy(client, db, settings, bad):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=bad, REMOTE_ADDR="10.0.0.2")
    assert response["X-Request-ID"] != bad and len(response["X-Request-ID"]) == 36
