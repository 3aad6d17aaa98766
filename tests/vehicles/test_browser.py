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


# ----------------------------------------------------------------------------- 报被盗 and remote arming


def _open_vehicle(page, live_server, vehicle):
    page.goto(f"{live_server.url}{vehicle.get_absolute_url()}", wait_until="load")
    page.wait_for_selector(f"h1 >> text={vehicle.plate}")


def _open_theft_form(page, live_server, vehicle):
    _open_vehicle(page, live_server, vehicle)
    page.click("a.button:has-text('报被盗')")
    page.wait_for_url(f"**/vehicles/{vehicle.pk}/theft/", wait_until="load")
    page.wait_for_selector("h1 >> text=报被盗")


def _options(page, name):
    return [
        t.strip()
        for t in page.locator(f"select[name={name}] option").all_inner_texts()
        if t.strip() not in ("—", "请选择")  # the empty choice (issue 24: 请选择, not ---------)
    ]


def test_theft_report_opens_the_case_with_the_chosen_officers(
    page, live_server, bob, alice, charlie, vehicle
):
    from fengqiao.accounts.choices import Rank, Role
    from fengqiao.cases.models import Case
    from fengqiao.vehicles.models import Theft
    from tests.factories import UserFactory

    UserFactory(
        full_name="辅警甲", role=Role.COMMUNITY_OFFICER, station=bob.station, rank=Rank.AUXILIARY
    )
    browser_login(page, live_server, bob)
    _open_theft_form(page, live_server, vehicle)
    # the station's police officers only (no auxiliary, no one of another station); 主办 defaults to the user
    for name in ("lead_officer", "second_officer"):
        assert sorted(_options(page, name)) == sorted(["鲍勃", "艾丽"])
    assert page.locator("select[name=lead_officer] option:checked").inner_text() == "鲍勃"
    page.fill("input[name=place]", "西街菜市场门口")
    page.fill("input[name=reporter_name]", "徐明")
    page.fill("input[name=reporter_phone]", "13900001111")
    page.fill("textarea[name=narrative]", "买菜出来发现车不见了")
    page.select_option("select[name=lead_officer]", label="鲍勃")
    page.select_option("select[name=second_officer]", label="艾丽")
    page.click("button:has-text('登记被盗')")
    page.wait_for_url("**/vehicles/thefts/*/", wait_until="load")

    theft = Theft.objects.select_related("incident", "case").get()
    assert page.locator("#theft-status").inner_text() == "追查中" and theft.status == "open"
    assert theft.incident is not None and theft.case is not None
    assert theft.incident.reference in page.locator("#theft-incident").inner_text()
    assert theft.case.reference in page.locator("#theft-case").inner_text()
    message = page.locator(".messages").inner_text()
    assert theft.reference in message and theft.case.reference in message
    case = Case.objects.get()
    assert case.pk == theft.case_id and case.source_incident_id == theft.incident_id
    assert (case.lead_officer, case.second_officer) == (bob, alice)
    vehicle.refresh_from_db()
    assert vehicle.status == "stolen"
    assert not csp_violations(page)


def test_theft_report_with_the_same_officer_twice_is_refused_and_keeps_the_input(
    page, live_server, bob, alice, vehicle
):
    from fengqiao.cases.models import Case
    from fengqiao.incidents.models import Incident
    from fengqiao.vehicles.models import Theft

    browser_login(page, live_server, bob)
    _open_theft_form(page, live_server, vehicle)
    page.fill("input[name=place]", "西街菜市场门口")
    page.fill("input[name=reporter_name]", "徐明")
    page.select_option("select[name=lead_officer]", label="艾丽")
    page.select_option("select[name=second_officer]", label="艾丽")
    page.click("button:has-text('登记被盗')")
    page.wait_for_selector("#error-second_officer", state="visible")
    error = page.locator("#error-second_officer")
    assert "协办民警不能与主办民警是同一人" in error.inner_text()
    # under 协办民警: the error follows the 协办 select in the officers' fieldset
    assert (
        page.locator("#case-officers label:has-text('协办民警') + #error-second_officer").count()
        == 1
    )
    assert page.input_value("input[name=place]") == "西街菜市场门口"
    assert page.input_value("input[name=reporter_name]") == "徐明"
    assert page.locator("select[name=lead_officer] option:checked").inner_text() == "艾丽"
    assert (
        not Theft.objects.exists() and not Case.objects.exists() and not Incident.objects.exists()
    )
    vehicle.refresh_from_db()
    assert vehicle.status != "stolen"


def test_recorded_arm_commands_are_queued_when_the_officer_presses_arm(
    page, live_server, bob, vehicle
):
    from fengqiao.tracking.models import DeviceCommand

    browser_login(page, live_server, bob)
    _open_vehicle(page, live_server, vehicle)
    assert "定位器不支持" in page.locator("#remote-arming").inner_text()
    page.click("details.arm-commands-edit summary")
    page.fill("details.arm-commands-edit input[name=arm_command]", "DEFENSE,1#")
    page.fill("details.arm-commands-edit input[name=disarm_command]", "DEFENSE,0#")
    page.click("details.arm-commands-edit button:has-text('保存')")
    page.wait_for_selector(".messages >> text=定位器设防/撤防指令已保存")
    page.wait_for_load_state("load")
    assert "DEFENSE,1# / DEFENSE,0#" in page.locator("#remote-arming").inner_text()
    vehicle.device.refresh_from_db()
    assert (vehicle.device.arm_command, vehicle.device.disarm_command) == (
        "DEFENSE,1#",
        "DEFENSE,0#",
    )

    page.click("button:has-text('设防')")
    page.wait_for_selector("#armed-state >> text=已设防")
    assert "定位器的设防/撤防指令已排队,设备在线时下发" in page.locator(".messages").inner_text()
    assert "设防 · 排队待发" in page.locator("#remote-arming").inner_text()
    command = DeviceCommand.objects.get()
    assert (command.kind, command.text, command.status) == ("arm", "DEFENSE,1#", "queued")
    assert command.device_id == vehicle.device_id and command.requested_by == bob
    assert not csp_violations(page)
