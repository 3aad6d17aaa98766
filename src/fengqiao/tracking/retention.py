"""Retention: positions older than POSITION_RETENTION_DAYS (default 180) are purged without stopping ingestion.

PostgreSQL drops whole day partitions (instant, no row locks; behind an open reader the purge waits,
the gateways do not: see fengqiao.tracking.partitions) and deletes what is left in the default
partition in batches; SQLite deletes in batches of POSITION_PURGE_BATCH rows, each its own short
transaction, so the gateway's group commits interleave. Device alarms and commands are kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.utils import timezone

from fengqiao.tracking import conf, partitions

log = logging.getLogger("fengqiao.gateway")


def purge_positions(
    *, before: dt.datetime | None = None, batch_size: int | None = None, pause: float = 0.01
) -> int:
    """Delete positions fixed before `before` (default: now minus the retention); returns rows removed
    (for dropped partitions: their row count)."""
    before = before or timezone.now() - dt.timedelta(days=conf.retention_days())
    batch_size = batch_size or conf.purge_batch_size()
    removed = 0
    table = "tracking_position"
    if partitions.is_partitioned(connection):
        cutoff_day = before.astimezone(dt.UTC).date()
        rows = {}
        for day in partitions.existing_days(connection):
            if day < cutoff_day:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT count(*) FROM {partitions.partition_name(day)}")  # noqa: S608 - our name
                    rows[day] = cursor.fetchone()[0]
        # Waits (with short lock timeouts, never holding up the gateways) behind open readers.
        for day in partitions.drop_days_before(connection, cutoff_day):
            removed += rows.get(day, 0)
        table = partitions.DEFAULT
    removed += delete_in_batches(table, "fixed_at", before, batch_size=batch_size, pause=pause)
    log.info("position retention: %d positions before %s purged", removed, before.isoformat())
    return removed


def delete_in_batches(table: str, column: str, before, *, batch_size: int, pause: float) -> int:
    """Delete the rows of `table` whose `column` is before `before`, `batch_size` rows at a time, each
    batch its own short transaction so a gateway's group commits go on between them (the tracker
    positions and the estates' access events). Returns the rows removed."""
    if connection.vendor == "postgresql":
        sql = (
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} "  # noqa: S608 - our names
            f"WHERE {column} < %s LIMIT %s))"
        )
    else:
        sql = (
            f"DELETE FROM {table} WHERE id IN "  # noqa: S608 - our names
            f"(SELECT id FROM {table} WHERE {column} < %s ORDER BY {column} LIMIT %s)"
        )
    removed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [before, batch_size])
            count = cursor.rowcount
        removed += count
        if count < batch_size:
            return removed
        if pause:
            time.sleep(pause)
