import pytest

from fengqiao.notifications.models import Notification
from fengqiao.notifications.services import notification_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_send_puts_one_inbox_row_per_recipient(alice, bob):
    sent = notification_send(recipients=[alice, bob], kind="test", title="红色纠纷", level="red")
    assert len(sent) == 2
    assert Notification.objects.filter(recipient=alice, title="红色纠纷", level="red").count() == 1
    assert Notification.objects.filter(recipient=bob, title="红色纠纷").count() == 1


def test_send_links_the_object(alice, bob):
    (note,) = notification_send(
        recipients=[alice], kind="test", title="x", obj=bob, url="/somewhere/"
    )
    note.refresh_from_db()
    assert note.obj == bob
    assert note.url == "/somewhere/"


def test_repeat_send_with_same_dedupe_key_is_a_noop(alice):
    first = notification_send(
        recipients=[alice], kind="clock", title="预警", dedupe_key="clock:1:2"
    )
    again = notification_send(
        recipients=[alice], kind="clock", title="预警", dedupe_key="clock:1:2"
    )
    assert len(first) == 1
    assert again == []
    assert Notification.objects.filter(recipient=alice).count() == 1


def test_dedupe_key_is_per_recipient(alice, bob):
    notification_send(recipients=[alice], kind="clock", title="预警", dedupe_key="k")
    sent = notification_send(recipients=[alice, bob], kind="clock", title="预警", dedupe_key="k")
    assert [n.recipient for n in sent] == [bob]


def test_dedupe_is_enforced_by_the_database(alice):
    from django.db import IntegrityError, transaction

    Notification.objects.create(recipient=alice, kind="k", title="t", dedupe_key="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=alice, kind="k", title="t", dedupe_key="same")


def test_sends_without_dedupe_key_are_all_kept(alice):
    notification_send(recipients=[alice], kind="k", title="t")
    notification_send(recipients=[alice], kind="k", title="t")
    assert Notification.objects.filter(recipient=alice).count() == 2


def test_inactive_user_gets_nothing(station):
    gone = UserFactory(station=station, is_active=False)
    assert notification_send(recipients=[gone], kind="k", title="t") == []


def test_unknown_level_is_refused(alice):
    with pytest.raises(ValueError):
        notification_send(recipients=[alice], kind="k", title="t", level="purple")
    assert not Notification.objects.exists()


def test_link_defaults_to_the_objects_own_page(alice, bob, monkeypatch):
    monkeypatch.setattr(
        type(bob), "get_absolute_url", lambda self: f"/staff/{self.pk}/", raising=False
    )
    (note,) = notification_send(recipients=[alice], kind="k", title="t", obj=bob)
    assert note.url == f"/staff/{bob.pk}/"


def test_a_concurrent_send_with_the_same_key_loses_quietly(alice, bob):
    """If another process inserts the same (recipient, key) between our check and our insert, the
    unique constraint fires and we keep only the rows that are new."""
    from fengqiao.notifications.services import _insert

    Notification.objects.create(recipient=alice, kind="k", title="先到", dedupe_key="same")
    rows = [
        Notification(recipient=u, kind="k", title="后到", dedupe_key="same") for u in (alice, bob)
    ]
    created = _insert(rows, dedupe=True)
    assert [n.recipient for n in created] == [bob]
    assert Notification.objects.filter(dedupe_key="same").count() == 2


def test_send_uses_a_fixed_number_of_queries_whatever_the_recipients(
    station, django_assert_max_num_queries
):
    people = [UserFactory(station=station) for _ in range(10)]
    with django_assert_max_num_queries(4):
        sent = notification_send(recipients=people, kind="k", title="t", dedupe_key="x")
    assert len(sent) == 10
