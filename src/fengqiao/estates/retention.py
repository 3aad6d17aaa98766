"""Retention: access events older than ESTATE_EVENT_RETENTION_DAYS (default 30) are deleted in
batches of ESTATE_EVENT_PURGE_BATCH rows, each batch its own short transaction, so the gateway's
group commits go on between them (the same scheme as the tracker positions)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.utils import timezone

from fengqiao.estates import conf

log = logging.getLogger("fengqiao.gateway.estates")


def purge_events(
    *, before: dt.datetime | None = None, batch_size: int | None = None, pause: float = 0.01
) -> int:
    before = before or timezone.now() - dt.timedelta(days=conf.retention_days())
    batch_size = batch_size or conf.purge_batch_size()
    if connection.vendor == "postgresql":
        sql = (
            "DELETE FROM estates_accessevent WHERE ctid = ANY(ARRAY(SELECT ctid FROM estates_accessevent "
            "WHERE occurred_at < %s LIMIT %s))"
        )
    else:
        sql = (
            "DELETE FROM estates_accessevent WHERE id IN "
            "(SELECT id FROM estates_accessevent WHERE occurred_at < %s ORDER BY occurred_at LIMIT %s)"
        )
    removed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [before, batch_size])
            count = cursor.rowcount
        removed += count
        if count < batch_size:
            break
        if pause:
            time.sleep(pause)
    log.info("access-event retention: %d events before %s purged", removed, before.isoformat())
    return removed
