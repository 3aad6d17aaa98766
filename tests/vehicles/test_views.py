"""Pages and JSON endpoints: scoping (alice / bob / charlie), masking, forms and bad input."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fengqiao.incidents.models import Incident
from fengqiao.tracking.models import Device, Position
from fengqiao.vehicles import services
from fengqiao.vehicles.choices import AlarmKind, TheftStatus, VehicleStatus
from fengqiao.vehicles.models import Theft, Tracker, Vehicle
from tests.factories import PersonFactory
from tests.vehicles.factories import case_officers, policy_for, report_theft

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(login):
    """A separate logged-in client per user (the shared *_client fixtures are one client)."""

    def make(user):
        return login(Client(), user)

    return make


def url(name, *args):
    return reverse(f"vehicles:{name}", args=args)


def alarm_of(vehicle, kind=AlarmKind.VIBRATION):
    return services.alarms_raise(
        [
            services.AlarmDraft(
                vehicle_id=vehicle.pk,
                station_id=vehicle.station_id,
                community_id=vehicle.community_id,
                kind=kind,
                at=timezone.now(),
                latitude=29.2,
                longitude=103.9,
            )
        ]
    )[0]


# ----------------------------------------------------------------------------- search and detail


def test_search_by_plate_owner_phone_and_imei_shows_masked_owner(alice_client, vehicle, vehicle_b):
    for q in ("L12345", "徐明", "13900001111", vehicle.imei):
        page = alice_client.get(url("vehicle_list"), {"q": q}).content.decode().split("<tbody>")[1]
        assert "川L12345" in page and "川L54321" not in page, q
        assert "13900001111" not in page and "139****1111" in page
        assert "徐明" not in page


def test_search_lists_only_the_users_station(charlie_client, vehicle):
    page = charlie_client.get(url("vehicle_list")).content.decode()
    assert "川L12345" not in page


@pytest.mark.parametrize("name", ["vehicle_detail", "vehicle_trail", "theft_report"])
def test_other_stations_vehicle_is_404(charlie_client, vehicle, name):
    assert charlie_client.get(url(name, vehicle.pk)).status_code == 404


def test_detail_shows_state_and_actions_for_editors(alice, bob, as_user, vehicle, vehicle_b):
    page = as_user(alice).get(url("vehicle_detail", vehicle.pk)).content.decode()
    assert (
        "川L12345" in page and "设防" in page and "data-vehicle-map" in page and "断油断电" in page
    )
    page = as_user(bob).get(url("vehicle_detail", vehicle_b.pk)).content.decode()
    assert 'name="armed"' not in page  # bob reads community B's vehicle, does not act on it


def test_arm_and_disarm_from_the_page(bob_client, vehicle):
    bob_client.post(url("vehicle_arm", vehicle.pk), {"armed": "1"})
    vehicle.refresh_from_db()
    assert vehicle.armed
    bob_client.post(url("vehicle_arm", vehicle.pk), {"armed": "0"})
    vehicle.refresh_from_db()
    assert not vehicle.armed


def test_page_shows_remote_arming_and_the_last_arm_command(bob_client, vehicle):
    page = bob_client.get(url("vehicle_detail", vehicle.pk)).content.decode()
    assert "定位器不支持(仅平台设防)" in page
    Device.objects.filter(pk=vehicle.device_id).update(
        arm_command="ARM,1#", disarm_command="ARM,0#"
    )
    response = bob_client.post(url("vehicle_arm", vehicle.pk), {"armed": "1"}, follow=True)
    page = response.content.decode()
    assert "设防/撤防指令已排队" in page
    remote = page.split('id="remote-arming"')[1].split("</dd>")[0]
    assert "定位器支持" in remote and "ARM,1#" in remote and "设防 · 排队待发" in remote


def test_arm_commands_are_corrected_on_the_vehicle_page(bob_client, charlie, as_user, vehicle):
    response = bob_client.post(
        url("vehicle_arm_commands", vehicle.pk), {"arm_command": "ARM,1#", "disarm_command": ""}
    )
    assert response.status_code == 302
    device = Device.objects.get(pk=vehicle.device_id)
    assert device.arm_command == ""  # half a pair is refused
    bob_client.post(
        url("vehicle_arm_commands", vehicle.pk),
        {"arm_command": "ARM,1#", "disarm_command": "ARM,0#"},
    )
    device.refresh_from_db()
    assert (device.arm_command, device.disarm_command) == ("ARM,1#", "ARM,0#")
    response = as_user(charlie).post(
        url("vehicle_arm_commands", vehicle.pk), {"arm_command": "", "disarm_command": ""}
    )
    assert response.status_code == 404


def test_arming_another_communitys_vehicle_is_403(bob, charlie, as_user, vehicle, vehicle_b):
    assert as_user(bob).post(url("vehicle_arm", vehicle_b.pk), {"armed": "1"}).status_code == 403
    assert as_user(charlie).post(url("vehicle_arm", vehicle.pk), {"armed": "1"}).status_code == 404
    vehicle_b.refresh_from_db()
    assert not vehicle_b.armed


def test_engine_command_form_refuses_a_community_officer(bob_client, vehicle):
    response = bob_client.post(
        url("vehicle_command", vehicle.pk), {"kind": "engine_cut", "reason": "测试测试"}
    )
    assert response.status_code == 403


def test_fence_form_bad_input_keeps_the_old_fence(alice_client, vehicle):
    alice_client.post(
        url("vehicle_fence", vehicle.pk),
        {"latitude": "29.2", "longitude": "103.9", "radius_m": "500"},
    )
    response = alice_client.post(
        url("vehicle_fence", vehicle.pk),
        {"latitude": "abc", "longitude": "103.9", "radius_m": "500"},
        follow=True,
    )
    assert "围栏中心和半径须为数字" in response.content.decode()
    vehicle.refresh_from_db()
    assert vehicle.home_radius_m == 500


def test_trail_json_for_a_period_and_bad_periods(alice_client, vehicle):
    now = timezone.now().replace(microsecond=0)
    Position.objects.bulk_create(
        [
            Position(
                device=vehicle.device,
                fixed_at=now - dt.timedelta(minutes=i),
                received_at=now,
                latitude=29.2 + i / 1000,
                longitude=103.9,
                speed_kmh=20,
            )
            for i in range(5)
        ]
        + [
            Position(  # (one row per device and fix time: the gateway's unique key)
                device=vehicle.device,
                fixed_at=now - dt.timedelta(seconds=30),
                received_at=now,
                latitude=0,
                longitude=0,
                valid=False,
            )
        ]
    )
    start = timezone.localtime(now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = timezone.localtime(now + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    data = alice_client.get(url("vehicle_trail", vehicle.pk), {"start": start, "end": end}).json()
    assert len(data["points"]) == 5 and data["points"][0]["p"][0] == pytest.approx(29.204)
    assert (
        alice_client.get(url("vehicle_trail", vehicle.pk), {"start": "yesterday"}).status_code
        == 400
    )
    assert (
        alice_client.get(url("vehicle_trail", vehicle.pk), {"start": end, "end": start}).status_code
        == 400
    )
    assert (
        alice_client.get(
            url("vehicle_trail", vehicle.pk),
            {"start": "2026-01-01T00:00", "end": "2026-03-01T00:00"},
        ).status_code
        == 400
    )


def test_trail_and_live_points_use_gcj02_for_tiles_that_need_it(alice_client, vehicle, settings):
    settings.MAP_TILE_CRS = "gcj02"
    Device.objects.filter(pk=vehicle.device_id).update(
        latitude=29.2, longitude=103.9, last_fix_at=timezone.now()
    )
    data = alice_client.get(url("live_json")).json()
    lat, lon = data["vehicles"][0]["p"]
    assert lat != 29.2 and abs(lat - 29.2) < 0.01 and abs(lon - 103.9) < 0.01


def test_live_json_is_scoped_and_keeps_stolen_vehicles(alice, charlie, as_user, vehicle, vehicle_b):
    alice_client, charlie_client = as_user(alice), as_user(charlie)
    Device.objects.filter(pk=vehicle.device_id).update(
        latitude=29.2, longitude=103.9, last_fix_at=timezone.now()
    )
    Device.objects.filter(pk=vehicle_b.device_id).update(
        latitude=29.21, longitude=103.91, last_fix_at=timezone.now() - dt.timedelta(days=3)
    )
    Vehicle.objects.filter(pk=vehicle_b.pk).update(status=VehicleStatus.STOLEN)
    plates = {v["plate"] for v in alice_client.get(url("live_json")).json()["vehicles"]}
    assert plates == {"川L12345", "川L54321"}
    assert charlie_client.get(url("live_json")).json()["vehicles"] == []
    assert alice_client.get(url("live_map")).status_code == 200


def test_communities_json_is_scoped(alice, charlie, as_user, community_a):
    alice_client, charlie_client = as_user(alice), as_user(charlie)
    community_a.latitude, community_a.longitude = 29.2, 103.9
    community_a.save()
    assert len(alice_client.get(url("communities_json")).json()["features"]) == 1
    assert charlie_client.get(url("communities_json")).json()["features"] == []


# ----------------------------------------------------------------------------- alarms


def test_alarm_list_acknowledge_and_close(bob_client, vehicle, vehicle_b):
    mine, other = alarm_of(vehicle), alarm_of(vehicle_b)
    page = bob_client.get(url("alarm_list")).content.decode()
    assert f'data-ack="{mine.pk}"' in page and f'data-ack="{other.pk}"' not in page
    bob_client.post(url("alarm_acknowledge", mine.pk))
    bob_client.post(url("alarm_close", mine.pk), {"result": "false_alarm", "note": "车主确认"})
    mine.refresh_from_db()
    assert mine.status == "closed" and mine.closed_by.username == "bob"
    assert (
        bob_client.post(url("alarm_close", other.pk), {"result": "false_alarm"}).status_code == 403
    )


def test_alarm_close_without_result_keeps_it_open(alice_client, vehicle):
    alarm = alarm_of(vehicle)
    response = alice_client.post(url("alarm_close", alarm.pk), {"result": ""}, follow=True)
    assert "处理结果" in response.content.decode()
    alarm.refresh_from_db()
    assert alarm.status == "open"


def test_other_stations_alarm_is_404(charlie_client, vehicle):  # one client: charlie
    alarm = alarm_of(vehicle)
    assert charlie_client.post(url("alarm_acknowledge", alarm.pk)).status_code == 404
    assert (
        str(alarm.pk)
        not in charlie_client.get(url("alarm_list")).content.decode().split("alarm-")[1:]
    )


# ----------------------------------------------------------------------------- theft pages


def test_theft_report_page_then_tracking_page_then_recovery(alice, alice_client, vehicle):
    lead, second = case_officers(vehicle.station)
    response = alice_client.post(
        url("theft_report", vehicle.pk),
        {
            "place": "西街菜市场",
            "reporter_name": "徐明",
            "reporter_phone": "13900001111",
            "narrative": "夜间被盗",
            "lead_officer": alice.pk,
            "second_officer": second.pk,
        },
    )
    theft = Theft.objects.get()
    assert response.status_code == 302 and response["Location"] == theft.get_absolute_url()
    assert Incident.objects.filter(pk=theft.incident_id).exists()
    assert (theft.case.lead_officer, theft.case.second_officer) == (alice, second)
    page = alice_client.get(theft.get_absolute_url()).content.decode()
    assert "登记追回" in page and 'data-mode="track"' in page
    case_cell = page.split('id="theft-case">')[1].split("</dd>")[0]
    assert theft.case.reference in case_cell and theft.case.get_absolute_url() in case_cell
    assert "受案/立案审查" in case_cell
    listing = alice_client.get(url("theft_list")).content.decode()
    assert theft.case.reference in listing
    track = alice_client.get(url("theft_track", theft.pk)).json()
    assert track["points"] == []
    alice_client.post(url("recovery", theft.pk), {"place": "清溪镇", "condition": "intact"})
    theft.refresh_from_db()
    assert theft.status == TheftStatus.RECOVERED


def test_theft_report_form_offers_the_stations_police_and_defaults_the_lead_to_the_user(
    alice, alice_client, charlie, vehicle
):
    from tests.factories import UserFactory

    lead, second = case_officers(vehicle.station)
    aux = UserFactory(full_name="辅警甲", rank="auxiliary", role="auxiliary", station=alice.station)
    form = alice_client.get(url("theft_report", vehicle.pk)).content.decode()
    lead_select = form.split('name="lead_officer"')[1].split("</select>")[0]
    assert f'value="{alice.pk}" selected' in lead_select  # alice is a police officer
    assert f'value="{lead.pk}"' in lead_select and f'value="{second.pk}"' in lead_select
    assert f'value="{aux.pk}"' not in lead_select and f'value="{charlie.pk}"' not in lead_select
    second_select = form.split('name="second_officer"')[1].split("</select>")[0]
    assert " selected" not in second_select


def test_theft_report_form_shows_officer_errors_keeps_the_input_and_saves_nothing(
    alice, alice_client, vehicle
):
    response = alice_client.post(
        url("theft_report", vehicle.pk),
        {
            "place": "西街",
            "reporter_name": "徐明",
            "narrative": "保留",
            "lead_officer": alice.pk,
            "second_officer": alice.pk,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "协办民警不能与主办民警是同一人" in page.split('id="error-second_officer"')[1]
    assert "保留" in page and 'value="西街"' in page
    lead_select = page.split('name="lead_officer"')[1].split("</select>")[0]
    second_select = page.split('name="second_officer"')[1].split("</select>")[0]
    assert f'value="{alice.pk}" selected' in lead_select
    assert f'value="{alice.pk}" selected' in second_select
    response = alice_client.post(
        url("theft_report", vehicle.pk), {"place": "西街", "reporter_name": "徐明"}
    )
    assert response.status_code == 400
    assert "请选择协办民警" in response.content.decode().split('id="error-second_officer"')[1]
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.NORMAL
    assert not Theft.objects.exists() and not Incident.objects.exists()


def test_theft_report_bad_input_shows_the_error_and_keeps_the_input(alice_client, vehicle):
    response = alice_client.post(
        url("theft_report", vehicle.pk), {"place": "西街", "reporter_name": "", "narrative": "保留"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写报案人" in page and "保留" in page
    assert not Theft.objects.exists()


def test_theft_pages_of_another_station_are_404(
    alice, charlie_client, vehicle
):  # one client: charlie
    theft = report_theft(alice, vehicle, place="x", reporter_name="y")
    for name in ("theft_detail", "theft_track"):
        assert charlie_client.get(url(name, theft.pk)).status_code == 404
    assert (
        charlie_client.post(
            url("recovery", theft.pk), {"place": "x", "condition": "intact"}
        ).status_code
        == 404
    )
    assert theft.reference not in charlie_client.get(url("theft_list")).content.decode()


def test_claim_from_the_theft_page(alice, alice_client, vehicle):
    policy_for(
        vehicle, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2030, 12, 31), recovery_days=30
    )
    theft = report_theft(
        alice,
        vehicle,
        place="x",
        reporter_name="y",
        reported_at=timezone.now() - dt.timedelta(days=40),
    )
    page = alice_client.get(theft.get_absolute_url()).content.decode()
    assert "办理理赔" in page
    alice_client.post(url("claim", theft.pk))
    theft.refresh_from_db()
    assert theft.status == TheftStatus.CLAIMED and theft.claim.amount > 0
    alice_client.post(url("claim_pay", theft.claim.pk), {"paid_at": ""})
    theft.claim.refresh_from_db()
    assert theft.claim.status == "paid"


# ----------------------------------------------------------------------------- install desk and devices


def test_install_desk_registers_vehicle_and_tracker(bob_client, owner):
    response = bob_client.post(
        url("install"),
        {
            "owner": owner.id_number,
            "plate": "川L66666",
            "kind": "e_motorcycle",
            "brand": "雅迪",
            "colour": "白",
            "purchased_on": "2024-05-01",
            "imei": "868120145233605",
            "protocol": "gt06",
            "sim": "1440000000001",
        },
    )
    vehicle = Vehicle.objects.get(plate="川L66666")
    assert response.status_code == 302 and response["Location"] == vehicle.get_absolute_url()
    assert vehicle.device.identifier == "868120145233605" and vehicle.device.status == "active"
    assert Tracker.objects.get(vehicle=vehicle).installed_by.username == "bob"


def test_install_desk_records_the_trackers_arm_commands(bob_client, owner):
    response = bob_client.post(
        url("install"),
        {
            "owner": owner.id_number,
            "plate": "川L66667",
            "kind": "e_motorcycle",
            "imei": "868120145233615",
            "protocol": "gt06",
            "arm_command": "ARM,1#",
            "disarm_command": "ARM,0#",
        },
    )
    assert response.status_code == 302
    device = Device.objects.get(identifier="868120145233615")
    assert (device.arm_command, device.disarm_command) == ("ARM,1#", "ARM,0#")
    # the form opened for this tracker shows what is recorded
    page = bob_client.get(url("install"), {"imei": "868120145233615"}).content.decode()
    assert 'name="arm_command" value="ARM,1#"' in page


@pytest.mark.parametrize(
    ("arm", "disarm", "text"),
    [("ARM,1#", "", "同时填写"), ("设防", "ARM,0#", "ASCII"), ("ARM\t1#", "ARM,0#", "ASCII")],
)
def test_install_desk_bad_arm_commands_change_nothing(bob_client, owner, arm, disarm, text):
    response = bob_client.post(
        url("install"),
        {
            "owner": owner.id_number,
            "plate": "川L77778",
            "kind": "motorcycle",
            "imei": "868120145233616",
            "protocol": "gt06",
            "arm_command": arm,
            "disarm_command": disarm,
        },
    )
    assert response.status_code == 400 and text in response.content.decode()
    assert not Vehicle.objects.filter(plate="川L77778").exists()
    assert not Device.objects.filter(identifier="868120145233616").exists()


def test_install_desk_bad_input_changes_nothing(bob_client, owner, community_b):
    stranger = PersonFactory(community=community_b, station=community_b.station)
    cases = [
        ({"owner": "nobody"}, "没有该车主"),
        ({"imei": "12x"}, "IMEI"),
        ({"owner": stranger.id_number}, "无权"),
    ]
    for change, text in cases:
        data = {
            "owner": owner.id_number,
            "plate": "川L77777",
            "kind": "motorcycle",
            "imei": "868120145233606",
            "protocol": "gt06",
            **change,
        }
        response = bob_client.post(url("install"), data)
        assert response.status_code in (400, 403) and text in response.content.decode(), change
    assert not Vehicle.objects.filter(plate="川L77777").exists()
    assert not Device.objects.filter(identifier="868120145233606").exists()


def test_pending_devices_are_listed_and_accepted(alice, charlie, as_user, station):
    alice_client, charlie_client = as_user(alice), as_user(charlie)
    device = Device.objects.create(identifier="013912340000", protocol="jt808", status="pending")
    assert "013912340000" in alice_client.get(url("device_pending")).content.decode()
    response = alice_client.post(url("device_accept", device.pk))
    device.refresh_from_db()
    assert device.status == "active" and device.station == station
    assert "imei=013912340000" in response["Location"]
    assert charlie_client.post(url("device_accept", device.pk)).status_code == 404


# ----------------------------------------------------------------------------- figures


def test_figures_by_year(alice, charlie, as_user, vehicle):
    alice_client, charlie_client = as_user(alice), as_user(charlie)
    services.tracker_install(actor=alice, vehicle=vehicle, imei="868120145233607", protocol="gt06")
    theft = report_theft(alice, vehicle, place="x", reporter_name="y")
    services.recovery_record(actor=alice, theft=theft, place="z", condition="intact")
    page = alice_client.get(url("figures")).content.decode()
    year = timezone.localdate().year
    assert f'id="year-{year}"' in page and "vehicle-figures-data" in page
    from fengqiao.vehicles.selectors import figures_by_year

    row = figures_by_year(alice)[-1]
    assert (row["installed_motorcycle"], row["thefts"], row["recovered_motorcycle"]) == (1, 1, 1)
    assert f'id="year-{year}"' not in charlie_client.get(url("figures")).content.decode()


def test_policy_form_with_payout_table_and_bad_rows(alice_client, vehicle):
    data = {
        "insurer": "人保财险",
        "number": "P-9",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "recovery_days": "60",
        "row-0-age": "0",
        "row-0-amount": "1500",
        "row-1-age": "2",
        "row-1-amount": "1000",
    }
    alice_client.post(url("policy_create", vehicle.pk), data)
    policy = vehicle.policies.get()
    assert [(r.min_age_years, int(r.amount)) for r in policy.payouts.all()] == [
        (0, 1500),
        (2, 1000),
    ]
    response = alice_client.post(
        url("policy_create", vehicle.pk), {**data, "row-1-amount": "lots"}, follow=True
    )
    assert "赔付金额须为数字" in response.content.decode()
    assert vehicle.policies.count() == 1


def test_detail_offers_the_policy_form_with_table_rows(alice_client, vehicle):
    page = alice_client.get(url("vehicle_detail", vehicle.pk)).content.decode()
    assert 'name="row-4-amount"' in page


def test_open_alarms_are_in_the_command_rooms_work_queue(commander, bob, charlie, vehicle):
    from fengqiao.core.workqueue import items_for

    alarm = alarm_of(vehicle, kind=AlarmKind.POWER_CUT)
    mine = [i for i in items_for(commander, timezone.now()) if i.kind == "vehicle_alarm"]
    assert [i.object.pk for i in mine] == [alarm.pk] and mine[0].level == "red"
    assert not [i for i in items_for(bob, timezone.now()) if i.kind == "vehicle_alarm"]
    assert not [i for i in items_for(charlie, timezone.now()) if i.kind == "vehicle_alarm"]
    services.alarm_acknowledge(actor=commander, alarm=alarm)
    assert not [i for i in items_for(commander, timezone.now()) if i.kind == "vehicle_alarm"]


def test_owner_key_is_shown_once_on_the_page(alice_client, vehicle):
    response = alice_client.post(url("owner_key", vehicle.pk), follow=True)
    assert "车主应用密钥" in response.content.decode()
    assert vehicle.owner_keys.filter(revoked_at__isnull=True).count() == 1


def test_reset_registration_of_the_jt808_tracker_from_the_vehicle_page(
    bob, charlie, station, as_user, vehicle, vehicle_b
):
    """重置注册 (issue 19): the tracker's next JT/T 808 registration is given a new auth code. Only a
    user who may act on the vehicle; recorded in the change log without the code itself."""
    from fengqiao.accounts.choices import Role
    from fengqiao.core.models import ObjectChange
    from tests.factories import UserFactory

    for v in (vehicle, vehicle_b):
        Device.objects.filter(pk=v.device_id).update(protocol="jt808", auth_code="C0DE")
    bob_client = as_user(bob)
    page = bob_client.get(url("vehicle_detail", vehicle.pk)).content.decode()
    assert url("vehicle_reset_registration", vehicle.pk) in page and "重置注册" in page

    # Outside the user's communities, another station, a read-only role: refused, code kept.
    assert bob_client.post(url("vehicle_reset_registration", vehicle_b.pk)).status_code == 403
    other = as_user(charlie).post(url("vehicle_reset_registration", vehicle.pk))
    assert other.status_code == 404
    auditor = UserFactory(role=Role.AUDITOR, station=station)
    assert as_user(auditor).post(url("vehicle_reset_registration", vehicle.pk)).status_code == 403
    assert as_user(bob).get(url("vehicle_reset_registration", vehicle.pk)).status_code == 405
    assert set(Device.objects.values_list("auth_code", flat=True)) == {"C0DE"}

    response = bob_client.post(url("vehicle_reset_registration", vehicle.pk), follow=True)
    assert "已重置定位器注册" in response.content.decode()
    assert Device.objects.get(pk=vehicle.device_id).auth_code == ""
    assert Device.objects.get(pk=vehicle_b.device_id).auth_code == "C0DE"
    entry = ObjectChange.objects.filter(object_id=vehicle.device_id, user=bob).latest("time")
    assert entry.after == {"registration": "已重置(下次注册时签发新鉴权码)"}
    assert "C0DE" not in str(entry.before) + str(entry.after)


def test_reset_registration_is_refused_for_a_tracker_without_registration(bob_client, vehicle):
    Device.objects.filter(pk=vehicle.device_id).update(
        auth_code=""
    )  # a GT06 tracker: no registration
    response = bob_client.post(url("vehicle_reset_registration", vehicle.pk), follow=True)
    assert "只有JT/T 808定位器需要注册" in response.content.decode()
    assert "重置注册" not in bob_client.get(url("vehicle_detail", vehicle.pk)).content.decode()
