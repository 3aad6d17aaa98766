import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.command import alerts, feeds, roster, services
from fengqiao.command.models import Alert, DutyAssignment, PatrolCheck, SwapRequest
from fengqiao.core.models import ObjectChange
from fengqiao.notifications.models import Notification

from .conftest import SH

pytestmark = pytest.mark.django_db


def _raise(station, source_id=1, **kw):
    return alerts.alert_raise(
        station_id=station.pk,
        kind="estate_alarm",
        source_kind="estates.gatealarm",
        source_id=source_id,
        title="江湾壹号 东门离线",
        **kw,
    )


def test_same_source_raises_one_alert_and_counts_repeats(
    station, fenggang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _raise(station)
        again = _raise(station)
    assert first is not None and again is None
    alert = Alert.objects.get()
    assert alert.count == 2
    # announced once, to the command room, through the live push's inbox rows
    assert Notification.objects.filter(recipient=fenggang, kind="command_alert").count() == 1


def test_new_incident_reaches_the_command_room(
    station, fenggang, duty, cat_dispute, django_capture_on_commit_callbacks
):
    from fengqiao.incidents.services import incident_receive

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_receive(
            actor=duty, station=station, category=cat_dispute, location="西街12号"
        )
    alert = Alert.objects.get(source_kind="incidents.incident", source_id=incident.pk)
    assert alert.kind == "incident" and incident.reference in alert.title
    note = Notification.objects.get(recipient=fenggang, kind="command_alert")
    assert incident.reference in note.title


def test_acknowledge_once_by_a_named_person(station, fenggang, duty):
    alert = _raise(station)
    alerts.alert_acknowledge(actor=fenggang, alert=alert, note="已派警")
    alert.refresh_from_db()
    assert alert.acknowledged_by == fenggang and alert.ack_note == "已派警"
    with pytest.raises(ValidationError, match="冯刚"):
        alerts.alert_acknowledge(actor=duty, alert=alert)
    assert ObjectChange.objects.filter(object_id=alert.pk, object_repr__contains="东门").exists()


def test_other_station_cannot_acknowledge(station, charlie):
    alert = _raise(station)
    with pytest.raises(PermissionDenied):
        alerts.alert_acknowledge(actor=charlie, alert=alert)


def test_unacknowledged_alert_escalates_once_to_the_week_leader(
    station, alice, leader2, fenggang, settings
):
    settings.COMMAND_ALERT_ESCALATE_MINUTES = 10
    roster.leader_week_set(
        actor=alice, station=station, week_start=timezone.localdate(), leader=leader2
    )
    alert = _raise(station, at=timezone.now() - dt.timedelta(minutes=11))
    assert alerts.alerts_escalate() == 1
    assert alerts.alerts_escalate() == 0  # claimed: never twice
    alert.refresh_from_db()
    assert alert.escalated_at is not None and alert.escalated_to == [leader2.pk]
    assert (
        Notification.objects.filter(recipient=leader2, kind="command_alert_escalated").count() == 1
    )
    assert not Notification.objects.filter(recipient=alice, kind="command_alert_escalated").exists()


def test_acknowledged_or_fresh_alerts_do_not_escalate(station, alice, fenggang, settings):
    settings.COMMAND_ALERT_ESCALATE_MINUTES = 10
    _raise(station, source_id=1, at=timezone.now() - dt.timedelta(minutes=5))
    old = _raise(station, source_id=2, at=timezone.now() - dt.timedelta(minutes=30))
    alerts.alert_acknowledge(actor=fenggang, alert=old)
    assert alerts.alerts_escalate() == 0


def test_theft_like_vehicle_alarm_reaches_the_wall_and_others_do_not(
    station, community_a, fenggang, django_capture_on_commit_callbacks
):
    from fengqiao.vehicles.services import AlarmDraft, alarms_raise
    from tests.factories import PersonFactory
    from tests.vehicles.factories import tracked_vehicle

    owner = PersonFactory(community=community_a, station=station, name="徐明", phone="13900001111")
    vehicle = tracked_vehicle(owner=owner, plate="川L12345")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        alarms_raise([AlarmDraft(vehicle.pk, station.pk, community_a.pk, "power_cut", now)])
        alarms_raise([AlarmDraft(vehicle.pk, station.pk, community_a.pk, "low_battery", now)])
    alert = Alert.objects.get(kind="vehicle_alarm")
    assert alert.level == "red" and "川L12345" in alert.title
    assert alert.group_key == f"vehicle_alarm:power_cut:{community_a.pk}"


def test_scan_puts_an_unreached_high_risk_warning_on_the_wall_once(
    station, alice, fenggang, settings
):
    from fengqiao.antifraud.models import FraudType
    from fengqiao.antifraud.services import warning_receive

    settings.COMMAND_FRAUD_DUE_MINUTES = 15
    fraud_type = FraudType.objects.get(name="刷单返利")
    warning = warning_receive(
        actor=alice,
        station=station,
        name="王芳",
        risk_level="high",
        fraud_type=fraud_type,
        phone="13800001234",
    )
    assert warning.contact_due_at is not None
    early = warning.contact_due_at - dt.timedelta(minutes=20)
    assert feeds.scan(now=early)["fraud_due"] == 0
    near = warning.contact_due_at - dt.timedelta(minutes=10)
    assert feeds.scan(now=near)["fraud_due"] == 1
    assert feeds.scan(now=near + dt.timedelta(minutes=1))["fraud_due"] == 0  # one alert per warning
    alert = Alert.objects.get(kind="fraud_due")
    assert warning.reference in alert.title and "临近" in alert.title
    assert alert.count == 1  # found again by the next scans: not a repeat of the event


def test_red_dispute_feed(station, community_a, fenggang, django_capture_on_commit_callbacks):
    class D:
        pk, station_id, community_id, reference = 7, station.pk, community_a.pk, "JF-2026-000007"
        dispute_type, narrative, community, address = "邻里", "扬言同归于尽", community_a, None

        def get_absolute_url(self):
            return "/disputes/7/"

    with django_capture_on_commit_callbacks(execute=True):
        feeds.dispute_alert(D())
    alert = Alert.objects.get(kind="dispute_red")
    assert alert.level == "red"


# ----------------------------------------------------------------------------- roster


def test_on_duty_now_and_night_shift_across_midnight(station, alice, duty, day_shift, night_shift):
    today = dt.date(2026, 3, 2)
    roster.duty_assign(
        actor=alice, station=station, day=today, shift=night_shift, post="duty", user=duty
    )
    with time_machine.travel(dt.datetime(2026, 3, 3, 2, 0, tzinfo=SH), tick=False):
        now = roster.on_duty(station.pk)
        assert [u.pk for u in now["posts"]["duty"]] == [duty.pk]
        assert roster.header_duty(station.pk)["duty"] == ["刘洋"]
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=SH), tick=False):
        assert roster.on_duty(station.pk)["posts"] == {}


def test_header_sees_a_roster_change_at_once(station, alice, duty, day_shift):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False):
        assert roster.header_duty(station.pk)["duty"] == []
        roster.duty_assign(
            actor=alice,
            station=station,
            day=dt.date(2026, 3, 2),
            shift=day_shift,
            post="duty",
            user=duty,
        )
        assert roster.header_duty(station.pk)["duty"] == ["刘洋"]


def test_double_assignment_is_refused_with_a_clear_message(station, alice, duty, day_shift):
    roster.duty_assign(
        actor=alice,
        station=station,
        day=dt.date(2026, 3, 2),
        shift=day_shift,
        post="duty",
        user=duty,
    )
    with pytest.raises(ValidationError, match="已有安排"):
        roster.duty_assign(
            actor=alice,
            station=station,
            day=dt.date(2026, 3, 2),
            shift=day_shift,
            post="command",
            user=duty,
        )
    assert DutyAssignment.objects.count() == 1


def test_only_roster_managers_assign(station, bob, duty, day_shift):
    with pytest.raises(PermissionDenied):
        roster.duty_assign(
            actor=bob,
            station=station,
            day=dt.date(2026, 3, 2),
            shift=day_shift,
            post="duty",
            user=duty,
        )


def test_other_station_person_cannot_be_rostered(station, alice, charlie, day_shift):
    with pytest.raises(ValidationError, match="本所"):
        roster.duty_assign(
            actor=alice,
            station=station,
            day=dt.date(2026, 3, 2),
            shift=day_shift,
            post="duty",
            user=charlie,
        )


def test_swap_approved_by_the_week_leader_only(
    station, alice, leader2, duty, bob, day_shift, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + dt.timedelta(days=3)
    roster.leader_week_set(actor=alice, station=station, week_start=day, leader=leader2)
    a = roster.duty_assign(
        actor=alice, station=station, day=day, shift=day_shift, post="duty", user=duty
    )
    with django_capture_on_commit_callbacks(execute=True):
        swap = roster.swap_request(actor=duty, assignment=a, replacement=bob, reason="家中有事")
    assert Notification.objects.filter(recipient=leader2, kind="command_swap").exists()
    with pytest.raises(ValidationError, match="待审批"):
        roster.swap_request(actor=duty, assignment=a, replacement=bob, reason="再次提交")
    with pytest.raises(PermissionDenied):
        roster.swap_decide(actor=alice, swap=swap, approve=True)  # a leader, but not this week's
    roster.swap_decide(actor=leader2, swap=swap, approve=True)
    a.refresh_from_db()
    assert a.user == bob and "刘洋" in a.note
    with pytest.raises(ValidationError, match="已处理"):
        roster.swap_decide(actor=leader2, swap=swap, approve=False, note="晚了")


def test_reject_needs_a_reason(station, alice, duty, bob, day_shift):
    day = timezone.localdate() + dt.timedelta(days=3)
    a = roster.duty_assign(
        actor=alice, station=station, day=day, shift=day_shift, post="duty", user=duty
    )
    swap = roster.swap_request(actor=duty, assignment=a, replacement=bob, reason="家中有事")
    with pytest.raises(ValidationError, match="意见"):
        roster.swap_decide(actor=alice, swap=swap, approve=False)
    assert SwapRequest.objects.get().status == "pending"


def test_week_copy_refuses_a_filled_week(station, alice, duty, day_shift):
    monday = dt.date(2026, 3, 2)
    roster.duty_assign(
        actor=alice, station=station, day=monday, shift=day_shift, post="duty", user=duty
    )
    assert (
        roster.week_copy(
            actor=alice,
            station=station,
            from_monday=monday,
            to_monday=monday + dt.timedelta(days=7),
        )
        == 1
    )
    with pytest.raises(ValidationError, match="已有排班"):
        roster.week_copy(
            actor=alice,
            station=station,
            from_monday=monday,
            to_monday=monday + dt.timedelta(days=7),
        )


def test_handover_suggests_the_next_shifts_duty_officer(
    station, alice, duty, bob, day_shift, night_shift
):
    roster.duty_assign(
        actor=alice,
        station=station,
        day=dt.date(2026, 3, 2),
        shift=day_shift,
        post="duty",
        user=duty,
    )
    roster.duty_assign(
        actor=alice,
        station=station,
        day=dt.date(2026, 3, 2),
        shift=night_shift,
        post="duty",
        user=bob,
    )
    with time_machine.travel(dt.datetime(2026, 3, 2, 19, 0, tzinfo=SH), tick=False):
        ctx = roster.handover_context(station.pk)
    assert ctx["suggested_shift_to"] == bob
    assert ctx["roster_next"]["shift"] == night_shift


# ----------------------------------------------------------------------------- patrol


def test_finding_opens_an_incident_in_one_step(station, fenggang, point, camera, cat_dispute):
    check = services.patrol_check(
        actor=fenggang,
        point=point,
        camera=camera,
        result="finding",
        note="广场聚集约20人",
        open_incident=True,
        category=cat_dispute,
    )
    assert check.incident is not None and "视频巡查发现" in check.incident.narrative
    assert check.incident.community == point.community
    point.refresh_from_db()
    assert point.last_checked_at == check.at


def test_finding_without_note_or_category_saves_nothing(station, fenggang, point):
    with pytest.raises(ValidationError, match="情况"):
        services.patrol_check(actor=fenggang, point=point, result="finding")
    with pytest.raises(ValidationError, match="类别"):
        services.patrol_check(
            actor=fenggang, point=point, result="finding", note="x", open_incident=True
        )
    assert not PatrolCheck.objects.exists()


def test_round_start_twice_continues_the_same_round(fenggang):
    assert services.round_start(actor=fenggang) == services.round_start(actor=fenggang)


def test_community_officer_cannot_patrol(bob, point):
    with pytest.raises(PermissionDenied):
        services.patrol_check(actor=bob, point=point, result="normal")


def test_stream_url_checked_by_kind():
    services.check_stream_url("hls", "https://video.local/live/a.m3u8")
    with pytest.raises(ValidationError, match="m3u8"):
        services.check_stream_url("hls", "https://video.local/live/a.flv")
    with pytest.raises(ValidationError, match="http"):
        services.check_stream_url("flv", "rtsp://cam/1")


def test_breached_clock_becomes_one_overdue_alert(station, alice, fenggang, duty, cat_dispute):
    from fengqiao.core import sweeper
    from fengqiao.core.services import clock_start
    from fengqiao.incidents.services import incident_receive

    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        incident = incident_receive(
            actor=duty, station=station, category=cat_dispute, location="西街"
        )
        clock = clock_start(
            obj=incident, kind="admin_intake_review", assignee=duty, title="受案审查"
        )
    later = clock.due_at + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        sweeper.sweep()
        clock.refresh_from_db()
        assert clock.state == "breached"
        assert feeds.scan()["clock_overdue"] == 1
        assert feeds.scan()["clock_overdue"] == 0
    alert = Alert.objects.get(kind="clock_overdue")
    assert "受案审查" in alert.title and alert.level == "red"
    assert alert.count == 1  # the second scan found the same breach: not a repeat


def test_leader_home_lists_swaps_to_decide_and_station_figures(
    client, login, station, alice, duty, bob, day_shift
):
    from django.urls import reverse

    day = timezone.localdate() + dt.timedelta(days=2)
    roster.leader_week_set(actor=alice, station=station, week_start=day, leader=alice)
    a = roster.duty_assign(
        actor=alice, station=station, day=day, shift=day_shift, post="duty", user=duty
    )
    roster.swap_request(actor=duty, assignment=a, replacement=bob, reason="家中有事")
    html = login(client, alice).get(reverse("home")).content.decode()
    assert 'data-kind="command_swap"' in html and "调班" in html
    for tile in ("红色纠纷", "未确认告警", "超期时限", "三条红线"):
        assert tile in html


def test_year_old_vehicle_alarm_is_counted_not_listed_on_home(
    client, login, station, community_a, duty
):
    from django.urls import reverse

    from fengqiao.vehicles.models import Alarm
    from tests.factories import PersonFactory
    from tests.vehicles.factories import tracked_vehicle

    owner = PersonFactory(community=community_a, station=station, name="徐明", phone="13900001111")
    vehicle = tracked_vehicle(owner=owner, plate="川L99999")
    old = timezone.now() - dt.timedelta(days=400)
    Alarm.objects.create(
        station=station,
        community=community_a,
        vehicle=vehicle,
        kind="vibration",
        at=old,
        last_at=old,
    )
    html = login(client, duty).get(reverse("home")).content.decode()
    assert 'data-kind="vehicle_alarm"' not in html
    assert "较早的未处理车辆告警" in html


def test_red_alert_tells_the_week_leader_unless_the_part_does(
    station, alice, leader2, fenggang, django_capture_on_commit_callbacks
):
    roster.leader_week_set(
        actor=alice, station=station, week_start=timezone.localdate(), leader=leader2
    )
    with django_capture_on_commit_callbacks(execute=True):
        _raise(station, source_id=1, level="red")
        _raise(station, source_id=2, level="red", tell_leader=False)
    assert Notification.objects.filter(recipient=fenggang, kind="command_alert").count() == 2
    assert Notification.objects.filter(recipient=leader2, kind="command_alert").count() == 1
