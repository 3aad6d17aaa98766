import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from fengqiao.core import workqueue
from fengqiao.core.workqueue import WorkItem
from fengqiao.notifications.models import Notification
from fengqiao.notifications.services import notification_send


@pytest.fixture
def fake_part():
    """Items due in an hour, the day after tomorrow and never — seen at 10:00 Beijing time today: at
    23:30 "in an hour" is tomorrow, and the home page folds it under "later" (the test once failed
    after 23:00)."""
    morning = dt.datetime.combine(
        timezone.localdate(), dt.time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai")
    )
    traveller = time_machine.travel(morning, tick=False)
    traveller.start()
    now = timezone.now()

    def provider(user, now_):
        return [
            WorkItem(title="后天到期", url="/a/", due_at=now + dt.timedelta(days=2), kind="fake"),
            WorkItem(
                title="一小时后到期-黄",
                url="/b/",
                due_at=now + dt.timedelta(hours=1),
                level="yellow",
                kind="fake",
            ),
            WorkItem(title="无期限", url="/c/", due_at=None, kind="fake"),
            WorkItem(
                title="一小时后到期-红",
                url="/d/",
                due_at=now + dt.timedelta(hours=1),
                level="red",
                kind="fake",
            ),
        ]

    workqueue.register("fake", provider)
    yield now
    workqueue.unregister("fake")
    traveller.stop()


def test_items_are_ordered_soonest_due_first_most_severe_first(db, bob, fake_part):
    titles = [i.title for i in workqueue.items_for(bob, fake_part) if i.kind == "fake"]
    assert titles == ["一小时后到期-红", "一小时后到期-黄", "后天到期", "无期限"]


def test_a_failing_provider_does_not_blank_the_queue(db, bob, fake_part):
    def broken(user, now):
        raise RuntimeError("boom")

    workqueue.register("broken", broken)
    try:
        assert any(i.kind == "fake" for i in workqueue.items_for(bob, fake_part))
    finally:
        workqueue.unregister("broken")


def test_work_item_refuses_an_unknown_level():
    with pytest.raises(ValueError):
        WorkItem(title="x", url="", due_at=None, level="purple")


def test_unread_warning_notifications_are_work_items(db, bob):
    notification_send(recipients=[bob], kind="t", title="橙色预警待处理", level="orange")
    notification_send(recipients=[bob], kind="t", title="普通消息", level="info")
    items = [i for i in workqueue.items_for(bob, timezone.now()) if i.kind == "notification"]
    assert [(i.title, i.level) for i in items] == [("橙色预警待处理", "orange")]


def test_read_notifications_leave_the_queue(db, bob):
    (n,) = notification_send(recipients=[bob], kind="t", title="红色", level="red")
    Notification.objects.filter(pk=n.pk).update(read_at=timezone.now())
    assert not [i for i in workqueue.items_for(bob, timezone.now()) if i.kind == "notification"]


def test_queue_holds_only_the_users_own_items(db, bob, alice):
    notification_send(recipients=[alice], kind="t", title="给艾丽", level="red")
    assert not [i for i in workqueue.items_for(bob, timezone.now()) if i.title == "给艾丽"]


def test_home_page_lists_items_coloured_by_level(bob_client, fake_part):
    html = bob_client.get(reverse("home")).content.decode()
    assert html.index("一小时后到期-红") < html.index("一小时后到期-黄") < html.index("无期限")
    # the home page is today's work: the item due the day after tomorrow is folded under "later"
    later = html.index('id="work-later"')
    assert html.index("无期限") < later < html.index("后天到期")
    assert html.index("后天到期") < html.index("</details>", later)
    assert 'class="level-red" data-kind="fake"' in html
    assert 'class="level-yellow" data-kind="fake"' in html


def test_running_clocks_of_the_user_are_work_items_coloured_by_warning(db, bob, alice, community_a):
    from fengqiao.core.services import clock_start, rules_load_defaults
    from fengqiao.core.workflow_models import Clock
    from tests.factories import PersonFactory

    rules_load_defaults()
    person = PersonFactory(community=community_a)
    mine = clock_start(obj=person, kind="callback_local", assignee=bob, title="回访张三")
    clock_start(obj=person, kind="callback_local", assignee=alice, title="艾丽的回访")
    Clock.objects.filter(pk=mine.pk).update(last_warning_level=mine.levels - 1)
    items = [i for i in workqueue.items_for(bob, timezone.now()) if i.kind == "clock"]
    assert [(i.title, i.due_at, i.level) for i in items] == [("回访张三", mine.due_at, "orange")]
