"""`{{ value|when }}`: a time in Asia/Shanghai as m-d H:i, with the year when it is not this year;
`{{ day|day }}` the same for a date."""

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def when(value):
    if not value:
        return "—"
    local = timezone.localtime(value)
    fmt = "%m-%d %H:%M" if local.year == timezone.localdate().year else "%Y-%m-%d %H:%M"
    return local.strftime(fmt)


@register.filter
def day(value):
    if not value:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%m-%d" if value.year == timezone.localdate().year else "%Y-%m-%d")


@register.filter
def clock(value):
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%H:%M")


@register.filter
def minutes(seconds):
    if seconds is None:
        return "—"
    return f"{seconds / 60:.0f}"
