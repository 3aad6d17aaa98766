"""The incidents app's settings, read once per call from django.conf.settings (tests override them)."""

from django.conf import settings

from fengqiao.incidents.rules import DEFAULT_BASIC_WEIGHT, parse_weight

DEFAULT_MAX_ATTEMPTS = 3


def basic_weight() -> float:
    """Weight of 基本满意 in the satisfaction rate (`CALLBACK_BASIC_WEIGHT`, default 0.5)."""
    return parse_weight(getattr(settings, "CALLBACK_BASIC_WEIGHT", DEFAULT_BASIC_WEIGHT))


def max_attempts() -> int:
    """Calls without reaching anyone before a callback is recorded 未联系上 (`CALLBACK_MAX_ATTEMPTS`, default 3)."""
    value = int(getattr(settings, "CALLBACK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    return max(1, value)
