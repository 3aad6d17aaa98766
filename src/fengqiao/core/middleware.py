from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from django.conf import settings

from fengqiao.core import context
from fengqiao.core.clientaddr import request_from_trusted_proxy

# What a proxy's request id may look like (nginx's $request_id is 32 hex digits, a UUID 36 characters);
# the change log's column holds 36.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,35}")


class RequestIdMiddleware:
    """Give every request an id and echo it back.

    The id goes into the change log, so a client must not choose it (to blend its writes into someone
    else's request, or to write junk into the log): X-Request-ID is kept only from a trusted proxy
    (TRUSTED_PROXIES) and only when it looks like an id; otherwise a new UUID is made.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        if incoming and _REQUEST_ID.fullmatch(incoming) and request_from_trusted_proxy(request):
            request.request_id = incoming
        else:
            request.request_id = str(uuid.uuid4())
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


def push_sources(push_url: str) -> list[str]:
    """CSP sources for the push tier when pages reach it on another origin: a full URL, or ":port"
    (the demo: same host, the push process's port)."""
    if push_url.startswith(":"):
        port = push_url[1:].split("/", 1)[0]
        return [f"http://*:{port}", f"https://*:{port}"] if port.isdigit() else []
    if push_url.startswith(("http://", "https://")):
        parts = urlsplit(push_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    return []


def content_security_policy() -> str:
    img = ["'self'", "data:"]
    tile_url = getattr(settings, "MAP_TILE_URL", "")
    if tile_url.startswith(("http://", "https://")):  # a path is the app's own tiles: 'self'
        parts = urlsplit(tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
        img.append(f"{parts.scheme}://{host}")
    connect = ["'self'", *push_sources(getattr(settings, "PUSH_URL", ""))]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(img)}",
            f"connect-src {' '.join(connect)}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline script or style) and related headers on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = content_security_policy()
        self.push_url = getattr(settings, "PUSH_URL", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.push_url != getattr(settings, "PUSH_URL", ""):  # a test that moves the push tier
            self.push_url, self.csp = getattr(settings, "PUSH_URL", ""), content_security_policy()
        if request.path.startswith("/api/docs"):
            # Swagger UI (split view: its bootstrap script is a separate file) still sets inline styles.
            response.setdefault(
                "Content-Security-Policy",
                self.csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
            )
        else:
            response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        return response


class CurrentActorMiddleware:
    """Make the signed-in user and the request id known to the change log for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        source = "api" if request.path.startswith("/api/") else "web"
        with context.acting_as(
            user, source=source, request_id=getattr(request, "request_id", None)
        ):
            return self.get_response(request)


NUL_MESSAGE = "请求中含有空字符(NUL),无法处理;请删除后重试"


class RejectNulMiddleware:
    """Refuse a request whose query string, form fields or JSON body hold a NUL character (400).

    PostgreSQL cannot store or compare text with NUL (`?q=%00` was a 500 on every list), and no
    honest input carries one; refusing it here, once, covers every list, form, filter and API
    endpoint. The API answers JSON, a page a short Chinese message.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return bad_input_response(request, NUL_MESSAGE)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        if any("\x00" in key or "\x00" in value for key, value in _pairs(request.GET)):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in key or "\x00" in value for key, value in _pairs(request.POST))
        if content_type.endswith("json"):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False


def _pairs(querydict):
    for key, values in querydict.lists():
        for value in values:
            yield key, value if isinstance(value, str) else ""


def bad_input_response(request, message: str):
    from django.http import HttpResponseBadRequest, JsonResponse

    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
