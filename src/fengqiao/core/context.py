"""Who is acting, in which request: set by middleware for web/API, by `acting_as` elsewhere."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: object | None
    request_id: str
    source: str


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("fengqiao_actor", default=None)


def current() -> Actor | None:
    return _current.get()


@contextmanager
def acting_as(user, *, source: str = "command", request_id: str | None = None):
    token = _current.set(Actor(user=user, request_id=request_id or str(uuid.uuid4()), source=source))
    try:
        yield
    finally:
        _current.reset(token)
