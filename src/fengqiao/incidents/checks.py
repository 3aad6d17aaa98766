"""System check: CALLBACK_BASIC_WEIGHT must be a number from 0 to 1 (the process refuses to start otherwise)."""

from django.core.checks import Error, register

from fengqiao.incidents.conf import basic_weight


@register()
def callback_weight_check(app_configs, **kwargs):
    try:
        basic_weight()
    except ValueError as exc:
        return [
            Error(
                str(exc),
                hint="Set CALLBACK_BASIC_WEIGHT to a number between 0 and 1 (default 0.5).",
                id="incidents.E001",
            )
        ]
    return []
