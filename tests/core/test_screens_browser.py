"""Every page on screen (issue 24): each GET page of the URL configuration that needs no id, and one
detail page per model of the demo data, opened in Chromium at 1440×900 and at 390×844 as the station
leader (pages the leader may not open: as the administrator). A page fails on

- an element with a class no stylesheet of the page defines (the rendered DOM, after its scripts ran;
  landmark classes of tests/roles/test_ui_components.py HOOKS and js-* excepted),
- text running out of its box (scrollWidth > clientWidth on an element with text of its own that
  neither scrolls nor ends in an ellipsis),
- sideways scrolling at the phone size,
- a box instead of a glyph: each character drawn (canvas) in its element's font compared with a
  character no font has (tests/core/screens.js).

Screenshots go to a temporary folder (SCREENSHOT_DIR to choose it), printed at the end; not kept in
the repository. The checks run in the page through Playwright (CDP), which the page's CSP does not
govern. Phone size covers every page; the desktop size too unless SCREENS_DESKTOP_SAMPLE=N keeps every
Nth page (default 1: all), and past SCREENS_BUDGET_SECONDS (180) of walking every third.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.browser import browser_login
from tests.core.test_every_url import PUBLIC, PUBLIC_PREFIX, WEB
from tests.roles.test_ui_components import HOOKS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECKS = (Path(__file__).with_name("screens.js")).read_text(encoding="utf-8")
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
# Not pages: files, feeds, streams and actions that answer GET with something other than a screen.
NOT_PAGES = re.compile(
    r"(\.json|\.geojson|\.csv|\.xlsx|\.pdf|\.png|\.svg|\.m3u8|\.ics|\.txt)$|"
    r"/(export|download|stream|events|feed|poll|logout|setlang|demo-stream|token)/?|"
    r"^/(api|static|healthz|favicon)"
)
# One detail page per model: URL name -> model (app_label.Model). test_every_detail_page_is_listed
# keeps it complete.
DETAIL = {
    "core:rule_detail": "core.TimeLimitRule",
    "core:clock_detail": "core.Clock",
    "registry:person_detail": "registry.Person",
    "registry:house_detail": "registry.House",
    "registry:address_detail": "registry.Address",
    "registry:organisation_detail": "registry.Organisation",
    "registry:community_detail": "registry.Community",
    "registry:liaison_point_detail": "registry.LiaisonPoint",
    "exchange:job_detail": "exchange.ImportJob",
    "exchange:export_detail": "exchange.ExportRecord",
    "incidents:callback_detail": "incidents.Callback",
    "incidents:rectification_detail": "incidents.Rectification",
    "incidents:incident_detail": "incidents.Incident",
    "disputes:dispute_detail": "disputes.Dispute",
    "cases:weekly_detail": "cases.WeeklySummary",
    "cases:case_detail": "cases.Case",
    "antifraud:warning_detail": "antifraud.Warning",
    "antifraud:import_detail": "antifraud.WarningImport",
    "vehicles:vehicle_detail": "vehicles.Vehicle",
    "vehicles:theft_detail": "vehicles.Theft",
    "estates:estate_detail": "estates.Estate",
    "estates:task_detail": "estates.RegistrationTask",
    "command:round_detail": "command.PatrolRound",
    "command:camera_detail": "command.Camera",
    "desk:counter": "desk.Counter",
    "lawstudy:session_detail": "lawstudy.StudySession",
    "reports:scheme_detail": "reports.Scheme",
    "reports:report_detail": "reports.Report",
    "accounts:staff_edit": "accounts.User",
}


def _named_routes(patterns, ns=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _named_routes(
                entry.url_patterns, f"{ns}{entry.namespace}:" if entry.namespace else ns
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{ns}{entry.name}", str(entry.pattern)


def test_every_detail_page_is_listed():
    routes = {
        name
        for name, pattern in _named_routes(get_resolver().url_patterns)
        if name.endswith("_detail") and pattern.endswith("<int:pk>/") and not name.startswith("api")
    }
    assert routes <= set(DETAIL), f"add to DETAIL: {sorted(routes - set(DETAIL))}"


def static_pages() -> list[str]:
    return [
        u
        for u in WEB
        if "999999" not in u
        and "/x/" not in u
        and not u.endswith("/x")
        and u not in PUBLIC
        and not u.startswith(PUBLIC_PREFIX)
        and not NOT_PAGES.search(u)
    ]


def detail_pages(station) -> list[str]:
    from django.apps import apps

    urls = []
    for name, label in DETAIL.items():
        model = apps.get_model(label)
        objects = model._default_manager.order_by("pk")
        if any(f.name == "station" for f in model._meta.fields):
            objects = objects.filter(station=station)
        pk = objects.values_list("pk", flat=True).first()
        if pk is not None:
            try:
                urls.append(reverse(name, args=[pk]))
            except NoReverseMatch:  # pragma: no cover - the table names a route that moved
                pytest.fail(f"{name} does not take a pk")
    return urls


def _user(full_name):
    from fengqiao.accounts.models import User
    from tests.factories import PASSWORD

    user = User.objects.filter(full_name=full_name).order_by("pk").first()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def _problems(result) -> list[str]:
    found = []
    if result["unstyled"]:
        found.append(f"unstyled classes {result['unstyled']}")
    if result["overflow"]:
        found.append(f"text overflow {result['overflow']}")
    if result["boxes"]:
        found.append(f"boxes instead of glyphs {result['boxes']}")
    return found


def _national_tables():
    """The data-migration rows (categories, types, rules, the scheme) an earlier transactional test's
    flush erased: the demo builds on them."""
    from fengqiao.core.services import rules_load_defaults
    from fengqiao.reports import services as report_services
    from tests.reports.conftest import _reload_national_tables

    rules_load_defaults()
    _reload_national_tables()
    report_services.scheme_load_default()


def _open(page, url):
    """The page's response, or None when the address is no screen (a file, or an action that answers
    GET with an empty 405): Chromium then sits on an error page, so the tab is replaced by a new one
    of the same signed-in context."""
    from playwright.sync_api import Error

    try:
        return page.goto(url, wait_until="load"), page
    except Error as exc:
        if "Download is starting" not in str(exc) and "ERR_HTTP_RESPONSE_CODE_FAILURE" not in str(
            exc
        ):
            raise
    context = page.context
    page.close()
    fresh = context.new_page()
    fresh.set_default_timeout(20_000)
    return None, fresh


@pytest.mark.timeout(
    540
)  # one walk of ~130 pages at two sizes (the suite's per-test bound is 180 s)
def test_every_page_on_screen(browser, live_server, settings, tmp_path):
    from fengqiao.command import demostream

    settings.VAR_DIR = (
        tmp_path  # the offline tiles and the demo cameras' stream, as `make demo` has them
    )
    demostream.make(tmp_path / "demo-stream", seconds=4)
    settings.NOTIFY_STREAM_HEARTBEAT_SECONDS = 0.5
    if settings.PUSH_URL == "/push/":
        settings.PUSH_URL = ""
    from fengqiao.accounts.models import Station

    started = time.monotonic()
    _national_tables()
    call_command("demo", "--scale", "200", "--seed", "7", stdout=io.StringIO())
    station = Station.objects.get(code="511123-YJ")
    leader, admin = _user("陈卫东"), _user("付晓东")
    pages = static_pages() + detail_pages(station)
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="fq-screens-"))
    folder.mkdir(parents=True, exist_ok=True)
    sample = max(1, int(os.environ.get("SCREENS_DESKTOP_SAMPLE", "1")))
    # A bound on the walk on a slow machine: past it, the desktop size takes every third page only
    # (the phone size still opens every page).
    budget = float(os.environ.get("SCREENS_BUDGET_SECONDS", "180"))
    loaded = time.monotonic()

    contexts = {}

    def page_for(who, size):
        key = (who.pk, size)
        if key not in contexts:
            width, height = SIZES[size]
            context = browser.new_context(
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport={"width": width, "height": height},
            )
            page = context.new_page()
            page.set_default_timeout(20_000)
            browser_login(page, live_server, who)
            contexts[key] = page
        return contexts[key]

    slowest: list[tuple[float, str]] = []
    known: list[str] = []
    hooks = sorted(HOOKS)
    failures: dict[str, list[str]] = {}
    opened = refused = 0
    try:
        for i, url in enumerate(pages):
            began = time.monotonic()
            every = sample if time.monotonic() - loaded < budget else max(sample, 3)
            sizes = ["phone"] + (["desktop"] if i % every == 0 else [])
            for size in sizes:
                response, contexts[(leader.pk, size)] = _open(
                    page_for(leader, size), live_server.url + url
                )
                page = contexts[(leader.pk, size)]
                if response is not None and response.status == 403:
                    response, contexts[(admin.pk, size)] = _open(
                        page_for(admin, size), live_server.url + url
                    )
                    page = contexts[(admin.pk, size)]
                if response is None or "text/html" not in response.headers.get("content-type", ""):
                    break  # not a screen (the phone pass found out; the desktop pass is skipped)
                if response.status >= 500:
                    failures.setdefault(url, []).append(f"{size}: HTTP {response.status}")
                    break
                refused += response.status == 403
                opened += 1
                page.wait_for_timeout(100)  # charts and maps draw after load
                result = page.evaluate(CHECKS, {"known": known, "hooks": hooks})
                if result.get("fragment"):
                    break  # an htmx partial on its own: no screen
                known.extend(result["checked"])
                problems = _problems(result)
                if size == "phone" and result["hscroll"]:
                    problems.append(f"scrolls sideways {result['hscroll']}")
                if problems:
                    failures.setdefault(url, []).extend(f"{size}: {p}" for p in problems)
                name = re.sub(r"[^\w]+", "_", url.strip("/")) or "home"
                page.screenshot(path=str(folder / f"{name}.{size}.jpg"), type="jpeg", quality=70)
            slowest.append((time.monotonic() - began, url))
    finally:
        for page in contexts.values():
            page.context.close()
    print(
        f"\nscreens: {len(pages)} pages, {opened} screens ({refused} refused to both), demo data "
        f"{loaded - started:.0f} s, walk {time.monotonic() - loaded:.0f} s; screenshots in {folder}"
    )
    print("slowest:", ", ".join(f"{u} {t:.1f} s" for t, u in sorted(slowest)[-8:]))
    assert len(pages) > 100
    assert not failures, "\n".join(f"{url}: {'; '.join(p)}" for url, p in sorted(failures.items()))


def test_the_glyph_check_finds_a_box(page, live_server, alice):
    """The detector is not blind: a private-use character (no font has one) is reported, 枫 is not."""
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = '枫\\ue000';"
        " document.querySelector('main, body').appendChild(p); }"
    )
    result = page.evaluate(CHECKS, {"known": [], "hooks": sorted(HOOKS)})
    assert any("U+E000" in b for b in result["boxes"]), result["boxes"]
    assert not any(" 枫 " in b for b in result["boxes"])


def test_the_checks_find_an_unstyled_class_overflow_and_sideways_scroll(page, live_server, alice):
    browser_login(page, live_server, alice)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const d = document.createElement('div'); d.className = 'no-such-class';"
        " d.style.width = '60px'; d.style.whiteSpace = 'nowrap'; d.textContent = '一段放不下的很长很长的文字';"
        " document.body.appendChild(d); const w = document.createElement('div');"
        " w.style.width = '900px'; w.style.height = '1px'; document.body.appendChild(w); }"
    )
    result = page.evaluate(CHECKS, {"known": [], "hooks": sorted(HOOKS)})
    assert "no-such-class" in result["unstyled"]
    assert any("一段放不下" in o for o in result["overflow"])
    assert result["hscroll"]
