"""/api/vehicles/: scoping (alice / bob / charlie), arm/disarm for an owner app, commands, alarms, thefts."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fengqiao.cases.models import Case
from fengqiao.incidents.models import Incident
from fengqiao.tracking.models import Device, DeviceCommand, Position
from fengqiao.vehicles import services
from fengqiao.vehicles.choices import AlarmKind
from fengqiao.vehicles.models import Alarm, Theft
from tests.vehicles.factories import case_officers

pytestmark = pytest.mark.django_db
API = "/api/vehicles/"


@pytest.fixture
def as_user(login):
    return lambda user: login(Client(), user)


def alarm_of(vehicle):
    return services.alarms_raise(
        [
            services.AlarmDraft(
                vehicle_id=vehicle.pk,
                station_id=vehicle.station_id,
                community_id=vehicle.community_id,
                kind=AlarmKind.VIBRATION,
                at=timezone.now(),
            )
        ]
    )[0]


def test_list_is_station_scoped_and_masks_owners(alice, charlie, as_user, vehicle, vehicle_b):
    data = as_user(alice).get(API).json()
    assert {v["plate"] for v in data["results"]} == {"川L12345", "川L54321"}
    row = next(v for v in data["results"] if v["plate"] == "川L12345")
    assert row["owner_phone"] == "139****1111" and row["owner_name"] != "徐明"
    assert as_user(charlie).get(API).json()["results"] == []
    assert as_user(charlie).get(f"{API}{vehicle.pk}/").status_code == 404


def test_search_filter(alice_client, vehicle, vehicle_b):
    assert [v["plate"] for v in alice_client.get(API, {"q": "54321"}).json()["results"]] == [
        "川L54321"
    ]


def test_arm_and_disarm(bob_client, vehicle):
    assert bob_client.post(f"{API}{vehicle.pk}/arm/").json()["armed"] is True
    assert bob_client.post(f"{API}{vehicle.pk}/arm/").status_code == 400
    assert bob_client.post(f"{API}{vehicle.pk}/disarm/").json()["armed"] is False
    assert vehicle.events.filter(data__channel="api").count() == 2


def test_arm_of_a_supported_tracker_reports_its_device_command(bob_client, vehicle):
    from fengqiao.tracking.models import Device, DeviceCommand

    assert bob_client.get(f"{API}{vehicle.pk}/").json()["remote_arming"] is False
    Device.objects.filter(pk=vehicle.device_id).update(
        arm_command="ARM,1#", disarm_command="ARM,0#"
    )
    data = bob_client.post(f"{API}{vehicle.pk}/arm/").json()
    command = DeviceCommand.objects.get(device_id=vehicle.device_id)
    assert data["remote_arming"] is True
    assert data["device_command"] == {"id": command.pk, "kind": "arm", "status": "queued"}
    assert command.reason == "民警设防(接口)"


def test_arm_outside_scope(bob, charlie, as_user, vehicle, vehicle_b):
    assert as_user(bob).post(f"{API}{vehicle_b.pk}/arm/").status_code == 403
    assert as_user(charlie).post(f"{API}{vehicle.pk}/arm/").status_code == 404


def test_unknown_fields_are_refused(bob_client, vehicle):
    response = bob_client.post(
        f"{API}{vehicle.pk}/fence/",
        {"latitude": 29.2, "longitude": 103.9, "radius_m": 300, "colour": "蓝"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "colour" in response.json()


def test_fence_and_bad_fence(bob_client, vehicle):
    body = {"latitude": 29.2, "longitude": 103.9, "radius_m": 300}
    assert (
        bob_client.post(f"{API}{vehicle.pk}/fence/", body, content_type="application/json").json()[
            "home_radius_m"
        ]
        == 300
    )
    bad = bob_client.post(
        f"{API}{vehicle.pk}/fence/", {**body, "radius_m": 5}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_engine_command_roles_reason_and_speed(bob, commander, as_user, vehicle, settings):
    body = {"kind": "engine_cut", "reason": "车辆被盗正在追踪"}
    assert (
        as_user(bob)
        .post(f"{API}{vehicle.pk}/command/", body, content_type="application/json")
        .status_code
        == 403
    )
    client = as_user(commander)
    assert (
        client.post(
            f"{API}{vehicle.pk}/command/", {"kind": "engine_cut"}, content_type="application/json"
        ).status_code
        == 400
    )
    settings.VEHICLES_COMMAND_MAX_SPEED_KMH = 20
    Device.objects.filter(pk=vehicle.device_id).update(speed_kmh=60)
    response = client.post(f"{API}{vehicle.pk}/command/", body, content_type="application/json")
    assert response.status_code == 400 and "60公里" in str(response.json())
    Device.objects.filter(pk=vehicle.device_id).update(speed_kmh=0)
    assert (
        client.post(
            f"{API}{vehicle.pk}/command/", body, content_type="application/json"
        ).status_code
        == 202
    )
    assert DeviceCommand.objects.count() == 1


def test_trail(alice_client, vehicle):
    now = timezone.now()
    Position.objects.create(
        device=vehicle.device,
        fixed_at=now - dt.timedelta(minutes=5),
        received_at=now,
        latitude=29.2,
        longitude=103.9,
    )
    assert len(alice_client.get(f"{API}{vehicle.pk}/trail/").json()) == 1
    assert alice_client.get(f"{API}{vehicle.pk}/trail/", {"start": "nonsense"}).status_code == 400


def test_alarms_acknowledge_and_close(bob, charlie, as_user, vehicle, vehicle_b):
    mine, other = alarm_of(vehicle), alarm_of(vehicle_b)
    client = as_user(bob)
    assert {a["id"] for a in client.get(f"{API}alarms/").json()["results"]} == {mine.pk, other.pk}
    assert client.post(f"{API}alarms/{mine.pk}/acknowledge/").json()["status"] == "acknowledged"
    assert client.post(f"{API}alarms/{mine.pk}/close/", {"result": "nope"}).status_code == 400
    assert (
        client.post(f"{API}alarms/{mine.pk}/close/", {"result": "false_alarm"}).json()["status"]
        == "closed"
    )
    assert (
        client.post(f"{API}alarms/{other.pk}/close/", {"result": "false_alarm"}).status_code == 403
    )
    assert as_user(charlie).get(f"{API}alarms/{mine.pk}/").status_code == 404
    assert Alarm.objects.get(pk=other.pk).status == "open"


def test_theft_report_and_recovery(alice, charlie, as_user, vehicle):
    client = as_user(alice)
    lead, second = case_officers(vehicle.station)
    response = client.post(
        f"{API}{vehicle.pk}/theft/",
        {
            "place": "西街",
            "reporter_name": "徐明",
            "lead_officer": lead.pk,
            "second_officer": second.pk,
        },
    )
    assert response.status_code == 201 and response.json()["incident_reference"].startswith("JQ-")
    theft = Theft.objects.get()
    case = Case.objects.get()
    body = response.json()
    assert (body["case"], body["case_reference"], body["case_status"]) == (
        case.pk,
        case.reference,
        "review",
    )
    assert (case.lead_officer, case.second_officer, case.source_incident_id) == (
        lead,
        second,
        theft.incident_id,
    )
    assert (
        as_user(charlie)
        .post(f"{API}thefts/{theft.pk}/recovery/", {"place": "x", "condition": "intact"})
        .status_code
        == 404
    )
    assert (
        client.post(
            f"{API}thefts/{theft.pk}/recovery/", {"place": "x", "condition": "shiny"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{API}thefts/{theft.pk}/recovery/", {"place": "清溪", "condition": "intact"}
        ).json()["status"]
        == "recovered"
    )
    assert client.post(f"{API}thefts/{theft.pk}/claim/").status_code == 400
    assert case.events.filter(kind="action", text__startswith="车辆已追回").exists()


def test_theft_report_without_or_with_unknown_officers_is_400_and_saves_nothing(
    alice, charlie, as_user, vehicle
):
    client = as_user(alice)
    lead, _second = case_officers(vehicle.station)
    missing = client.post(
        f"{API}{vehicle.pk}/theft/",
        {"place": "西街", "reporter_name": "徐明", "lead_officer": lead.pk},
    )
    assert missing.status_code == 400 and "second_officer" in missing.json()
    other_station = client.post(
        f"{API}{vehicle.pk}/theft/",
        {
            "place": "西街",
            "reporter_name": "徐明",
            "lead_officer": lead.pk,
            "second_officer": charlie.pk,
        },
    )
    assert other_station.status_code == 400
    assert "不在本所" in str(other_station.json()["second_officer"])
    same = client.post(
        f"{API}{vehicle.pk}/theft/",
        {
            "place": "西街",
            "reporter_name": "徐明",
            "lead_officer": lead.pk,
            "second_officer": lead.pk,
        },
    )
    assert same.status_code == 400 and "同一人" in str(same.json()["second_officer"])
    assert not Theft.objects.exists() and not Case.objects.exists()
    assert not Incident.objects.exists()


def test_vehicle_history(alice_client, vehicle):
    alice_client.post(f"{API}{vehicle.pk}/arm/")
    assert alice_client.get(f"{API}{vehicle.pk}/history/").json()["count"] >= 2


def test_owner_app_arms_and_disarms_with_its_key(alice, vehicle):
    raw = services.owner_key_issue(actor=alice, vehicle=vehicle)
    app = Client()
    assert app.get(f"{API}owner/").status_code in (401, 403)
    assert app.get(f"{API}owner/", HTTP_X_OWNER_KEY="wrong").status_code in (401, 403)
    data = app.get(f"{API}owner/", HTTP_X_OWNER_KEY=raw).json()
    assert data["plate"] == "川L12345" and data["armed"] is False and "owner" not in data
    assert app.post(f"{API}owner/arm/", HTTP_X_OWNER_KEY=raw).json()["armed"] is True
    assert app.post(f"{API}owner/arm/", HTTP_X_OWNER_KEY=raw).status_code == 400
    assert app.post(f"{API}owner/disarm/", HTTP_X_OWNER_KEY=raw).json()["armed"] is False
    assert vehicle.events.filter(data__channel="owner_app").count() == 2


def test_owner_app_arming_queues_the_trackers_command(alice, vehicle):
    from fengqiao.tracking.models import Device, DeviceCommand

    Device.objects.filter(pk=vehicle.device_id).update(
        arm_command="ARM,1#", disarm_command="ARM,0#"
    )
    raw = services.owner_key_issue(actor=alice, vehicle=vehicle)
    data = Client().post(f"{API}owner/arm/", HTTP_X_OWNER_KEY=raw).json()
    command = DeviceCommand.objects.get(device_id=vehicle.device_id)
    assert data["device_command"]["id"] == command.pk
    assert (command.text, command.requested_by, command.reason) == (
        "ARM,1#",
        None,
        "车主设防(车主应用)",
    )


def test_a_new_owner_key_revokes_the_old(alice, bob, vehicle, vehicle_b):
    from django.core.exceptions import PermissionDenied

    old = services.owner_key_issue(actor=alice, vehicle=vehicle)
    new = services.owner_key_issue(actor=alice, vehicle=vehicle)
    app = Client()
    assert app.post(f"{API}owner/arm/", HTTP_X_OWNER_KEY=old).status_code in (401, 403)
    assert app.post(f"{API}owner/arm/", HTTP_X_OWNER_KEY=new).status_code == 200
    with pytest.raises(PermissionDenied):
        services.owner_key_issue(actor=bob, vehicle=vehicle_b)
