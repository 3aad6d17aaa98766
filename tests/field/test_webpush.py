"""Web Push: a dispatch reaches the officer's phone through a push service — encrypted for that phone
(RFC 8291), signed with the installation's VAPID key (RFC 8292) — with the masked phone only.
The push service here is a real HTTP server on loopback; the test decrypts what it received with the
phone's own key."""

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fengqiao.field import tasks, webpush
from fengqiao.field.models import PushSubscription

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushService:
    def __init__(self, status=201):
        self.received, service = [], self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append((self.headers, body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/push/abc"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def phone_keys():
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, b64(public), b64(os.urandom(16))


@pytest.fixture(autouse=True)
def _vapid_file(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY_FILE = str(tmp_path / "vapid.pem")


def test_a_dispatch_reaches_the_phone_encrypted_and_signed(dispatched, patrol, phone_keys):
    private, p256dh, auth = phone_keys
    service = PushService()
    try:
        PushSubscription.objects.create(user=patrol, endpoint=service.url, p256dh=p256dh, auth=auth)
        assert tasks.send_dispatch_push.call_local(dispatched.pk, [patrol.pk]) == 1
        headers, body = service.received[0]
    finally:
        service.close()
    assert headers["Content-Encoding"] == "aes128gcm" and int(headers["TTL"]) > 0
    assert headers["Authorization"].startswith("vapid t=")
    assert webpush.public_key() in headers["Authorization"]
    message = json.loads(
        http_ece.decrypt(
            body,
            private_key=private,
            auth_secret=base64.urlsafe_b64decode(auth + "=="),
            version="aes128gcm",
        )
    )
    assert message["title"] == f"派警 {dispatched.reference}"
    assert "138****5678" in message["body"] and "13812345678" not in json.dumps(message)
    assert message["url"] == f"/field/incidents/{dispatched.pk}/"
    # The key pair is made once and kept private.
    assert oct(os.stat(webpush._key_path()).st_mode & 0o777) == "0o600"


def test_a_gone_subscription_is_dropped(dispatched, patrol, phone_keys):
    _private, p256dh, auth = phone_keys
    service = PushService(status=410)
    try:
        PushSubscription.objects.create(user=patrol, endpoint=service.url, p256dh=p256dh, auth=auth)
        assert tasks.send_dispatch_push.call_local(dispatched.pk, [patrol.pk]) == 0
    finally:
        service.close()
    assert not PushSubscription.objects.exists()


def test_dispatch_publishes_the_event_the_push_listens_to(
    frozen, station, duty, patrol, community_a, monkeypatch, django_capture_on_commit_callbacks
):
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_dispatch, incident_receive

    sent = []
    monkeypatch.setattr(tasks, "send_dispatch_push", lambda i, o: sent.append((i, o)))
    incident = incident_receive(
        actor=duty, station=station, category=IncidentCategory.objects.get(code="JF-LL"),
        location="西街12号", community=community_a,
    )  # fmt: skip
    import datetime as dt

    frozen.shift(dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    assert sent == [(incident.pk, [patrol.pk])]


def test_subscribe_validates_and_belongs_to_the_user(patrol, client, login):
    login(client, patrol)
    assert client.get("/field/push/key/").json()["key"]
    bad = client.post("/field/push/subscribe/", "{}", content_type="application/json")
    assert bad.status_code == 400
    plain = {"endpoint": "http://evil.example/x", "keys": {"p256dh": "a", "auth": "b"}}
    assert (
        client.post(
            "/field/push/subscribe/", json.dumps(plain), content_type="application/json"
        ).status_code
        == 400
    )
    good = {"endpoint": "https://push.example/x", "keys": {"p256dh": "a", "auth": "b"}}
    assert (
        client.post(
            "/field/push/subscribe/", json.dumps(good), content_type="application/json"
        ).status_code
        == 200
    )
    assert PushSubscription.objects.get().user == patrol
    client.post("/field/push/unsubscribe/", json.dumps(good), content_type="application/json")
    assert not PushSubscription.objects.exists()
