"""The shared DRF building blocks of core/api.py, independent of any app's endpoints."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import AUDIT_ROLES
from fengqiao.core import masking
from fengqiao.core.api import MaskedCharField, StrictFieldsMixin, roles_required
from tests.factories import UserFactory


class _Contact(StrictFieldsMixin, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    phone = MaskedCharField(mask=masking.mask_phone)


def _request(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_roles_required_admits_a_role_in_the_set(station):
    auditor = UserFactory(role=Role.AUDITOR, station=station)
    assert roles_required(AUDIT_ROLES)().has_permission(_request(auditor), None)


@pytest.mark.django_db
def test_roles_required_refuses_a_role_outside_the_set_with_a_chinese_message(station):
    mediator = UserFactory(role=Role.MEDIATOR, station=station)
    permission = roles_required(AUDIT_ROLES, message="只有审计员可以查看")()
    assert not permission.has_permission(_request(mediator), None)
    assert permission.message == "只有审计员可以查看"


def test_roles_required_refuses_anonymous():
    assert not roles_required(AUDIT_ROLES)().has_permission(_request(AnonymousUser()), None)


def test_masked_field_answers_masked_and_accepts_the_full_value():
    serializer = _Contact(data={"name": "张三", "phone": "13812345678"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["phone"] == "13812345678"
    assert (
        _Contact({"id": 1, "name": "张三", "phone": "13812345678"}).data["phone"] == "138****5678"
    )


def test_strict_serializer_rejects_unknown_and_read_only_keys():
    serializer = _Contact(data={"name": "张三", "phone": "13812345678", "id": 5, "age": 3})
    assert not serializer.is_valid()
    assert serializer.errors == {"id": ["只读字段,不能修改"], "age": ["未知字段"]}


def test_strict_serializer_ignores_the_csrf_field_of_html_forms():
    serializer = _Contact(data={"name": "张三", "phone": "13812345678", "csrfmiddlewaretoken": "x"})
    assert serializer.is_valid(), serializer.errors
