"""{% on_duty %}: who is on duty now, for every page's header (cached a minute per station)."""

from django import template

register = template.Library()


@register.inclusion_tag("command/_on_duty.html", takes_context=True)
def on_duty(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = None
    if user is not None and user.is_authenticated and user.station_id:
        from fengqiao.command.roster import header_duty

        try:
            data = header_duty(user.station_id)
        except Exception:  # the header must never break a page
            data = None
    return {"duty": data}
