"""Hooks called after each durably committed batch of positions and device alarms.

GATEWAY_HOOKS lists dotted paths of callables `(positions: list[dict], alarms: list[dict])`; default
`fengqiao.vehicles.hooks.after_store`. A hook whose module does not exist is skipped silently; a hook
that raises is logged and never stops ingestion.

Position dicts: device_id, identifier, fixed_at (aware UTC), received_at, latitude, longitude,
speed_kmh, course, valid, outdated, buffered, attributes. Alarm dicts: the same keys plus kind and at.
"""

from __future__ import annotations

import importlib
import logging

from fengqiao.tracking import conf

log = logging.getLogger("fengqiao.gateway")

_resolved: dict[str, object] = {}
_MISSING = object()


def _resolve(path: str):
    if path not in _resolved:
        module_name, _, attr = path.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                _resolved[path] = _MISSING
                return _MISSING
            raise
        _resolved[path] = getattr(module, attr, _MISSING)
    return _resolved[path]


def before_store(records: list) -> list:
    """The records of a batch to store: each configured gate (GATEWAY_GATES, dotted paths of
    callables `(records) -> records`; default `fengqiao.field.patrol.before_store`, which withholds
    patrol cars' fixes taken off shift) may leave some out. A left-out record is acknowledged to the
    device and stored nowhere. A gate that raises is logged and leaves the batch as it was."""
    for path in conf.gates():
        try:
            gate = _resolve(path)
            if gate is _MISSING:
                continue
            records = gate(records)
        except Exception:
            log.exception("gateway gate %s failed", path)
    return records


def run_after_store(positions: list[dict], alarms: list[dict]) -> int:
    """Call every configured hook; returns how many raised (each is logged)."""
    failures = 0
    if not positions and not alarms:
        return 0
    for path in conf.hooks():
        try:
            hook = _resolve(path)
            if hook is _MISSING:
                continue
            hook(positions, alarms)
        except Exception:
            failures += 1
            log.exception("gateway hook %s failed", path)
    return failures
