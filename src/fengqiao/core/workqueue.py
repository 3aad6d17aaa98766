"""My work queue: each part registers a provider of the signed-in user's items; the home page lists them.

A provider is `provider(user, now) -> Iterable[WorkItem]` and must return only what the user may
see (its own scoping). Register it once at import time, e.g. from the part's AppConfig.ready():

    from fengqiao.core import workqueue
    workqueue.register("dispute", my_disputes_due)

`items_for(user, now)` merges every provider's items, soonest due first (undated ones last), the
most severe level first among equal due times. A provider that fails is logged and skipped: one
broken part must not blank the home page.

Registered now: "clock" and "clock_extension" (core/clock_workqueue.py, from CoreConfig.ready),
"notification" (notifications/workqueue_items.py: unread yellow/orange/red notifications).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

LEVELS = ("", "yellow", "orange", "red")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class WorkItem:
    title: str
    url: str
    due_at: dt.datetime | None
    level: str = ""  # "", "yellow", "orange" or "red"
    kind: str = ""
    kind_label: str = ""
    object: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.level not in _RANK:
            raise ValueError(f"WorkItem.level must be one of {LEVELS}, not {self.level!r}")

    @property
    def css_class(self) -> str:
        return f"level-{self.level}" if self.level else ""

    def overdue(self, now: dt.datetime) -> bool:
        return self.due_at is not None and self.due_at <= now


Provider = Callable[[Any, dt.datetime], Iterable[WorkItem]]
_providers: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    """Register (or replace) the provider for one kind of item."""
    _providers[kind] = provider


def unregister(kind: str) -> None:
    _providers.pop(kind, None)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def sort_key(item: WorkItem):
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (item.due_at is None, item.due_at or far, -_RANK[item.level], item.title)


def items_for(user, now: dt.datetime, *, limit: int = 100) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[WorkItem] = []
    for kind, provider in list(_providers.items()):
        try:
            items.extend(provider(user, now))
        except Exception:
            log.exception("work queue provider %r failed", kind)
    items.sort(key=sort_key)
    return items[:limit]
