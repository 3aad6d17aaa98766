"""Web Push to officers' phones (RFC 8030 delivery, RFC 8291 aes128gcm encryption, RFC 8292 VAPID).

py-vapid signs the VAPID token and http-ece encrypts the payload — the two pieces pywebpush is built
on, without its aiohttp/requests stack (decision 0010). The VAPID key pair is made on first use into
`FENGQIAO_VAR/vapid_private.pem` (mode 0600), or read from `VAPID_PRIVATE_KEY_FILE`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)
_vapid = None


def _key_path() -> Path:
    return Path(settings.VAPID_PRIVATE_KEY_FILE or (Path(settings.VAR_DIR) / "vapid_private.pem"))


def vapid():
    """The installation's VAPID key (made once, kept)."""
    global _vapid
    from py_vapid import Vapid

    path = _key_path()
    if _vapid is not None and getattr(_vapid, "_path", None) == path:
        return _vapid
    if not path.exists():
        key = Vapid()
        key.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        key.save_key(str(path))
        os.chmod(path, 0o600)
    key = Vapid.from_file(str(path))
    key._path = path
    _vapid = key
    return key


def public_key() -> str:
    """The applicationServerKey a browser subscribes with (uncompressed point, base64url)."""
    from cryptography.hazmat.primitives import serialization

    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def encrypt(payload: bytes, p256dh: str, auth: str) -> bytes:
    import http_ece
    from cryptography.hazmat.primitives.asymmetric import ec

    return http_ece.encrypt(
        payload,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=_b64(p256dh),
        auth_secret=_b64(auth),
        version="aes128gcm",
    )


def send(subscription, message: dict, *, ttl: int = 600, timeout: float = 10) -> int:
    """Deliver one message; returns the push service's status. 404/410: the subscription is gone and
    is deleted; other failures are counted."""
    body = encrypt(
        json.dumps(message, ensure_ascii=False).encode(), subscription.p256dh, subscription.auth
    )
    parts = urlsplit(subscription.endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "sub": settings.VAPID_SUBJECT,
        "exp": int(time.time()) + 12 * 3600,
    }
    headers = dict(vapid().sign(claims))
    headers.update(
        {"TTL": str(ttl), "Content-Encoding": "aes128gcm", "Urgency": "high",
         "Content-Type": "application/octet-stream"}
    )  # fmt: skip
    request = urllib.request.Request(  # noqa: S310 - the push service's URL (https, checked)
        subscription.endpoint, data=body, headers=headers, method="POST"
    )
    try:
        # The endpoint is the push service's https URL the browser gave (checked at subscription).
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        log.warning("web push to %s failed: %s", parts.netloc, exc)
        status = 0
    if status in (404, 410):
        subscription.delete()
    elif 200 <= status < 300:
        subscription.last_sent_at, subscription.failures = timezone.now(), 0
        subscription.save(update_fields=["last_sent_at", "failures"])
    else:
        subscription.failures += 1
        subscription.save(update_fields=["failures"])
    return status


def send_to_users(user_ids, message: dict) -> int:
    from fengqiao.field.models import PushSubscription

    sent = 0
    for sub in PushSubscription.objects.filter(user_id__in=list(user_ids)):
        if 200 <= send(sub, message) < 300:
            sent += 1
    return sent


def dispatch_message(incident) -> dict:
    """What the phone shows for a dispatch: the address and the caller's masked phone, never whole."""
    from django.urls import reverse

    from fengqiao.core.masking import mask_phone

    return {
        "title": f"派警 {incident.reference}",
        "body": " ".join(
            x for x in [incident.location or "", mask_phone(incident.caller_phone)] if x
        ),
        "url": reverse("field:incident", args=[incident.pk]),
        "tag": f"incident-{incident.pk}",
    }
