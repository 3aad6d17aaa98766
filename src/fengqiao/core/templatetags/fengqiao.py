import functools

from django import template

from fengqiao.accounts import roles
from fengqiao.accounts.choices import Role
from fengqiao.core import geo, masking

register = template.Library()


@functools.cache
def role_set(names: str) -> frozenset:
    """The roles named by `names`: comma-separated role values ("station_leader") or names of the
    role groups of accounts/roles.py ("AUDIT_ROLES"). An unknown name raises, so a typo fails a test
    instead of hiding a link (tests/core/test_template_roles.py also checks every name statically)."""
    found = set()
    for name in (part.strip() for part in names.split(",")):
        group = getattr(roles, name, None) if name.endswith("_ROLES") else None
        if isinstance(group, frozenset):
            found |= group
        elif name in Role.values:
            found.add(Role(name))
        else:
            raise template.TemplateSyntaxError(
                f"has_role: unknown role {name!r} (not a Role value nor a role group of accounts/roles.py)"
            )
    return frozenset(found)


@register.filter
def has_role(user, names):
    """{% if request.user|has_role:"AUDIT_ROLES" %} or {% if request.user|has_role:"command,duty_officer" %}:
    whether the user holds one of the named roles, as accounts.roles.has_role decides (superusers: yes,
    anonymous: no). The one way a template checks a role; never `user.role in "..."` (a substring test)."""
    return roles.has_role(user, role_set(names))


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagers and sort links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def mask(value, kind):
    """{{ person.birth_date|mask:"birth_date" }}: the value as core/masking.py's policy masks that kind."""
    return masking.mask(kind, value)


@register.filter
def mask_id(value):
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value):
    return masking.mask_phone(value)


@register.simple_tag(takes_context=True)
def place(context, address):
    """A standard address in the registry of places: whole for roles with the address need, else road level."""
    request = context.get("request")
    return masking.place_address(getattr(request, "user", None), address)


@register.filter
def when(value, fmt="datetime"):
    """Asia/Shanghai; the year only when it is not this year: 03-02 10:00, 2025-03-02 10:00."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    if not value:
        return ""
    tz = ZoneInfo("Asia/Shanghai")
    this_year = timezone.now().astimezone(tz).year
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz)
        same = local.year == this_year
        if fmt == "date":
            return local.strftime("%m-%d" if same else "%Y-%m-%d")
        return local.strftime("%m-%d %H:%M" if same else "%Y-%m-%d %H:%M")
    return value.strftime("%m-%d" if value.year == this_year else "%Y-%m-%d")


@register.simple_tag
def form_once():
    """The one-time token of a create form (core.idempotency): a second POST of it creates nothing."""
    from django.utils.html import format_html

    from fengqiao.core.idempotency import FIELD, new_token

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


FORM_MESSAGE_TAG = "form-"


@register.simple_tag(takes_context=True)
def form_messages(context, anchor):
    """The messages meant for one form (`messages.error(request, text, extra_tags="form-<anchor>")`),
    shown next to that form instead of at the top of the page (base.html leaves them out)."""
    from django.utils.html import format_html, format_html_join

    rows = [
        m
        for m in context.get("messages") or ()
        if f"{FORM_MESSAGE_TAG}{anchor}" in (m.extra_tags or "").split()
    ]
    if not rows:
        return ""
    items = format_html_join("", '<li class="msg-{}">{}</li>', ((m.level_tag, m) for m in rows))
    return format_html('<ul class="messages" role="alert">{}</ul>', items)


@register.filter
def page_messages(messages):
    """The messages for the top of the page: all but those a form shows next to itself."""
    return [m for m in messages or () if FORM_MESSAGE_TAG not in (m.extra_tags or "")]


def _map_point_of(obj):
    return geo.map_point(getattr(obj, "latitude", None), getattr(obj, "longitude", None))


@register.filter
def map_lat(obj):
    """{{ station|map_lat }}: the latitude of an object's stored WGS-84 point as the maps draw it
    (core.geo.map_point, in the tiles' MAP_TILE_CRS), or "" without a point."""
    point = _map_point_of(obj)
    return point[0] if point else ""


@register.filter
def map_lng(obj):
    """{{ station|map_lng }}: the longitude, as map_lat."""
    point = _map_point_of(obj)
    return point[1] if point else ""
