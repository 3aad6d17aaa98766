"""Rate limits shared by every process: each counted request is a row (RateHit), so two gunicorn
workers, or two hosts on one PostgreSQL, count against the same limit. Works on the embedded SQLite
default with no server. (The login and TOTP lock-outs count LoginAttempt rows, the public booking
pages PublicHit rows: the same idea, in the database too.)

A counted request is written first and counted after: two processes racing at the limit both see
each other's row, so the limit is never exceeded; a refused request takes its row back.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from fengqiao.core.clientaddr import client_ip
from fengqiao.core.models import RateHit


def hit(key: str, *, limit: int, seconds: int, now: dt.datetime | None = None) -> float | None:
    """Count one request under `key`. None if allowed; else the seconds to wait before the next one."""
    now = now or timezone.now()
    key = key[:120]
    mine = RateHit.objects.create(key=key, at=now)
    window = RateHit.objects.filter(key=key, at__gt=now - dt.timedelta(seconds=seconds))
    if window.count() <= limit:
        return None
    mine.delete()
    oldest = window.order_by("at").values_list("at", flat=True).first() or now
    return max((oldest + dt.timedelta(seconds=seconds) - now).total_seconds(), 1.0)


def purge(*, now: dt.datetime | None = None, keep_hours: int = 24) -> int:
    """Delete counted requests older than any window (nightly)."""
    now = now or timezone.now()
    deleted, _count = RateHit.objects.filter(at__lt=now - dt.timedelta(hours=keep_hours)).delete()
    return deleted


class AddressRateThrottle(SimpleRateThrottle):
    """DRF throttle for anonymous callers, per client address (core.clientaddr, so per resident behind
    the station's proxy), counted in the database rather than in each process's memory. The rate is
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]."""

    scope = "anon"

    def get_ident(self, request):
        return client_ip(request) or "-"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"drf:{self.scope}:{self.get_ident(request)}"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self._wait = hit(key, limit=self.num_requests, seconds=self.duration)
        return self._wait is None

    def wait(self):
        return getattr(self, "_wait", None)
