from django import template

from fengqiao.disputes import rules

register = template.Library()


@register.filter
def pct(value):
    """A rate (0..1 or None) as a percentage: 0.9912 -> 99.1%."""
    return rules.percent(value)
