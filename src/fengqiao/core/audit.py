"""The change log: every create, update and delete of a change-logged model is written down.

Single saves and deletes are caught by signals, so no write path can forget
them; the `before` image is read from the database just before the save.
Bulk writes (imports) do not fire signals, so the services that make them call
`log_bulk` with the objects they wrote.

The personal-data view log (PersonalDataAccess): every service that shows someone a person's data
unmasked writes its row through `record_personal_data_view` (one row) or `personal_data_view_row` +
`record_personal_data_views` (many rows at once), so each row carries the same who/where/why/channel
and the request id.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from fengqiao.core import context
from fengqiao.core.models import ChangeAction, ObjectChange, PersonalDataAccess

# Never copied into the log (secrets), or not worth a log row on their own (last_login changes at every login).
_EXCLUDED_FIELDS = {"password", "totp_secret", "last_login", "key_hash", "last_used_at"}


class ChangeLogged(models.Model):
    """Mixin: instances of subclasses get their changes logged."""

    class Meta:
        abstract = True


def _logged(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, ChangeLogged)


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, FieldFile):  # a file field: its stored name
        return value.name or ""
    return value


def serialize(instance: models.Model) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in _EXCLUDED_FIELDS:
            continue
        data[field.attname] = _json_value(field.value_from_object(instance))
    return data


def _station_id(instance) -> int | None:
    if hasattr(instance, "station_id"):
        return instance.station_id
    return None


def _entry(instance, action, before, after, *, actor=None, source=None, time=None) -> ObjectChange:
    current = context.current()
    user = actor if actor is not None else (current.user if current else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return ObjectChange(
        time=time or timezone.now(),
        user=user,
        user_name=(getattr(user, "display_name", "") or getattr(user, "username", ""))
        if user
        else "系统",
        request_id=current.request_id if current else "",
        source=source or (current.source if current else "system"),
        action=action,
        content_type=ContentType.objects.get_for_model(instance.__class__),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        station_id=_station_id(instance),
        before=before,
        after=after,
    )


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or not _logged(sender):
        return
    if instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = serialize(old) if old is not None else None


def _without_auto_now(model, data: dict) -> dict:
    auto = {f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}
    return {k: v for k, v in data.items() if k not in auto}


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _logged(sender):
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = serialize(instance)
    if (
        not created
        and before is not None
        and _without_auto_now(sender, before) == _without_auto_now(sender, after)
    ):
        return  # a save that changed nothing but its own timestamp is not a change
    _entry(instance, ChangeAction.CREATE if created else ChangeAction.UPDATE, before, after).save()


def _post_delete(sender, instance, **kwargs):
    if not _logged(sender):
        return
    _entry(instance, ChangeAction.DELETE, serialize(instance), None).save()


def connect_signals():
    pre_save.connect(_pre_save, dispatch_uid="fengqiao_audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="fengqiao_audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="fengqiao_audit_post_delete")


def log_bulk(
    instances, action: str, *, befores: list[dict | None] | None = None, actor=None, source=None
) -> int:
    """Log a bulk write (bulk_create/bulk_update/queryset.update/delete) that bypassed signals."""
    now = timezone.now()
    entries = []
    for i, instance in enumerate(instances):
        before = befores[i] if befores else None
        after = None if action == ChangeAction.DELETE else serialize(instance)
        entries.append(
            _entry(instance, action, before, after, actor=actor, source=source, time=now)
        )
    ObjectChange.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def history_for(instance):
    ct = ContentType.objects.get_for_model(instance.__class__)
    return ObjectChange.objects.filter(content_type=ct, object_id=instance.pk).select_related(
        "user"
    )


# ----------------------------------------------------------------------------- personal-data views


def personal_data_view_row(
    *,
    actor,
    station_id: int | None,
    fields,
    purpose: str = "",
    channel: str = "web",
    obj=None,
    model=None,
    object_id: int | None = None,
    object_repr: str | None = None,
    time: dt.datetime | None = None,
) -> PersonalDataAccess:
    """An unsaved PersonalDataAccess row: `actor` saw `fields` of `obj` (or of the `model` row
    `object_id`, for a record that may not exist, e.g. a search that found nobody) unmasked, why
    (`purpose`), through which `channel` ("web", "api", "export", "search"…), in the current request."""
    model = model or type(obj)
    current = context.current()
    row = PersonalDataAccess(
        user=actor,
        user_name=getattr(actor, "display_name", "") or actor.get_username(),
        station_id=station_id,
        content_type=ContentType.objects.get_for_model(model),
        object_id=object_id if object_id is not None else obj.pk,
        object_repr=(object_repr if object_repr is not None else str(obj))[:200],
        fields=list(fields),
        purpose=(purpose or "")[:200],
        channel=channel,
        request_id=current.request_id if current else "",
    )
    if time is not None:
        row.time = time
    return row


def record_personal_data_view(**kwargs) -> PersonalDataAccess:
    """Write one personal-data view (the arguments of `personal_data_view_row`) and return it."""
    row = personal_data_view_row(**kwargs)
    row.save()
    return row


def record_personal_data_views(rows, *, batch_size: int | None = None) -> list[PersonalDataAccess]:
    """Write many rows of `personal_data_view_row` at once (an export, a number search)."""
    return PersonalDataAccess.objects.bulk_create(rows, batch_size=batch_size)
