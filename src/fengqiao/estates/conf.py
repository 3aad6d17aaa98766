"""Settings of the estates part, read from the environment (a Django setting of the same name wins).
See docs/estates.md. Read at call time so tests can override them with `settings`."""

from __future__ import annotations

from django.conf import settings

from fengqiao import env


def _int(name: str, default: int, minimum: int = 1) -> int:
    return int(getattr(settings, name, env.integer(name, default, minimum=minimum)))


def retention_days() -> int:
    return _int("ESTATE_EVENT_RETENTION_DAYS", 30)


def purge_batch_size() -> int:
    return _int("ESTATE_EVENT_PURGE_BATCH", 5000, minimum=100)


def unregistered_days() -> int:
    return _int("ESTATE_UNREGISTERED_DAYS", 3)


def unregistered_window() -> int:
    return _int("ESTATE_UNREGISTERED_WINDOW_DAYS", 14)


def offline_minutes() -> int:
    return _int("ESTATE_DEVICE_OFFLINE_MINUTES", 10)


def credential_cache_seconds() -> int:
    return _int("ESTATE_GATEWAY_CREDENTIAL_CACHE_SECONDS", 60)
