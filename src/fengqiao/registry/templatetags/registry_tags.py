from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from fengqiao.core.masking import mask_address as _mask

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts the list by `key` (click again for descending)."""
    request = context["request"]
    current = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    arrow = ""
    if current == key:
        params["sort"] = f"-{key}"
        arrow = " ▲"
    elif current == f"-{key}":
        params["sort"] = key
        arrow = " ▼"
    else:
        params["sort"] = key
    return format_html('<a class="sort" href="?{}">{}{}</a>', params.urlencode(), label, arrow)


@register.filter
def mask_address(value):
    return _mask(value)


_FIELD_LABELS = {
    "id_number": gettext_lazy("证件号码"),
    "birth_date": gettext_lazy("出生日期"),
    "phone": gettext_lazy("手机号"),
    "address": gettext_lazy("现住地址"),
    "registered_address": gettext_lazy("户籍地址"),
    "owner_phone": gettext_lazy("房主电话"),
}


@register.filter
def field_labels(fields):
    """["id_number", "phone"] -> 证件号码、手机号"""
    return "、".join(str(_FIELD_LABELS.get(f, f)) for f in fields or [])
