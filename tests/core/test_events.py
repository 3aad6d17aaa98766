"""The event backbone (fengqiao.core.events, decision 0008): delivered after commit, never for a
rolled-back write, one failing subscriber harms no other; and model signals stay the change log's."""

import logging

import pytest
from django.db import transaction
from django.db.models import signals

from fengqiao.accounts.models import Bureau
from fengqiao.core import events

pytestmark = pytest.mark.django_db

NAME = "clock.overdue"


def payload(n=1):
    return {"clock_id": n, "station_id": 1, "kind": "k"}


@pytest.fixture
def received():
    got = []

    def handler(event):
        got.append(event)

    events.subscribe(NAME, handler)
    yield got
    events.unsubscribe(NAME, handler)


def test_delivered_after_commit_not_before(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = events.publish(NAME, payload())
            assert received == []  # still inside the writer's transaction
    assert received == [event] and received[0]["clock_id"] == 1


def test_rolled_back_write_publishes_nothing(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                events.publish(NAME, payload())
                raise RuntimeError("the write failed")
    assert received == []


def test_rolled_back_savepoint_drops_only_its_events(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish(NAME, payload(1))
            try:
                with transaction.atomic():
                    events.publish(NAME, payload(2))
                    raise RuntimeError("this part failed")
            except RuntimeError:
                pass
    assert [e["clock_id"] for e in received] == [1]


def test_unknown_name_or_wrong_keys_fail_loudly():
    with pytest.raises(ValueError, match="unknown event"):
        events.publish("dispute.levle_raised", {})
    with pytest.raises(ValueError, match="unknown event"):
        events.subscribe("dispute.saved", lambda e: None)
    with pytest.raises(ValueError, match="missing keys \\['kind'\\]"):
        events.publish(NAME, {"clock_id": 1, "station_id": 1})
    with pytest.raises(ValueError, match="unexpected keys \\['level'\\]"):
        events.publish(NAME, {**payload(), "level": "red"})


def test_a_failing_subscriber_is_logged_rolled_back_alone_and_others_still_run(
    received, caplog, django_capture_on_commit_callbacks
):
    def broken(event):
        Bureau.objects.create(code="HALF", name="写了一半")
        raise RuntimeError("boom")

    events.subscribe(NAME, broken)
    try:
        with caplog.at_level(logging.ERROR, logger="fengqiao.core.events"):
            with django_capture_on_commit_callbacks(execute=True):
                events.publish(NAME, payload())  # the caller sees no error
    finally:
        events.unsubscribe(NAME, broken)
    assert len(received) == 1
    assert not Bureau.objects.filter(code="HALF").exists()
    assert "event clock.overdue: subscriber" in caplog.text and "boom" in caplog.text


def test_every_subscriber_listens_to_a_declared_event():
    from fengqiao.core.events import _subscribers

    assert set(_subscribers) <= set(events.EVENTS)
    # the parts wired in their AppConfig.ready()
    assert events.subscribers("incident.received")
    assert events.subscribers("dispute.level_raised")
    assert events.subscribers("vehicle.alarm_raised")
    assert events.subscribers("estate.device_offline")
    assert events.subscribers("clock.overdue")


def test_model_signals_are_for_the_change_log_only():
    """A part that reacts to another part's write subscribes to the writer's event; a post_save
    receiver would re-fire on every save of the record (the red dispute counted 5 times)."""
    signals_to_check = {
        "pre_save": signals.pre_save,
        "post_save": signals.post_save,
        "pre_delete": signals.pre_delete,
        "post_delete": signals.post_delete,
        "m2m_changed": signals.m2m_changed,
    }
    ours = {
        (name, module, qualname)
        for name, signal in signals_to_check.items()
        for module, qualname in _live_receivers(signal)
        if module.startswith("fengqiao")
    }
    assert ours == {
        ("pre_save", "fengqiao.core.audit", "_pre_save"),
        ("post_save", "fengqiao.core.audit", "_post_save"),
        ("post_delete", "fengqiao.core.audit", "_post_delete"),
    }


def _live_receivers(signal):
    found = []
    for entry in signal.receivers:
        ref = entry[1]
        receiver = ref() if isinstance(ref, _weakref_types()) else ref
        if receiver is None:
            continue
        func = getattr(receiver, "__func__", receiver)
        found.append((getattr(func, "__module__", "") or "", getattr(func, "__qualname__", "")))
    return found


def _weakref_types():
    import weakref

    return (weakref.ref, weakref.WeakMethod)
