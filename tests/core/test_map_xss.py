"""Map tooltips show names and plates as text, never as markup (issue 19), and the CSP blocks inline
handlers as a second wall."""

import re
from pathlib import Path

import pytest

from fengqiao.registry.models import Community
from tests.browser import browser_login

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"
PAYLOAD = '<img src=x onerror="window.__xss=1">'


def _map_scripts():
    return [p for p in SRC.glob("**/static/**/*.js") if "vendor" not in p.parts]


def test_no_map_script_hands_leaflet_a_string_of_markup():
    """Leaflet puts a string given to bindTooltip/bindPopup/setContent into innerHTML: every call must
    pass a DOM node (textOf(...) or a builder), and no script may set innerHTML from data."""
    offenders = []
    for path in _map_scripts():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r"\.(bindTooltip|bindPopup|setTooltipContent|setPopupContent)\(([^,)]*)", text
        ):
            argument = match.group(2).strip()
            if not re.match(r"(textOf|popupFor|vehiclePopup|box\b|node\b)", argument):
                offenders.append(f"{path.relative_to(SRC)}: {match.group(0)}")
        for match in re.finditer(r"\.innerHTML\s*=\s*([^;]+);", text):
            if match.group(1).strip() not in {'""', "''"}:
                offenders.append(f"{path.relative_to(SRC)}: {match.group(0)}")
    assert not offenders, offenders


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_community_named_like_markup_is_shown_as_text(page, live_server, alice, community_a):
    Community.objects.filter(pk=community_a.pk).update(
        name=PAYLOAD, latitude=29.22, longitude=103.93
    )
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/registry/map/")
    page.wait_for_selector("#community-map[data-features]")
    page.locator("#community-map path.leaflet-interactive").last.dispatch_event("mouseover")
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    assert tooltip.inner_text() == PAYLOAD
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__xss") is None

    # The strict CSP (script-src 'self') is the second wall: an inline handler that did reach the
    # DOM would not run either.
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__csp=1">')"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp") is None
    assert any("Content Security Policy" in e for e in page.csp_errors)
