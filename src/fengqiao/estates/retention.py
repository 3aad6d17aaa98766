"""Retention: access events older than ESTATE_EVENT_RETENTION_DAYS (default 30) are deleted in
batches of ESTATE_EVENT_PURGE_BATCH rows, each batch its own short transaction, so the gateway's
group commits go on between them (the same scheme as the tracker positions)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from fengqiao.estates import conf
from fengqiao.tracking.retention import delete_in_batches

log = logging.getLogger("fengqiao.gateway.estates")


def purge_events(
    *, before: dt.datetime | None = None, batch_size: int | None = None, pause: float = 0.01
) -> int:
    before = before or timezone.now() - dt.timedelta(days=conf.retention_days())
    batch_size = batch_size or conf.purge_batch_size()
    removed = delete_in_batches(
        "estates_accessevent", "occurred_at", before, batch_size=batch_size, pause=pause
    )
    log.info("access-event retention: %d events before %s purged", removed, before.isoformat())
    return removed
