import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from fengqiao.accounts.roles import TOTP_ROLES

# Reachable before the second factor is passed: signing in and out, the TOTP pages themselves, assets.
_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/totp/",
    "/static/",
    "/i18n/",
    "/healthz",
)


LAST_SEEN_REFRESH_SECONDS = 60


class IdleTimeoutMiddleware:
    """Sign out a browser session that has been idle longer than SESSION_IDLE_MINUTES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and "_auth_user_id" in request.session
        ):
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - int(last) > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                if request.headers.get("HX-Request"):
                    response = redirect(reverse("accounts:login"))
                    response["HX-Redirect"] = reverse("accounts:login") + "?idle=1"
                    return response
                return redirect(reverse("accounts:login") + "?idle=1")
            # Server-sent event streams keep a tab open; they are not activity. The mark is renewed
            # at most once a minute: a page view writes no session row when the last one is recent.
            if not request.path.endswith("/stream/") and (
                last is None or now - int(last) >= LAST_SEEN_REFRESH_SECONDS
            ):
                request.session["last_seen"] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """A user with TOTP on must pass it before anything else; leaders must enrol when required."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and "_auth_user_id" in request.session
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            if user.totp_enabled and not request.session.get("totp_ok"):
                return redirect("accounts:totp_verify")
            if (
                settings.REQUIRE_TOTP_FOR_LEADERS
                and user.role in TOTP_ROLES
                and not user.totp_enabled
            ):
                return redirect("accounts:totp_setup")
        return self.get_response(request)
