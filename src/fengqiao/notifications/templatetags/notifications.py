from django import template

from fengqiao.notifications import attention, selectors

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notify_hidden": True}
    return selectors.bell_context(user)


@register.simple_tag(takes_context=True)
def attention_groups(context, items):
    """The work-queue items grouped by kind with repeats folded (notifications/attention.py)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return attention.groups_for(user, items or [])
