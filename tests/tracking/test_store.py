"""The gateway's store: a resend of fixes already in the table (after a restart, or a reconnect to
another gateway process) is not written twice, on SQLite and PostgreSQL alike."""

import datetime as dt

import pytest

from fengqiao.tracking.models import DeviceAlarm, Position
from fengqiao.tracking.store import DjangoStore
from tests.tracking.factories import DeviceFactory

pytestmark = pytest.mark.django_db(transaction=True)

BASE = dt.datetime(2026, 11, 28, 2, 0, 0, 123000, tzinfo=dt.UTC)


def record(device, seconds, *, outdated=False, alarms=()):
    """A record as the gateway builds it (see fengqiao.gateway.store.Record)."""
    at = BASE + dt.timedelta(seconds=seconds)
    return (
        device.pk,
        device.identifier,
        at,
        at,
        29.209,
        103.947,
        20.0,
        90.0,
        True,
        False,
        outdated,
        {},
        list(alarms),
        b"",
    )


def test_outdated_resend_already_stored_is_left_out():
    device = DeviceFactory()
    store = DjangoStore()
    first = [record(device, s) for s in (0, 10, 20)]
    assert store.write(first, {}) == first
    # a new process knows only the latest fix (20): 0 and 10 come back as out-of-order suspects,
    # 5 is a genuinely buffered fix never seen before
    resent = [record(device, s, outdated=True) for s in (0, 10, 5)]
    resent.append(record(device, 10, outdated=True, alarms=["vibration"]))
    new = record(device, 30)
    written = store.write([*resent, new], {})
    assert [r[2] for r in written] == [BASE + dt.timedelta(seconds=5), new[2]]
    assert Position.objects.count() == 5
    assert not DeviceAlarm.objects.exists()  # the alarm came with a fix already stored
    assert sorted(Position.objects.values_list("fixed_at", flat=True)) == [
        BASE + dt.timedelta(seconds=s) for s in (0, 5, 10, 20, 30)
    ]


def test_other_devices_fixes_at_the_same_time_are_not_duplicates():
    one, two = DeviceFactory(), DeviceFactory()
    store = DjangoStore()
    store.write([record(one, 0)], {})
    written = store.write([record(two, 0, outdated=True)], {})
    assert len(written) == 1
    assert Position.objects.filter(device=two).count() == 1
