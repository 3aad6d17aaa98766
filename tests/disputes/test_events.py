"""A dispute publishes its level's rise, not its saves (decision 0008): the red file goes on the
command room's wall once, however often it is saved; nothing for a save that changes nothing or a
write that is rolled back."""

import pytest
from django.db import transaction

from fengqiao.command.models import Alert
from fengqiao.core import events
from fengqiao.disputes import services

pytestmark = pytest.mark.django_db

RED_TALK = "两家因排水沟争吵,一方扬言同归于尽"


@pytest.fixture
def published():
    """Every event delivered during the test, as (name, payload)."""
    got = []

    def record(event):
        got.append((event.name, event.payload))

    for name in events.EVENTS:
        events.subscribe(name, record)
    yield got
    for name in events.EVENTS:
        events.unsubscribe(name, record)


def test_red_dispute_alert_has_repeat_count_one_however_often_it_is_saved(
    register, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = register(bob, narrative=RED_TALK, owner=bob)
    assert dispute.level == "red"
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_update(actor=bob, dispute=dispute, notes="已走访双方")
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_update(actor=bob, dispute=dispute, notes="已走访双方")  # changes nothing
    alert = Alert.objects.get(source_kind="disputes.dispute", source_id=dispute.pk)
    assert alert.kind == "dispute_red" and alert.level == "red"
    assert alert.count == 1  # was 5: every save of the open red file counted a repeat


def test_an_update_that_changes_nothing_raises_nothing(
    register, bob, published, django_capture_on_commit_callbacks
):
    dispute = register(bob, narrative=RED_TALK, owner=bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_update(actor=bob, dispute=dispute, notes=dispute.notes)
        services.dispute_update(actor=bob, dispute=dispute, notes="补充说明")  # facts, not level
    assert published == []


def test_rising_to_red_publishes_once_and_lowering_publishes_nothing(
    register, bob, published, django_capture_on_commit_callbacks
):
    dispute = register(bob, owner=bob)
    assert dispute.level == "yellow"
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_set_level(
            actor=bob, dispute=dispute, level="red", reason="当事人扬言报复"
        )
        dispute = services.dispute_set_level(
            actor=bob, dispute=dispute, level="orange", reason="已稳控"
        )
    assert published == [
        (
            "dispute.level_raised",
            {
                "dispute_id": dispute.pk,
                "station_id": dispute.station_id,
                "before": "yellow",
                "after": "red",
            },
        )
    ]
    # lowered before the wall read it: the subscriber finds the file orange and puts nothing up
    assert not Alert.objects.filter(source_kind="disputes.dispute").exists()


def test_a_rolled_back_write_publishes_nothing(
    register, bob, published, django_capture_on_commit_callbacks
):
    dispute = register(bob, owner=bob)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.dispute_set_level(
                    actor=bob, dispute=dispute, level="red", reason="当事人扬言报复"
                )
                raise RuntimeError("a later step of the same request failed")
    assert published == []
    assert not Alert.objects.exists()
    dispute.refresh_from_db()
    assert dispute.level == "yellow"
