"""The change history reads like the product: Beijing time to the minute, the model's Chinese name
and the record's own label, never "X object (n)" or a UTC ISO time (issue 24)."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models

from fengqiao.core.history import _display, local_minute, object_label, type_label
from fengqiao.core.models import ObjectChange


def _models_without_str():
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("fengqiao."):
            continue
        own = [c for c in model.__mro__ if c is not models.Model and "__str__" in vars(c)]
        if not any(issubclass(c, models.Model) for c in own):
            missing.append(model._meta.label)
    return missing


def test_every_model_has_its_own_label():
    assert _models_without_str() == []


def test_times_are_beijing_minutes():
    assert local_minute("2026-12-07T06:05:09.123456Z") == "2026-12-07 14:05"
    assert local_minute(dt.datetime(2026, 12, 7, 6, 5, 9, tzinfo=dt.UTC)) == "2026-12-07 14:05"


@pytest.mark.django_db
def test_a_datetime_field_change_shows_beijing_minutes_and_a_type_its_chinese_name():
    from fengqiao.disputes.models import Dispute, MediationSession

    held = MediationSession._meta.get_field("held_at")
    assert _display(held, "held_at", "2026-12-07T06:05:09.123456Z") == "2026-12-07 14:05"
    ct = ContentType.objects.get_for_model(Dispute)
    assert type_label(ct) == str(Dispute._meta.verbose_name)
    ct_field = next(
        f
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is ContentType
    )
    assert _display(ct_field, ct_field.attname, ct.pk) == str(Dispute._meta.verbose_name)


@pytest.mark.django_db
def test_an_old_default_repr_shows_the_records_label_today(alice, community_a):
    ct = ContentType.objects.get_for_model(type(community_a))
    change = ObjectChange(
        action="update",
        content_type=ct,
        object_id=community_a.pk,
        object_repr="Community object (7)",
    )
    assert object_label(change) == str(community_a)
    gone = ObjectChange(
        action="delete", content_type=ct, object_id=999999, object_repr="X object (9)"
    )
    assert not re.search(r"object \(", object_label(gone))
