"""Attention, not noise (issue 24): the home page's queue grouped by kind with counts, repeats folded
into one row, a reminder about an alert updating the existing item (the bell does not climb), bulk
acknowledge scoped, role-checked and recorded, and each role's own work first."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.command import alerts
from fengqiao.command.models import Alert
from fengqiao.core import workqueue
from fengqiao.core.models import ObjectChange
from fengqiao.notifications import attention, selectors
from fengqiao.notifications.models import Notification
from fengqiao.notifications.services import notification_send
from tests.command.conftest import duty, fenggang  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _alert(station, n, *, level="red", minutes_ago=30, kind="vehicle_alarm"):
    return alerts.alert_raise(
        station_id=station.pk,
        kind=kind,
        source_kind="vehicles.alarm",
        source_id=n,
        title=f"川L1234{n} 断电告警",
        level=level,
        at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        announce=False,
    )


def _leader_queue(user):
    return workqueue.items_for(user, timezone.now(), limit=400)


def test_a_reminder_about_an_alert_updates_the_existing_item_and_not_the_bell(
    station, alice, settings
):
    settings.COMMAND_ALERT_ESCALATE_MINUTES = 10
    alert = _alert(station, 1)
    alerts.announce_alert(alert, tell_leader=True)  # the red alert told the leader
    assert selectors.unread_count(alice) == 1
    assert alerts.alerts_escalate() == 1  # "告警未确认 10 分钟" to the same leader
    assert selectors.unread_count(alice) == 1
    (row,) = Notification.objects.filter(recipient=alice)
    assert row.repeats == 1 and "告警未确认 10 分钟" in row.title and row.updated_at is not None


def test_a_read_item_comes_back_only_when_the_level_rises(station, alice):
    (n,) = notification_send(
        recipients=[alice], kind="t", title="一", level="orange", thread_key="x:1"
    )
    Notification.objects.filter(pk=n.pk).update(read_at=timezone.now())
    notification_send(recipients=[alice], kind="t", title="二", level="orange", thread_key="x:1")
    assert selectors.unread_count(alice) == 0
    notification_send(recipients=[alice], kind="t", title="三", level="red", thread_key="x:1")
    assert selectors.unread_count(alice) == 1
    assert Notification.objects.filter(recipient=alice).count() == 1


def test_alerts_and_their_reminders_fold_into_one_row_per_alert_grouped_with_a_count(
    station, alice, settings
):
    settings.COMMAND_ALERT_ESCALATE_MINUTES = 10
    for n in range(1, 4):
        alerts.announce_alert(_alert(station, n), tell_leader=True)
    alerts.alerts_escalate()  # three reminders, and three "未确认告警" items from the command room
    items = _leader_queue(alice)
    assert len(items) == 6  # three notifications + three escalated-alert items
    groups = attention.groups_for(alice, items)
    (group,) = [g for g in groups if g.key == "alert"]
    assert group.count == 3  # one row per alert
    assert all(r.repeats == 2 for r in group.rows)  # item + reminder folded into the announcement
    # each row acknowledges the alert and reads the notification
    assert all(any(ref.startswith("command.alert:") for ref in r.refs) for r in group.rows)


def test_the_same_notification_title_folds_into_one_row(station, bob):
    for _i in range(4):
        notification_send(recipients=[bob], kind="t", title="同一提醒", level="yellow")
    notification_send(recipients=[bob], kind="t", title="另一提醒", level="yellow")
    groups = attention.groups_for(bob, _leader_queue(bob))
    (group,) = [g for g in groups if g.key == "notification:t"]
    assert [(r.title, r.repeats) for r in group.rows] in (
        [("同一提醒", 3), ("另一提醒", 0)],
        [("另一提醒", 0), ("同一提醒", 3)],
    )


def test_own_work_comes_before_broadcasts_and_the_command_room_sees_alerts_first(
    station,
    alice,
    fenggang,  # noqa: F811
):
    def own(user, now):
        return [workqueue.WorkItem(title="我的纠纷", url="/d/", due_at=None, kind="mine")]

    workqueue.register("mine", own)
    try:
        alert = _alert(station, 1)
        alerts.announce_alert(alert, tell_leader=True)
        leader = [g.key for g in attention.groups_for(alice, _leader_queue(alice))]
        desk = [g.key for g in attention.groups_for(fenggang, _leader_queue(fenggang))]
    finally:
        workqueue.unregister("mine")
    assert leader.index("mine") < leader.index("alert")
    assert desk.index("alert") < desk.index("mine")


def test_home_page_shows_groups_with_counts_and_repeat_badges(station, alice, client, settings):
    settings.COMMAND_ALERT_ESCALATE_MINUTES = 10
    for n in range(1, 8):
        alerts.announce_alert(_alert(station, n), tell_leader=True)
    alerts.alerts_escalate()
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert 'data-group="alert" data-count="7"' in html
    assert html.count('data-repeats="2"') == 7
    assert "全部确认" in html and "其余 2 项" in html  # five shown, two folded


def test_bulk_acknowledge_all_acknowledges_the_alerts_reads_the_items_and_records(
    station, alice, client, settings
):
    settings.COMMAND_ALERT_ESCALATE_MINUTES = 10
    made = [_alert(station, n) for n in range(1, 4)]
    for a in made:
        alerts.announce_alert(a, tell_leader=True)
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    values = re.findall(r'name="all" value="([^"]+)"', html)
    assert len(values) == 3
    response = client.post(
        reverse("notifications:acknowledge"), {"scope": "all", "all": values, "next": "/"}
    )
    assert response.status_code == 302
    assert not Alert.objects.filter(acknowledged_at__isnull=True).exists()
    assert set(Alert.objects.values_list("acknowledged_by", flat=True)) == {alice.pk}
    assert selectors.unread_count(alice) == 0
    assert ObjectChange.objects.filter(object_id__in=[a.pk for a in made]).count() >= 3
    html = client.get(reverse("home")).content.decode()
    assert "已确认 3 项" in html, html[html.find("work-queue-list") :][:3000]
    assert 'data-group="alert"' not in html


def test_bulk_acknowledge_selected_only_touches_the_ticked_rows(station, alice, client):
    a1, a2 = _alert(station, 1), _alert(station, 2)
    client.force_login(alice)
    client.post(
        reverse("notifications:acknowledge"),
        {"scope": "selected", "ref": [f"command.alert:{a1.pk}"]},
    )
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.acknowledged_by == alice and a2.acknowledged_at is None


def test_bulk_acknowledge_refuses_other_stations_and_roles_that_may_not(
    station, other_station, alice, bob, charlie, client
):
    alert = _alert(station, 1)
    (note,) = notification_send(recipients=[alice], kind="t", title="艾丽的", level="red")
    for user in (
        bob,
        charlie,
    ):  # a community officer may not acknowledge; another station sees nothing
        client.force_login(user)
        response = client.post(
            reverse("notifications:acknowledge"),
            {"scope": "selected", "ref": [f"command.alert:{alert.pk},notification:{note.pk}"]},
            follow=True,
        )
        assert "无权确认" in response.content.decode()
    alert.refresh_from_db()
    note.refresh_from_db()
    assert alert.acknowledged_at is None and note.read_at is None


def test_bulk_acknowledge_rejects_garbage_and_nothing_ticked(alice, client):
    client.force_login(alice)
    r = client.post(reverse("notifications:acknowledge"), {"ref": ["drop table"]}, follow=True)
    assert "无法识别" in r.content.decode()
    r = client.post(reverse("notifications:acknowledge"), {"scope": "selected"}, follow=True)
    assert "请先勾选" in r.content.decode()
    assert client.get(reverse("notifications:acknowledge")).status_code == 405
