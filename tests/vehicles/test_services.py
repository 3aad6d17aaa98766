import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.accounts.choices import Rank, Role
from fengqiao.cases.models import Case
from fengqiao.core.audit import history_for
from fengqiao.core.services import clocks_for
from fengqiao.incidents.models import Incident
from fengqiao.notifications.models import Notification
from fengqiao.tracking.models import Device, DeviceCommand
from fengqiao.vehicles import services
from fengqiao.vehicles.choices import (
    AlarmKind,
    AlarmStatus,
    ClaimStatus,
    EventKind,
    TheftStatus,
    VehicleStatus,
)
from fengqiao.vehicles.models import Alarm, Theft, Tracker
from tests.factories import UserFactory
from tests.vehicles.factories import VehicleFactory, case_officers, policy_for, report_theft

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def report(actor, vehicle, **kw):
    kw.setdefault("reporter_phone", "13900001111")
    return report_theft(actor, vehicle, **kw)


# ----------------------------------------------------------------------------- theft → recovery


def test_theft_report_flags_vehicle_and_opens_a_theft_incident(alice, vehicle, commander):
    theft = report(alice, vehicle, narrative="停放在菜市场门口被盗")
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.STOLEN
    assert theft.reference.startswith("DQ-")
    incident = Incident.objects.get(pk=theft.incident_id)
    assert incident.category.code == "XS-DQ"
    assert vehicle.plate in incident.narrative and incident.caller_phone == "13900001111"
    note = Notification.objects.get(recipient=commander, kind="vehicle_theft")
    assert note.urgent and note.url == theft.get_absolute_url()
    assert vehicle.events.filter(kind=EventKind.THEFT_REPORTED).exists()


def test_second_theft_report_of_a_stolen_vehicle_is_refused(alice, vehicle):
    report(alice, vehicle)
    with pytest.raises(ValidationError, match="已登记被盗"):
        report(alice, vehicle)
    assert Theft.objects.count() == 1


def test_theft_report_opens_the_theft_case_linked_to_the_incident(alice, vehicle):
    lead, second = case_officers(vehicle.station)
    theft = report(alice, vehicle, narrative="停放在菜市场门口被盗")
    case = Case.objects.get()
    incident = Incident.objects.get(pk=theft.incident_id)
    assert theft.case == case and case.source_incident == incident
    assert incident.case_reference == case.reference
    assert (case.kind, case.offence.code, case.status) == ("criminal", "XS-DQ", "review")
    assert case.title == "川L12345被盗案" and "停放在菜市场门口被盗" in case.summary
    assert (case.lead_officer, case.second_officer) == (lead, second)
    assert case.reported_at == theft.reported_at and case.created_by == alice
    # the case's 立案审查 runs; the incident's own review clock stopped when the case was linked
    assert [c.kind for c in clocks_for(case)] == ["criminal_filing_review"]
    assert all(c.stopped_at is not None for c in clocks_for(incident) if "review" in c.kind)
    event = vehicle.events.get(kind=EventKind.THEFT_REPORTED)
    assert event.data["case"] == case.reference and event.data["incident"] == incident.reference


def test_theft_reported_by_an_auxiliary_opens_the_case_as_the_system(community_a, vehicle):
    aux = UserFactory(role=Role.AUXILIARY, rank=Rank.AUXILIARY, station=vehicle.station)
    community_a.officers.add(aux)
    theft = report(aux, vehicle)
    assert theft.recorded_by == aux
    assert theft.case.created_by is None  # an auxiliary's role does not open cases
    assert Incident.objects.get().case_reference == theft.case.reference


def _nothing_saved(vehicle):
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.NORMAL
    assert not Theft.objects.exists() and not Incident.objects.exists()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("which", "field", "message"),
    [
        ("no_lead", "lead_officer", "请选择主办民警"),
        ("no_second", "second_officer", "请选择协办民警"),
        ("same", "second_officer", "同一人"),
        ("auxiliary", "second_officer", "辅警"),
        ("other_station", "lead_officer", "本所在职民警"),
        ("inactive", "second_officer", "本所在职民警"),
    ],
)
def test_theft_report_with_bad_officers_is_refused_and_saves_nothing(
    alice, charlie, vehicle, which, field, message
):
    lead, second = case_officers(vehicle.station)
    kw = {
        "no_lead": {"lead_officer": None},
        "no_second": {"second_officer": None},
        "same": {"second_officer": lead},
        "auxiliary": {"second_officer": UserFactory(rank=Rank.AUXILIARY, station=vehicle.station)},
        "other_station": {"lead_officer": charlie},
        "inactive": {
            "second_officer": UserFactory(
                role=Role.CASE_OFFICER, station=vehicle.station, is_active=False
            )
        },
    }[which]
    with pytest.raises(ValidationError) as caught:
        report(alice, vehicle, **kw)
    assert message in " ".join(caught.value.message_dict[field])
    _nothing_saved(vehicle)


def test_a_failure_while_opening_the_case_rolls_back_the_incident(alice, vehicle):
    from fengqiao.cases.models import OffenceType

    OffenceType.objects.filter(code="XS-DQ").update(active=False)
    with pytest.raises(ValidationError, match="盗窃罪"):
        report(alice, vehicle)
    _nothing_saved(vehicle)


def test_theft_report_needs_place_and_reporter_and_a_valid_phone(alice, vehicle):
    for bad in ({"place": " "}, {"reporter_name": ""}, {"reporter_phone": "12"}):
        with pytest.raises(ValidationError):
            report(alice, vehicle, **bad)
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.NORMAL and not Incident.objects.exists()


def test_recovery_closes_the_theft_and_clears_the_flag(alice, bob, vehicle):
    theft = report(alice, vehicle)
    recovery = services.recovery_record(
        actor=bob, theft=theft, place="清溪镇废品站", condition="damaged", note="后视镜损坏"
    )
    theft.refresh_from_db()
    vehicle.refresh_from_db()
    assert theft.status == TheftStatus.RECOVERED and recovery.recovered_by == bob
    assert vehicle.status == VehicleStatus.NORMAL
    # the case file shows it, as the recovering officer's work (bob cannot edit the case itself)
    case = theft.case
    event = case.events.get(kind="action", text__startswith="车辆已追回")
    assert event.actor == bob and "车况有损坏" in event.text and "清溪镇废品站" in event.text
    action = case.actions.get()
    assert (action.kind, action.officer, action.recorded_by) == ("other", bob, bob)
    case.refresh_from_db()
    assert case.last_action_at == recovery.recovered_at
    with pytest.raises(ValidationError, match="不能再登记追回"):
        services.recovery_record(actor=bob, theft=theft, place="x", condition="intact")


def test_recovery_before_the_report_or_without_condition_is_refused(alice, vehicle):
    theft = report(alice, vehicle)
    with pytest.raises(ValidationError, match="不能早于报案时间"):
        services.recovery_record(
            actor=alice,
            theft=theft,
            place="x",
            condition="intact",
            recovered_at=theft.reported_at - dt.timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        services.recovery_record(actor=alice, theft=theft, place="x", condition="shiny")
    theft.refresh_from_db()
    assert theft.status == TheftStatus.OPEN


# ----------------------------------------------------------------------------- theft → claim


def test_claim_pays_by_vehicle_age_after_the_recovery_period(alice, vehicle):
    policy_for(vehicle)  # 2023, 90 days; motorcycle bought 2022-03-01
    with time_machine.travel(dt.datetime(2023, 6, 1, 10, tzinfo=TZ), tick=False):
        theft = report(alice, vehicle)
    with time_machine.travel(dt.datetime(2023, 7, 1, 10, tzinfo=TZ), tick=False):
        with pytest.raises(ValidationError, match="后方可理赔"):
            services.claim_approve(actor=alice, theft=theft)
    with time_machine.travel(dt.datetime(2023, 9, 1, 10, tzinfo=TZ), tick=False):
        claim = services.claim_approve(actor=alice, theft=theft)
        assert claim.vehicle_age_years == 1 and claim.amount == Decimal(2500)
        event = theft.case.events.get(kind="action", text__startswith="保险理赔")
        assert "2500元" in event.text and event.actor == alice
        assert not theft.case.actions.exists()  # a claim is not investigative work
        services.claim_pay(actor=alice, claim=claim)
    claim.refresh_from_db()
    theft.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and theft.status == TheftStatus.CLAIMED
    with pytest.raises(ValidationError):
        services.recovery_record(actor=alice, theft=theft, place="x", condition="intact")


def test_no_claim_for_a_recovered_or_uninsured_vehicle(alice, vehicle):
    with time_machine.travel(dt.datetime(2023, 2, 1, 10, tzinfo=TZ), tick=False):
        theft = report(alice, vehicle)
    with time_machine.travel(dt.datetime(2023, 9, 1, 10, tzinfo=TZ), tick=False):
        with pytest.raises(ValidationError, match="没有保险单"):
            services.claim_approve(actor=alice, theft=theft)
        policy_for(vehicle)
        services.recovery_record(actor=alice, theft=theft, place="x", condition="intact")
        theft.refresh_from_db()
        with pytest.raises(ValidationError, match="已追回"):
            services.claim_approve(actor=alice, theft=theft)


def test_claim_roles(bob, alice, vehicle):
    policy_for(vehicle)
    with time_machine.travel(dt.datetime(2023, 2, 1, 10, tzinfo=TZ), tick=False):
        theft = report(alice, vehicle)
    with time_machine.travel(dt.datetime(2023, 9, 1, 10, tzinfo=TZ), tick=False):
        with pytest.raises(PermissionDenied):
            services.claim_approve(actor=bob, theft=theft)


def test_policy_table_rejects_bad_rows(alice, vehicle):
    for bad in ([(0, 100), (0, 200)], [(-1, 100)], []):
        with pytest.raises(ValidationError):
            services.policy_create(
                actor=alice,
                vehicle=vehicle,
                insurer="人保",
                starts_on=dt.date(2023, 1, 1),
                ends_on=dt.date(2023, 12, 31),
                table=bad,
            )
    with pytest.raises(ValidationError):
        services.policy_create(
            actor=alice,
            vehicle=vehicle,
            insurer="人保",
            starts_on=dt.date(2023, 1, 1),
            ends_on=dt.date(2022, 12, 31),
            table=[(0, 100)],
        )


# ----------------------------------------------------------------------------- arming, install desk, commands


def test_arm_remembers_the_last_fix_and_disarm_clears_it(bob, vehicle):
    Device.objects.filter(pk=vehicle.device_id).update(latitude=29.21, longitude=103.95)
    vehicle.refresh_from_db()
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=True)
    vehicle.refresh_from_db()
    assert vehicle.armed and vehicle.armed_latitude == 29.21
    with pytest.raises(ValidationError, match="已处于设防"):
        services.vehicle_arm(actor=bob, vehicle=vehicle, armed=True)
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=False)
    vehicle.refresh_from_db()
    assert not vehicle.armed and vehicle.armed_latitude is None
    assert [e.kind for e in vehicle.events.all()][:2] == [EventKind.DISARMED, EventKind.ARMED]
    assert history_for(vehicle).count() >= 3


ARM, DISARM = "ARM,1#", "ARM,0#"  # the model's commands as its manual gives them (example)


def _supports_arming(vehicle, **fields):
    Device.objects.filter(pk=vehicle.device_id).update(
        arm_command=ARM, disarm_command=DISARM, **fields
    )
    vehicle.refresh_from_db()


def test_arming_a_supported_tracker_queues_its_command(bob, vehicle):
    _supports_arming(vehicle)
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=True)
    assert vehicle.armed and vehicle.arm_command is not None
    command = DeviceCommand.objects.get(device_id=vehicle.device_id)
    assert (command.kind, command.text, command.status) == ("arm", ARM, "queued")
    assert (command.requested_by, command.reason) == (bob, "民警设防(网页)")
    event = vehicle.events.get(kind=EventKind.ARMED)
    assert event.data == {"channel": "web", "command": command.pk}
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=False, channel="api")
    disarm = DeviceCommand.objects.order_by("-pk").first()
    assert (disarm.kind, disarm.text, disarm.reason) == ("disarm", DISARM, "民警撤防(接口)")


def test_arming_an_unsupported_tracker_is_on_the_server_only(bob, vehicle):
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=True)
    vehicle.refresh_from_db()
    assert vehicle.armed
    assert not DeviceCommand.objects.exists()
    assert vehicle.events.get(kind=EventKind.ARMED).data == {"channel": "web"}


def test_owner_app_arming_queues_the_command_without_a_staff_actor(vehicle):
    _supports_arming(vehicle)
    services.owner_arm(vehicle=vehicle, armed=True)
    command = DeviceCommand.objects.get(device_id=vehicle.device_id)
    assert (command.kind, command.requested_by, command.reason) == (
        "arm",
        None,
        "车主设防(车主应用)",
    )


def test_arming_at_speed_arms_the_server_but_does_not_send_the_arm(bob, vehicle, settings):
    settings.VEHICLES_COMMAND_MAX_SPEED_KMH = 20
    _supports_arming(vehicle, speed_kmh=45)
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=True)
    vehicle.refresh_from_db()
    assert vehicle.armed
    assert not DeviceCommand.objects.exists()
    assert "45公里" in vehicle.events.get(kind=EventKind.ARMED).data["command_refused"]
    # disarming never stops a vehicle: it is always sent
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=False)
    assert DeviceCommand.objects.get().kind == "disarm"


def test_arming_with_a_disabled_tracker_only_arms_the_server(bob, vehicle):
    _supports_arming(vehicle, status="disabled")
    services.vehicle_arm(actor=bob, vehicle=vehicle, armed=True)
    vehicle.refresh_from_db()
    assert vehicle.armed and not DeviceCommand.objects.exists()


def test_install_desk_records_the_arm_commands(bob, vehicle):
    services.tracker_install(
        actor=bob,
        vehicle=vehicle,
        imei="013912345679",
        protocol="jt808",
        arm_command=" ARM,1# ",
        disarm_command="ARM,0#",
    )
    vehicle.refresh_from_db()
    assert vehicle.device.identifier == "013912345679"
    assert (vehicle.device.arm_command, vehicle.device.disarm_command) == (ARM, DISARM)
    assert history_for(vehicle.device).exists()
    services.vehicle_set_arm_commands(actor=bob, vehicle=vehicle, arm_command="", disarm_command="")
    vehicle.device.refresh_from_db()
    assert not vehicle.device.can_arm_remotely


@pytest.mark.parametrize(
    ("protocol", "arm", "disarm", "text"),
    [
        ("gt06", ARM, "", "同时填写"),
        ("gt06", "设防#", DISARM, "ASCII"),
        ("osmand", ARM, DISARM, "不能接收"),
    ],
)
def test_install_desk_bad_arm_commands_change_nothing(bob, owner, protocol, arm, disarm, text):
    vehicle = VehicleFactory(owner=owner)
    with pytest.raises(ValidationError, match=text):
        services.tracker_install(
            actor=bob,
            vehicle=vehicle,
            imei="868120145239999",
            protocol=protocol,
            arm_command=arm,
            disarm_command=disarm,
        )
    assert not Device.objects.filter(identifier="868120145239999").exists()
    assert not Tracker.objects.filter(vehicle=vehicle).exists()


def test_community_officer_cannot_arm_another_communitys_vehicle(bob, vehicle_b, charlie, vehicle):
    with pytest.raises(PermissionDenied):
        services.vehicle_arm(actor=bob, vehicle=vehicle_b, armed=True)
    with pytest.raises(PermissionDenied):
        services.vehicle_arm(actor=charlie, vehicle=vehicle, armed=True)


def test_install_desk_registers_and_accepts_the_device(bob, owner):
    vehicle = services.vehicle_register(
        actor=bob, owner=owner, plate=" 川l 88888 ", kind="e_motorcycle", brand="雅迪"
    )
    assert vehicle.plate == "川L88888" and vehicle.community_id == owner.community_id
    pending = Device.objects.create(identifier="868120145233604", protocol="gt06", status="pending")
    tracker = services.tracker_install(
        actor=bob, vehicle=vehicle, imei="868120145233604", protocol="gt06", sim="1440012345678"
    )
    vehicle.refresh_from_db()
    pending.refresh_from_db()
    assert (
        vehicle.device_id == pending.pk
        and pending.status == "active"
        and pending.station_id == vehicle.station_id
    )
    assert tracker.installed_by == bob and vehicle.imei == "868120145233604"
    # a new tracker replaces the old one
    services.tracker_install(actor=bob, vehicle=vehicle, imei="013912345678", protocol="jt808")
    assert Tracker.objects.filter(vehicle=vehicle, removed_at__isnull=True).count() == 1
    vehicle.refresh_from_db()
    assert vehicle.device.identifier == "013912345678"


def test_install_desk_bad_input(bob, owner, vehicle):
    with pytest.raises(ValidationError):
        services.vehicle_register(actor=bob, owner=owner, plate="??", kind="motorcycle")
    with pytest.raises(ValidationError, match="已登记"):
        services.vehicle_register(actor=bob, owner=owner, plate="川L12345", kind="motorcycle")
    other = VehicleFactory(owner=owner)
    with pytest.raises(ValidationError, match="已安装在"):
        services.tracker_install(actor=bob, vehicle=other, imei=vehicle.imei, protocol="gt06")
    with pytest.raises(ValidationError):
        services.tracker_install(actor=bob, vehicle=other, imei="12ab", protocol="gt06")


def test_engine_cut_only_for_command_roles_with_a_reason(bob, commander, vehicle):
    with pytest.raises(PermissionDenied):
        services.engine_command(
            actor=bob, vehicle=vehicle, kind="engine_cut", reason="车辆被盗,正在追踪"
        )
    with pytest.raises(ValidationError, match="原因"):
        services.engine_command(actor=commander, vehicle=vehicle, kind="engine_cut", reason="")
    command = services.engine_command(
        actor=commander, vehicle=vehicle, kind="engine_cut", reason="车辆被盗,正在追踪"
    )
    assert DeviceCommand.objects.get(pk=command.pk).reason == "车辆被盗,正在追踪"


def test_engine_cut_refused_while_the_vehicle_moves_fast(commander, vehicle, settings):
    settings.VEHICLES_COMMAND_MAX_SPEED_KMH = 20
    Device.objects.filter(pk=vehicle.device_id).update(speed_kmh=45)
    vehicle.refresh_from_db()
    with pytest.raises(ValidationError, match="45公里"):
        services.engine_command(
            actor=commander, vehicle=vehicle, kind="engine_cut", reason="车辆被盗,正在追踪"
        )
    assert not DeviceCommand.objects.exists()
    Device.objects.filter(pk=vehicle.device_id).update(speed_kmh=10)
    vehicle.refresh_from_db()
    services.engine_command(
        actor=commander, vehicle=vehicle, kind="engine_cut", reason="车辆被盗,正在追踪"
    )


# ----------------------------------------------------------------------------- alarms


def _draft(vehicle, kind=AlarmKind.VIBRATION, at=None):
    return services.AlarmDraft(
        vehicle_id=vehicle.pk,
        station_id=vehicle.station_id,
        community_id=vehicle.community_id,
        kind=kind,
        at=at or dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC),
        latitude=29.2,
        longitude=103.9,
    )


def test_alarm_repeats_within_the_window_only_count(vehicle, settings):
    settings.VEHICLES_ALARM_REPEAT_MINUTES = 30
    first = services.alarms_raise([_draft(vehicle)])
    again = services.alarms_raise(
        [_draft(vehicle, at=dt.datetime(2026, 3, 1, 2, 10, tzinfo=dt.UTC))]
    )
    assert len(first) == 1 and again == []
    alarm = Alarm.objects.get()
    assert alarm.repeats == 1
    later = services.alarms_raise([_draft(vehicle, at=dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC))])
    assert len(later) == 1


def test_alarm_acknowledge_then_close_with_result(bob, vehicle, vehicle_b):
    alarm = services.alarms_raise([_draft(vehicle)])[0]
    services.alarm_acknowledge(actor=bob, alarm=alarm)
    with pytest.raises(ValidationError, match="不能确认"):
        services.alarm_acknowledge(actor=bob, alarm=alarm)
    with pytest.raises(ValidationError, match="处理说明"):
        services.alarm_close(actor=bob, alarm=alarm, result="other")
    services.alarm_close(actor=bob, alarm=alarm, result="false_alarm", note="车主在洗车")
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CLOSED and alarm.closed_by == bob and "洗车" in alarm.note
    other = services.alarms_raise([_draft(vehicle_b)])[0]
    with pytest.raises(PermissionDenied):
        services.alarm_close(actor=bob, alarm=other, result="false_alarm")


def test_owner_sms_goes_through_the_sms_gateway(vehicle, settings, monkeypatch):
    from fengqiao.notifications import channels
    from fengqiao.vehicles.models import OwnerMessage

    settings.SMS_GATEWAY_URL = "http://sms.invalid/send"
    sent = []
    monkeypatch.setattr(
        channels.SmsGatewayChannel,
        "send",
        lambda self, n, address: sent.append((address, n.title)) or channels.SendResult(200),
    )
    alarm = services.alarms_raise([_draft(vehicle, kind=AlarmKind.POWER_CUT)])[0]
    message = OwnerMessage.objects.get(alarm=alarm)
    assert services.owner_message_attempt(message.pk) is False
    message.refresh_from_db()
    assert (
        message.status == "sent"
        and sent[0][0] == "13900001111"
        and "川L12345" in sent[0][1]
        and "断电" in sent[0][1]
    )


def test_owner_sms_skipped_without_a_gateway(vehicle, settings):
    from fengqiao.vehicles.models import OwnerMessage

    settings.SMS_GATEWAY_URL = ""
    alarm = services.alarms_raise([_draft(vehicle)])[0]
    message = OwnerMessage.objects.get(alarm=alarm)
    services.owner_message_attempt(message.pk)
    message.refresh_from_db()
    assert message.status == "skipped"


def test_command_room_gets_theft_like_alarms_urgently(vehicle, commander, alice):
    services.alarms_raise([_draft(vehicle, kind=AlarmKind.LOW_BATTERY)])
    assert not Notification.objects.filter(recipient=commander).exists()
    services.alarms_raise([_draft(vehicle, kind=AlarmKind.POWER_CUT)])
    note = Notification.objects.get(recipient=commander)
    assert note.urgent and note.level == "red" and "川L12345" in note.title
    assert not Notification.objects.filter(recipient=alice).exists()


def test_offline_sweep_raises_one_alarm_per_silent_tracker(vehicle, vehicle_b, settings):
    settings.VEHICLES_OFFLINE_HOURS = 24
    now = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    Device.objects.filter(pk=vehicle.device_id).update(last_seen_at=now - dt.timedelta(hours=30))
    Device.objects.filter(pk=vehicle_b.device_id).update(last_seen_at=now - dt.timedelta(hours=2))
    assert services.offline_sweep(now=now) == 1
    assert services.offline_sweep(now=now + dt.timedelta(hours=1)) == 0
    alarm = Alarm.objects.get()
    assert alarm.vehicle == vehicle
    # closing it does not raise it again for the same silence; a new silence does
    services.alarm_close(actor=None, alarm=alarm, result="device_fault")
    assert services.offline_sweep(now=now + dt.timedelta(hours=2)) == 0
    Device.objects.filter(pk=vehicle.device_id).update(last_seen_at=now + dt.timedelta(hours=3))
    assert (
        services.offline_sweep(now=now + dt.timedelta(hours=30)) == 2
    )  # and vehicle_b, silent 32 h by then


def test_offline_sweep_ignores_trackers_dead_for_a_month(vehicle):
    now = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    Device.objects.filter(pk=vehicle.device_id).update(last_seen_at=now - dt.timedelta(days=40))
    assert services.offline_sweep(now=now) == 0


def test_station_roles_may_act_on_every_community(station, vehicle_b):
    duty = UserFactory(role=Role.DUTY_OFFICER, station=station)
    services.vehicle_arm(actor=duty, vehicle=vehicle_b, armed=True)
