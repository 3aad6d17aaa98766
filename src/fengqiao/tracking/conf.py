"""Settings of the tracker data plane, read from the environment (a Django setting of the same name wins).

See docs/gateway.md for the list. Read at call time so tests can override them with `settings`.
"""

from __future__ import annotations

from django.conf import settings

from fengqiao import env

_DEFAULT_HOOKS = "fengqiao.vehicles.hooks.after_store"
_DEFAULT_GATES = "fengqiao.field.patrol.before_store"


def _setting(name: str, default):
    return getattr(settings, name, default)


def online_timeout_seconds(protocol: str) -> int:
    """A device is online while its last message is younger than this (per protocol)."""
    defaults = {"gt06": 600, "jt808": 600, "osmand": 900}
    name = f"GATEWAY_ONLINE_TIMEOUT_{protocol.upper()}"
    return int(_setting(name, env.integer(name, defaults.get(protocol, 600), minimum=1)))


def hooks() -> list[str]:
    return list(_setting("GATEWAY_HOOKS", env.csv_list("GATEWAY_HOOKS", [_DEFAULT_HOOKS])))


def gates() -> list[str]:
    return list(_setting("GATEWAY_GATES", env.csv_list("GATEWAY_GATES", [_DEFAULT_GATES])))


def retention_days() -> int:
    return int(
        _setting("POSITION_RETENTION_DAYS", env.integer("POSITION_RETENTION_DAYS", 180, minimum=1))
    )


def purge_batch_size() -> int:
    return int(
        _setting("POSITION_PURGE_BATCH", env.integer("POSITION_PURGE_BATCH", 5000, minimum=100))
    )
