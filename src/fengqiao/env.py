"""Strict parsers for settings read from the environment.

Every setting comes from an environment variable; a `NAME_FILE` variable may
point at a file holding the value instead (for secrets mounted by the
orchestrator). A value that does not parse stops the process with a message
that names the variable, rather than running with a surprise.
"""

from __future__ import annotations

import os
from pathlib import Path


class ImproperEnv(ValueError):
    pass


def raw(name: str) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperEnv(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name)


def string(name: str, default: str = "") -> str:
    value = raw(name)
    return default if value is None or value == "" else value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def boolean(name: str, default: bool = False) -> bool:
    value = raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperEnv(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError as exc:
        raise ImproperEnv(f"{name}={value!r} is not a whole number") from exc
    if minimum is not None and number < minimum:
        raise ImproperEnv(f"{name}={number} is below the minimum {minimum}")
    return number


def csv_list(name: str, default: list[str]) -> list[str]:
    value = raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
