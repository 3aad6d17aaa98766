"""The main path in a real browser: install a tracker at the desk, arm the vehicle, the gateway's hook
raises 设防时移动, the alarm shows on the alarm page and is acknowledged and closed; the map draws."""

import pytest
from django.utils import timezone

from fengqiao.vehicles import hooks
from fengqiao.vehicles.models import Alarm, Vehicle
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_install_arm_alarm_acknowledge_close(page, live_server, bob, owner, community_a):
    community_a.latitude, community_a.longitude = 29.209, 103.947
    community_a.boundary = {
        "type": "Polygon",
        "coordinates": [
            [
                [103.94, 29.20],
                [103.955, 29.20],
                [103.955, 29.215],
                [103.94, 29.215],
                [103.94, 29.20],
            ]
        ],
    }
    community_a.save()
    browser_login(page, live_server, bob)
    page.click("nav#sidenav >> text=行车卫士")
    page.click("nav.subnav >> text=安装登记")
    page.fill("input[name=owner]", owner.id_number)
    page.fill("input[name=plate]", "川L66888")
    page.select_option("select[name=kind]", "e_motorcycle")
    page.fill("input[name=brand]", "雅迪")
    page.fill("input[name=imei]", "868120145233699")
    page.click("button:has-text('登记安装')")
    page.wait_for_selector("h1 >> text=川L66888")
    vehicle = Vehicle.objects.get(plate="川L66888")
    assert vehicle.device.identifier == "868120145233699"
    page.wait_for_selector("[data-vehicle-map][data-communities='1']")
    page.wait_for_selector("[data-vehicle-map][data-points='0']")

    page.click("button:has-text('设防')")
    page.wait_for_selector("#armed-state >> text=已设防")

    # the gateway stores a batch in which the armed vehicle drives off
    now = timezone.now()
    assert (
        hooks.after_store(
            [
                {
                    "device_id": vehicle.device_id,
                    "identifier": "868120145233699",
                    "fixed_at": now,
                    "latitude": 29.21,
                    "longitude": 103.95,
                    "speed_kmh": 25.0,
                    "valid": True,
                }
            ],
            [],
        )
        == 1
    )

    page.click("nav.subnav >> text=告警")
    row = page.locator("tr.alarm-row", has_text="川L66888")
    row.locator("text=设防时移动").wait_for()
    alarm = Alarm.objects.get()
    page.click(f"[data-ack='{alarm.pk}']")
    page.wait_for_selector(f"#alarm-{alarm.pk} .alarm-status >> text=已确认")
    page.locator(f"#alarm-{alarm.pk} select[name=result]").select_option("owner_confirmed")
    page.locator(f"#alarm-{alarm.pk} input[name=note]").fill("车主本人骑行,忘记撤防")
    page.click(f"[data-close='{alarm.pk}']")
    page.wait_for_selector("text=告警已关闭")
    alarm.refresh_from_db()
    assert alarm.status == "closed" and alarm.result == "owner_confirmed"
    page.goto(f"{live_server.url}/vehicles/live/")
    page.wait_for_selector("[data-vehicle-map][data-vehicles]")
    assert csp_violations(page) == []


def test_live_map_draws_clusters_and_stolen_points_and_zooms_into_a_cluster(
    page, live_server, alice, owner, community_a, monkeypatch
):
    from fengqiao.tracking.models import Device
    from fengqiao.vehicles import views
    from fengqiao.vehicles.choices import VehicleStatus
    from tests.vehicles.factories import tracked_vehicle

    monkeypatch.setattr(views, "LIVE_POINTS_MAX", 2)
    community_a.latitude, community_a.longitude = 29.209, 103.947
    community_a.boundary = {
        "type": "Polygon",
        "coordinates": [
            [
                [103.94, 29.20],
                [103.955, 29.20],
                [103.955, 29.215],
                [103.94, 29.215],
                [103.94, 29.20],
            ]
        ],
    }
    community_a.save()
    now = timezone.now()
    spots = [(29.2081 + i * 0.00002, 103.9471) for i in range(4)] + [(29.2120, 103.9520)]
    for i, (lat, lon) in enumerate(spots):
        vehicle = tracked_vehicle(owner=owner, plate=f"川L7{i:04d}")
        Device.objects.filter(pk=vehicle.device_id).update(
            latitude=lat, longitude=lon, last_fix_at=now, speed_kmh=0
        )
    Vehicle.objects.filter(plate="川L70004").update(status=VehicleStatus.STOLEN)

    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/vehicles/live/")
    page.wait_for_selector("[data-vehicle-map][data-communities='1']")
    page.wait_for_selector("[data-vehicle-map][data-live-mode='clusters'][data-total='5']")
    page.wait_for_selector("[data-vehicle-map][data-vehicles='1']")  # the stolen one, on its own
    status = page.locator("[data-live-count]")
    assert "视野内 5 辆" in status.inner_text() and "总数 5 辆" in status.inner_text()
    label = page.locator(".cluster-label", has_text="4")
    label.wait_for()
    zoom = int(page.get_attribute("[data-vehicle-map]", "data-zoom"))
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "z => Number(document.querySelector('[data-vehicle-map]').dataset.zoom) > z", arg=zoom
    )
    assert csp_violations(page) == []
