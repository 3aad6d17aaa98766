"""Reading the change log for people: field labels in Chinese, choice labels, personal data masked."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fengqiao.core import masking
from fengqiao.core.audit import history_for
from fengqiao.core.models import ObjectChange

# Values of these fields are personal data: the timeline shows them masked like a list does.
_MASKED = {
    "id_number": masking.mask_id_number,
    "phone": masking.mask_phone,
    "owner_phone": masking.mask_phone,
    "contact_phone": masking.mask_phone,
    "birth_date": masking.mask_birth_date,
    "registered_address": masking.mask_address,
}
# A standard address's parts below the road (registry.Address): the door, and the exact position.
_ADDRESS_PARTS = {
    "doorplate": lambda value: "****",
    "building": lambda value: "****",
    "unit": lambda value: "****",
    "floor": lambda value: "****",
    "room": lambda value: "****",
    "code": lambda value: "****",
    "latitude": lambda value: f"{float(value):.2f}",
    "longitude": lambda value: f"{float(value):.2f}",
}
# Foreign keys whose target reads as a door address (str(Address), str(House)).
_MASKED_LINKS = {"address", "house", "address_id", "house_id"}


def _masker(name: str):
    """Phones and ID numbers are masked in the timeline whatever the field is called in its app
    (caller_phone, reporter_phone, victim_id_number, …)."""
    if name in _MASKED:
        return _MASKED[name]
    if name.endswith("_phone"):
        return masking.mask_phone
    if name.endswith("id_number"):
        return masking.mask_id_number
    if name.endswith(("address_text", "registered_address")):
        return masking.mask_address
    return None


# Not worth a line in the timeline.
_SKIPPED = {"updated_at", "name_initials", "full_text"}
# Fields declared without a Chinese verbose_name.
_FALLBACK_LABELS = {
    "station": gettext_lazy("派出所"),
    "user": gettext_lazy("用户"),
    "community": gettext_lazy("社区/村"),
    "person": pgettext_lazy("registered person", "人员"),
    "granted by": gettext_lazy("授权人"),
    "granted at": gettext_lazy("授权时间"),
    "created by": gettext_lazy("创建人"),
    "created at": gettext_lazy("创建时间"),
    "legal representative person": gettext_lazy("法定代表人(登记人员)"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


def _field(model, attname):
    """The model field a logged key names; None for a key that is no field of the model.

    A reverse relation (a bulk entry counting a community's `persons`) is not a field of the record
    and has no label of its own: `_label` names it by the related model."""
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    try:
        return model._meta.get_field(attname)
    except FieldDoesNotExist:
        return None


def local_minute(value) -> str:
    """A stored time (datetime or ISO text, UTC) as Beijing time to the minute: 2026-12-07 14:05."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def type_label(content_type) -> str:
    """The model's Chinese name (警情), not its label (incidents.incident)."""
    if content_type is None:
        return "—"
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else content_type.model


_DEFAULT_REPR = re.compile(r"^\w+ object \((\d+)\)$")


def object_label(change) -> str:
    """The record's own label; a row written before its model had a __str__ ("MediationSession
    object (141)") shows the record's label today, when it still exists."""
    if _DEFAULT_REPR.match(change.object_repr or ""):
        model = change.content_type.model_class()
        live = model._default_manager.filter(pk=change.object_id).first() if model else None
        if live is not None:
            return str(live)[:200]
        return f"{type_label(change.content_type)} #{change.object_id}"
    return change.object_repr


def _label(field, name: str) -> str:
    if field is None:
        return str(_FALLBACK_LABELS.get(name, name))
    if field.auto_created and not field.concrete:  # a reverse relation: "实有人口", not a crash
        return str(field.related_model._meta.verbose_name_plural)
    label = str(field.verbose_name)
    return str(_FALLBACK_LABELS.get(label, label))


def _display(field, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    masker = _masker(name)
    if (
        field is not None
        and field.model._meta.label == "registry.Address"
        and name in _ADDRESS_PARTS
    ):
        masker = _ADDRESS_PARTS[name]
    if masker is not None:
        return masker(str(value))
    if field is not None:
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return _("是") if value else _("否")
        if isinstance(field, models.DateTimeField):
            return local_minute(value)
        if isinstance(field, models.ForeignKey):
            if field.related_model is ContentType:
                return type_label(ContentType.objects.filter(pk=value).first())
            target = field.related_model._default_manager.filter(pk=value).first()
            text = str(target) if target is not None else f"#{value}"
            return masking.mask_address(text) if name in _MASKED_LINKS else text
        if isinstance(field, models.JSONField):
            return _("(已修改)")
    return str(value)


def field_changes(change: ObjectChange) -> list[FieldChange]:
    model = change.content_type.model_class()
    rows = []
    for name, before, after in change.changed_fields:
        if name in _SKIPPED or name == "id":
            continue
        field = _field(model, name)
        label = _label(field, name)
        if field is not None and field.auto_created and not field.concrete:
            field = None  # a count or list written by a bulk entry: shown as it is
        if change.action == "create":
            if after in (None, "", [], {}):
                continue
            rows.append(FieldChange(label, "", _display(field, name, after)))
        elif change.action == "delete":
            rows.append(FieldChange(label, _display(field, name, before), ""))
        else:
            rows.append(
                FieldChange(label, _display(field, name, before), _display(field, name, after))
            )
    return rows


SOURCE_LABELS = {
    "web": gettext_lazy("网页"),
    "api": gettext_lazy("接口"),
    "import": gettext_lazy("导入"),
    "command": gettext_lazy("命令"),
    "job": gettext_lazy("定时任务"),
    "system": gettext_lazy("系统"),
}


def with_rows(changes):
    """Attach `.rows` (the readable field changes) and `.source_label` to each ObjectChange."""
    changes = list(changes)
    for change in changes:
        change.rows = field_changes(change)
        change.source_label = str(SOURCE_LABELS.get(change.source, change.source))
    return changes


def timeline_for(instance, limit: int = 50):
    return with_rows(history_for(instance).select_related("content_type")[:limit])


# Change-log entries whose object reads as a door address (str(Address), str(House)).
_PLACE_TYPES = {("registry", "address"), ("registry", "house")}


def shown_repr(user, content_type, text: str) -> str:
    """A change-log entry's object name as `user` may see it: a house or an address at road level
    for a role without the address need (core/masking.py)."""
    if (content_type.app_label, content_type.model) in _PLACE_TYPES and not masking.has_need(
        user, masking.Kind.ADDRESS
    ):
        return masking.mask_address(text)
    return text


def place_search_refused(user, text: str) -> bool:
    """Would searching entries' names by `text` confirm a door the user is not shown?"""
    return not masking.has_need(user, masking.Kind.ADDRESS) and masking.names_door(text)
