"""Every route of every app, walked from the URL configuration: nothing is open to an anonymous visitor
except the few public pages, and no page crashes on an id that does not exist.

New views are covered the moment they are routed: a view that forgets `@login_required` fails here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

# Pages anyone may open (the sign-in page, the language switch, health checks, the favicon).
PUBLIC = {
    "/accounts/login/",
    "/healthz",
    "/favicon.ico",
    "/i18n/setlang/",
    # The field app's shell (docs/field.md): the manifest, the service worker and the offline page
    # hold no one's data; a browser fetches the manifest without credentials.
    "/field/manifest.webmanifest",
    "/field/sw.js",
    "/field/offline/",
}
# The residents' pages of the registration desk (booking, cancellation, rating): public by design,
# narrow, rate-limited (src/fengqiao/desk/public_views.py; tests/desk/test_public.py).
PUBLIC_PREFIX = "/public/"
SAMPLE = {
    "int": "999999",
    "slug": "x",
    "str": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _piece(pattern) -> str | None:
    """One level of a route as a concrete path piece (None: a DRF format-suffix twin, skipped)."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        if "format" in text:
            return None
        text = text.lstrip("^").rstrip("$")
        text = re.sub(r"\(\?P<\w+>[^)]*\)", SAMPLE["int"], text)
        return text.replace("\\", "")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), text)


def _walk(patterns, prefix=""):
    for entry in patterns:
        piece = _piece(entry.pattern)
        if piece is None:
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + piece


def all_urls():
    return sorted({u for u in _walk(get_resolver().url_patterns) if not u.startswith("/static/")})


URLS = all_urls()
WEB = [
    u
    for u in URLS
    if not u.startswith("/api/") and u not in PUBLIC and not u.startswith(PUBLIC_PREFIX)
]
PUBLIC_PAGES = [u for u in URLS if u.startswith(PUBLIC_PREFIX)]
API = [u for u in URLS if u.startswith("/api/") and u not in ("/api/schema/", "/api/docs/")]


def test_the_walk_finds_every_app():
    prefixes = {u.split("/")[1] for u in URLS}
    for app in (
        "registry",
        "incidents",
        "disputes",
        "exchange",
        "notifications",
        "accounts",
        "api",
    ):
        assert app in prefixes, app


@pytest.mark.django_db
@pytest.mark.parametrize("url", WEB)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    if response.status_code == 405:
        return  # POST-only: nothing to read
    assert response.status_code == 302, f"{url} answered {response.status_code} without a login"
    assert response["Location"].startswith("/accounts/login/"), response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", API)
def test_the_api_refuses_an_anonymous_client(client, url):
    response = client.get(url)
    assert response.status_code in (401, 403, 405), f"{url} answered {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", WEB)
def test_no_page_crashes_for_a_signed_in_leader(alice_client, url):
    response = alice_client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_public_page_never_crashes_for_an_anonymous_visitor(client, url):
    response = client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    assert response.get("Cache-Control") == "no-store" or response.status_code in (301, 302, 404)
