"""The main path through the registry in a real browser: search, open, reveal, edit, see the timeline."""

import datetime as dt

import pytest

from fengqiao.core.models import PersonalDataAccess
from fengqiao.registry.models import Community
from tests.browser import browser_login
from tests.factories import AddressFactory, HouseFactory, PersonFactory, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def resident(community_a):
    address = AddressFactory(community=community_a, road="西街", doorplate="18")
    return PersonFactory(
        community=community_a,
        name="张三丰",
        id_number=make_id_number(5, birth=dt.date(1960, 2, 3)),
        phone="13912340001",
        address=address,
        house=HouseFactory(address=address),
    )


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_search_open_edit_phone_and_see_it_in_timeline(page, live_server, alice, resident):
    browser_login(page, live_server, alice)
    page.click("nav#sidenav >> text=一标三实")
    page.fill("input[name=q]", "zsf")
    page.press("input[name=q]", "Enter")
    page.click("table.list >> text=张三丰")
    assert page.locator("h1").inner_text().startswith("张三丰")
    assert "139****0001" in page.content()

    page.click("a:has-text('修改')")
    page.fill("input[name=phone]", "13711112222")
    page.click("button:has-text('保存')")
    page.wait_for_url(f"{live_server.url}/registry/persons/{resident.pk}/")

    history = page.locator("#history").inner_text()
    assert "手机号" in history and "139****0001" in history and "137****2222" in history and "艾丽" in history
    assert not csp_violations(page)


def test_reveal_button_shows_full_number_and_is_recorded(page, live_server, alice, resident):
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/registry/persons/{resident.pk}/")
    assert resident.id_number not in page.locator("#person-pii").inner_text()
    page.fill("#person-pii input[name=purpose]", "核实身份")
    page.click("button:has-text('显示完整信息')")
    page.wait_for_selector(f"#person-pii >> text={resident.id_number}")
    assert PersonalDataAccess.objects.filter(object_id=resident.pk, purpose="核实身份").count() == 1
    assert not csp_violations(page)


def test_map_page_draws_communities_without_csp_errors(page, live_server, alice, community_a):
    Community.objects.filter(pk=community_a.pk).update(
        latitude=29.22,
        longitude=103.93,
        boundary={"type": "Polygon", "coordinates": [[[103.9, 29.2], [103.95, 29.2], [103.95, 29.25], [103.9, 29.2]]]},
    )
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/registry/map/")
    page.wait_for_selector("#community-map[data-features='2']")
    assert page.locator("#community-map path.leaflet-interactive").count() >= 2
    assert not csp_violations(page)


def test_inflow_fields_appear_for_floating_person(page, live_server, alice, community_a):
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/registry/persons/new/")
    assert not page.locator("input[name=inflow_date]").is_visible()
    page.select_option("select[name=category]", "floating")
    assert page.locator("input[name=inflow_date]").is_visible()
    assert not csp_violations(page)


def test_address_search_box_fills_the_select(page, live_server, alice, community_a):
    address = AddressFactory(community=community_a, road="百草苑小区", doorplate="7")
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/registry/houses/new/?community={community_a.pk}")
    page.locator("[data-field=address] input.select-search").fill("百草苑")
    page.wait_for_selector(f"select[name=address] option[value='{address.pk}']", state="attached")
    assert page.locator("select[name=address]").input_value() == str(address.pk)
    page.click("button:has-text('保存')")
    page.wait_for_url(f"{live_server.url}/registry/houses/*/")
    assert "百草苑小区" in page.locator("h1").inner_text()
