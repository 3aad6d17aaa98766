import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from fengqiao.tracking import partitions
from fengqiao.tracking.models import Position
from fengqiao.tracking.retention import purge_positions
from tests.tracking.factories import DeviceFactory, PositionFactory

pytestmark = pytest.mark.django_db


def test_purge_removes_only_positions_older_than_retention_in_batches(settings):
    settings.POSITION_RETENTION_DAYS = 180
    device = DeviceFactory()
    now = timezone.now()
    for days in (200, 190, 181):
        for i in range(5):
            PositionFactory(device=device, fixed_at=now - dt.timedelta(days=days, minutes=i))
    kept = PositionFactory(device=device, fixed_at=now - dt.timedelta(days=179))
    assert purge_positions(batch_size=4, pause=0) == 15
    assert list(Position.objects.all()) == [kept]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="day partitions exist on PostgreSQL only"
)
def test_day_partitions_take_rows_from_default_and_purge_drops_them():
    device = DeviceFactory()
    day = dt.date(2026, 1, 10)
    at = dt.datetime(2026, 1, 10, 6, 0, tzinfo=dt.UTC)
    PositionFactory(device=device, fixed_at=at)
    assert partitions.is_partitioned(connection)
    partitions.ensure_days(connection, day, day + dt.timedelta(days=1))
    assert day in partitions.existing_days(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.partition_name(day)}")  # noqa: S608
        assert cursor.fetchone()[0] == 1
    PositionFactory(device=device, fixed_at=at + dt.timedelta(days=40))
    assert purge_positions(before=at + dt.timedelta(days=2), pause=0) == 1
    assert day not in partitions.existing_days(connection)
    assert Position.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="day partitions exist on PostgreSQL only"
)
def test_the_application_role_keeps_the_day_partitions_without_schema_rights():
    """The gateway and the worker connect as the application role, which may not change the schema:
    they make and drop day partitions through the owner's two functions (migration tracking 0008),
    which take a date, never a table name."""
    from django.db import DatabaseError, transaction

    from fengqiao.core import rls
    from tests.rls import as_app_role

    device = DeviceFactory()
    day = dt.date(2026, 2, 3)
    PositionFactory(device=device, fixed_at=dt.datetime(2026, 2, 3, 8, 0, tzinfo=dt.UTC))
    with as_app_role(), rls.scoped(rls.ALL):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TABLE fengqiao_not_allowed (id int)")  # no schema rights
        assert partitions.ensure_days(connection, day, day) == [day]
        assert day in partitions.existing_days(connection)
        assert partitions.ensure_days(connection, day, day) == []  # already there
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {partitions.partition_name(day)}")  # noqa: S608
            assert cursor.fetchone()[0] == 1  # the day's row moved out of the default
            # a table that is not a day partition of the position table is never dropped
            cursor.execute("SELECT fengqiao_position_day_drop(%s)", [dt.date(1999, 1, 1)])
            assert cursor.fetchone()[0] is False
        assert partitions.drop_days_before(connection, day + dt.timedelta(days=1)) == [day]
        assert day not in partitions.existing_days(connection)
