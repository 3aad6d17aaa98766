"""The gateway's store: a resend of fixes already in the table (after a restart, or a reconnect to
another gateway process) is not written twice, on SQLite and PostgreSQL alike; the writer's connection
keeps its durability setting across reconnections."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from fengqiao.gateway.store import Committer
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


def test_a_fix_another_process_stored_is_not_stored_again():
    """The database is the arbiter (a unique key on device and fix time, ON CONFLICT DO NOTHING): a
    process that does not know a fix was stored — even judging it new and in order — writes it once."""
    device = DeviceFactory()
    one, two = DjangoStore(), DjangoStore()
    fixes = [record(device, s) for s in (0, 10)]
    assert one.write(fixes, {}) == fixes
    again = [record(device, s) for s in (0, 10, 20)]
    written = two.write([*again, record(device, 20)], {})  # and twice in one batch
    assert [r[2] for r in written] == [BASE + dt.timedelta(seconds=20)]
    assert Position.objects.filter(device=device).count() == 3


def test_the_unique_key_holds_for_every_writer():
    device = DeviceFactory()
    Position.objects.create(
        device=device, fixed_at=BASE, received_at=BASE, latitude=29.2, longitude=103.9
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(
            device=device, fixed_at=BASE, received_at=BASE, latitude=29.3, longitude=103.9
        )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite durability setting")
def test_sqlite_stays_synchronous_full_after_a_failed_write_and_reconnect():
    """After a failed commit the writer drops its connection; the new one must get the gateway's
    PRAGMA synchronous=FULL again, not the web app's NORMAL (issue 20)."""
    store = DjangoStore()

    def synchronous():
        return connection.connection.execute("PRAGMA synchronous").fetchone()[0]

    assert synchronous() == 2
    committer = Committer(lambda: store, None)
    committer.store = store
    orphan = DeviceFactory.build(
        pk=999_999
    )  # no such device: the deferred foreign key fails COMMIT
    ok, _ = committer._write([record(orphan, 0)], {})
    assert not ok and committer.stats["write_errors"] >= 1
    assert connection.connection is None  # the failed connection was dropped
    device = DeviceFactory()
    assert store.write([record(device, 0)], {})
    assert synchronous() == 2


def test_positions_carry_no_index_of_their_own_on_device():
    """Each stored position costs one B-tree insert per index: the unique (device, fixed_at) key serves
    every look-up by device, so a separate (device_id) index (PostgreSQL had one) must not come back."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tracking_position")
    device_only = [
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == ["device_id"] and not info["primary_key"]
    ]
    assert device_only == []
    assert any(
        info["unique"] and info["columns"] == ["device_id", "fixed_at"]
        for info in constraints.values()
    )


def test_one_device_update_per_commit_takes_the_newer_fix_and_the_touched_flags():
    """The devices' latest fix and last message time go in one statement per commit (issue 26): a
    device moves only to a fix newer than its row's, flags change only where the batch had one, and a
    device the batch only touched keeps its fix."""
    moved, stale, touched = DeviceFactory(), DeviceFactory(), DeviceFactory()
    store = DjangoStore()
    store.write([record(stale, 60)], {})  # stale's latest: BASE + 60 s
    seen = BASE + dt.timedelta(minutes=5)
    written = store.write(
        [record(moved, 10), record(moved, 20), record(stale, 30)],
        {
            moved.pk: {"last_seen_at": seen, "remote_address": "10.0.0.1:5", "ignition": True},
            stale.pk: {"last_seen_at": seen, "battery_percent": 50},
            touched.pk: {"last_seen_at": seen, "charging": False},
        },
    )
    assert len(written) == 3
    for device in (moved, stale, touched):
        device.refresh_from_db()
    assert moved.last_fix_at == BASE + dt.timedelta(seconds=20)
    assert (moved.latitude, moved.speed_kmh, moved.course) == (29.209, 20.0, 90.0)
    assert (moved.remote_address, moved.ignition, moved.battery_percent) == (
        "10.0.0.1:5",
        True,
        None,
    )
    assert stale.last_fix_at == BASE + dt.timedelta(seconds=60)  # 30 s is older: not the latest
    assert stale.battery_percent == 50 and stale.last_seen_at == seen
    assert touched.last_fix_at is None and touched.latitude is None
    assert touched.charging is False and touched.last_seen_at == seen


def test_a_batch_larger_than_one_statement_is_stored_whole():
    """SQLite takes a commit's positions in multi-row statements of at most 2,000 rows."""
    device = DeviceFactory()
    store = DjangoStore()
    batch = [record(device, s) for s in range(4500)]
    assert len(store.write(batch, {device.pk: {"last_seen_at": BASE}})) == 4500
    assert Position.objects.filter(device=device).count() == 4500
    device.refresh_from_db()
    assert device.last_fix_at == BASE + dt.timedelta(seconds=4499)
