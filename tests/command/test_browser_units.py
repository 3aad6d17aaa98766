"""Browser test of the command wall's map: the units on shift (an officer's phone and a patrol car's
tracker) are drawn as markers in their status colour, with the status and the age of the last fix in
the popup, and follow the wall's refresh."""

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.command.models import DutyAssignment, Shift
from fengqiao.command.rules import TZ
from fengqiao.field import patrol, units
from fengqiao.tracking.choices import DeviceStatus, Protocol
from fengqiao.tracking.models import Device
from tests.browser import browser_login
from tests.factories import UserFactory
from tests.tracking.factories import DeviceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _popups(page):
    """Open every unit's popup (the map draws on a canvas: no DOM node per marker) and read them."""
    return page.evaluate(
        """() => {
          const el = document.querySelector('[data-wall]');
          const out = [];
          el.fqUnits.eachLayer(l => { l.openPopup(); out.push({
              text: l.getPopup().getElement().textContent,
              colour: l.options.fillColor, lat: l.getLatLng().lat }); });
          return out.sort((a, b) => a.text.localeCompare(b.text));
        }"""
    )


def test_a_unit_on_shift_shows_on_the_wall_map(page, live_server, fenggang, station):
    from django.core.cache import cache

    cache.clear()
    shift = Shift.objects.create(station=station, name="全天", starts=dt.time(0), ends=dt.time(0))
    today = timezone.now().astimezone(TZ).date()
    walker = UserFactory(role="case_officer", station=station, full_name="步巡甲")
    crew = UserFactory(role="case_officer", station=station, full_name="车组乙")
    off = UserFactory(role="case_officer", station=station, full_name="休班丙")
    for user in (walker, crew):
        DutyAssignment.objects.create(
            station=station, day=today, shift=shift, post="duty", user=user
        )
    units.position_report(actor=walker, latitude=29.2095, longitude=103.9442)
    device = DeviceFactory(
        identifier="13800138321", protocol=Protocol.JT808, station=station,
        status=DeviceStatus.ACTIVE,
    )  # fmt: skip
    patrol.car_register(
        actor=fenggang, device=device, name="巡逻2车", plate="川L0220警", crew=[crew]
    )
    Device.objects.filter(pk=device.pk).update(
        last_fix_at=timezone.now() - dt.timedelta(minutes=3), latitude=29.2180, longitude=103.9440
    )
    # Off shift: no position is stored, so nothing of him can be drawn.
    assert units.position_report(actor=off, latitude=29.21, longitude=103.95) is None

    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/")
    page.wait_for_selector("[data-wall][data-units='2']")
    popups = _popups(page)
    assert len(popups) == 2
    car = next(p for p in popups if "巡逻2车" in p["text"])
    phone = next(p for p in popups if "步巡甲" in p["text"])
    assert "在岗" in car["text"] and "3 分钟前定位" in car["text"] and "川L0220警" in car["text"]
    assert "在岗" in phone["text"] and "秒前定位" in phone["text"]
    assert car["colour"] == phone["colour"] == units.STATUS_COLOURS["on_post"]
    assert "休班丙" not in " ".join(p["text"] for p in popups)

    # The wall's own refresh moves the unit: the walker's next fix is drawn where he is now.
    cache.clear()
    units.position_report(actor=walker, latitude=29.2300, longitude=103.9442)
    cache.clear()
    page.evaluate("() => document.body.dispatchEvent(new CustomEvent('push:wall'))")
    page.wait_for_function(
        """() => { let hit = false;
          document.querySelector('[data-wall]').fqUnits.eachLayer(
              l => { if (Math.abs(l.getLatLng().lat - 29.23) < 0.01) { hit = true; } });
          return hit; }"""
    )
    assert not page.csp_errors
