"""Outside channels behind one interface: email, a generic JSON webhook, an HTTP SMS gateway.

A channel knows the address of a recipient (`address_for`) and sends one notification to it
(`send`), returning a `SendResult` or raising `ChannelError` with the response code when there is
one. Retries, backoff and the attempt log are the caller's (services.delivery_attempt).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail

from fengqiao.notifications.choices import Channel as ChannelName


@dataclass(frozen=True)
class SendResult:
    response_code: int | None = None


class ChannelError(Exception):
    def __init__(self, message: str, response_code: int | None = None):
        super().__init__(message)
        self.response_code = response_code


def _absolute(url: str) -> str:
    if url and url.startswith("/") and settings.NOTIFY_SITE_URL:
        return settings.NOTIFY_SITE_URL + url
    return url


def _http(method: str, url: str, *, data: bytes | None, headers: dict[str, str]) -> SendResult:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:  # noqa: S310 (configured URL)
            response.read(65536)
            return SendResult(response_code=response.status)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        raise ChannelError(
            f"HTTP {exc.code} {exc.reason} {detail}".strip(), response_code=exc.code
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc


class BaseChannel:
    name: str

    def enabled(self) -> bool:
        raise NotImplementedError

    def address_for(self, user) -> str:
        """Where this channel reaches the user ('' when it cannot)."""
        raise NotImplementedError

    def send(self, notification, address: str) -> SendResult:
        raise NotImplementedError


class EmailChannel(BaseChannel):
    name = ChannelName.EMAIL

    def enabled(self) -> bool:
        return settings.NOTIFY_EMAIL_ENABLED

    def address_for(self, user) -> str:
        return user.email or ""

    def send(self, notification, address: str) -> SendResult:
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{_absolute(notification.url)}".strip()
        try:
            send_mail(f"[枫桥] {notification.title}", body, None, [address], fail_silently=False)
        except Exception as exc:  # SMTP errors come in many classes
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        return SendResult()


class WebhookChannel(BaseChannel):
    """POST the notification as JSON; with a secret, `X-Fengqiao-Signature: sha256=<hex HMAC of the body>`."""

    name = ChannelName.WEBHOOK

    def enabled(self) -> bool:
        return bool(settings.NOTIFY_WEBHOOK_URL)

    def address_for(self, user) -> str:
        return settings.NOTIFY_WEBHOOK_URL

    @staticmethod
    def payload(notification) -> dict:
        recipient = notification.recipient
        return {
            "id": notification.pk,
            "kind": notification.kind,
            "level": notification.level,
            "urgent": notification.urgent,
            "title": notification.title,
            "body": notification.body,
            "url": _absolute(notification.url),
            "created_at": notification.created_at.isoformat(),
            "recipient": {"username": recipient.username, "name": recipient.display_name},
        }

    def send(self, notification, address: str) -> SendResult:
        data = json.dumps(self.payload(notification), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "fengqiao-notify",
        }
        if settings.NOTIFY_WEBHOOK_SECRET:
            digest = hmac.new(
                settings.NOTIFY_WEBHOOK_SECRET.encode(), data, hashlib.sha256
            ).hexdigest()
            headers["X-Fengqiao-Signature"] = f"sha256={digest}"
        return _http("POST", address, data=data, headers=headers)


def parse_field_map(spec: str) -> dict[str, str]:
    """'phone=mobile,text=content,sign=sign' → {'phone': 'mobile', ...}; our names: phone, text, sign."""
    mapping = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        ours, _, theirs = part.partition("=")
        ours, theirs = ours.strip(), (theirs.strip() or ours.strip())
        if ours not in {"phone", "text", "sign"}:
            raise ValueError(f"SMS_GATEWAY_FIELDS: unknown field {ours!r} (use phone, text, sign)")
        mapping[ours] = theirs
    return mapping


class SmsGatewayChannel(BaseChannel):
    """An HTTP SMS gateway: POST (JSON or form) or GET with the fields named by SMS_GATEWAY_FIELDS.

    SMS_GATEWAY_URL may hold {phone}, {text}, {sign} placeholders (URL-encoded) for GET gateways;
    SMS_GATEWAY_TOKEN goes in `Authorization: Bearer <token>`. Any 2xx response counts as sent.
    """

    name = ChannelName.SMS

    def enabled(self) -> bool:
        return bool(settings.SMS_GATEWAY_URL)

    def address_for(self, user) -> str:
        return (user.phone or "").strip()

    @staticmethod
    def text(notification) -> str:
        text = notification.title
        if notification.body:
            text = f"{text}：{notification.body}"
        return text[:300]

    def send(self, notification, address: str) -> SendResult:
        values = {
            "phone": address,
            "text": self.text(notification),
            "sign": settings.SMS_GATEWAY_SIGN,
        }
        fields = {
            theirs: values[ours]
            for ours, theirs in parse_field_map(settings.SMS_GATEWAY_FIELDS).items()
        }
        url = settings.SMS_GATEWAY_URL.format(
            **{k: urllib.parse.quote(v) for k, v in values.items()}
        )
        headers = {"User-Agent": "fengqiao-notify"}
        if settings.SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
        if settings.SMS_GATEWAY_METHOD == "GET":
            if fields:
                url += ("&" if "?" in url else "?") + urllib.parse.urlencode(fields)
            return _http("GET", url, data=None, headers=headers)
        if settings.SMS_GATEWAY_FORMAT == "form":
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
            data = urllib.parse.urlencode(fields).encode("utf-8")
        else:
            headers["Content-Type"] = "application/json; charset=utf-8"
            data = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        return _http("POST", url, data=data, headers=headers)


CHANNELS: dict[str, BaseChannel] = {
    c.name: c for c in (EmailChannel(), WebhookChannel(), SmsGatewayChannel())
}


def get(name: str) -> BaseChannel:
    return CHANNELS[name]


def routing() -> dict[str, str | None]:
    """Enabled channels → the lowest level each carries (from settings)."""
    minimums = {
        ChannelName.EMAIL: settings.NOTIFY_EMAIL_MIN_LEVEL,
        ChannelName.WEBHOOK: settings.NOTIFY_WEBHOOK_MIN_LEVEL,
        ChannelName.SMS: settings.SMS_MIN_LEVEL,
    }
    return {name: minimums[name] for name, channel in CHANNELS.items() if channel.enabled()}
