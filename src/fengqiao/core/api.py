"""Shared building blocks of every app's REST API (DRF).

- `ScopedModelViewSet`: reads through `Model.objects.visible_to(user)` (others' records are 404),
  writes only on records in `editable_by(user)` (visible but not editable: 403), writes call the
  app's service functions, Django validation errors become 400 with the messages per field,
  a delete blocked by PROTECT becomes 409, and each object has `GET …/{id}/history/`.
- `ApiActorMixin`: the token-authenticated user becomes the change log's actor (source "api").
- `RolePermission` / `roles_required(...)`: a permission class for a role set of accounts/roles.py.
- `MaskedCharField`: a writable text field that is always *shown* masked (ID numbers, phones).
- `StrictFieldsMixin`: a serializer that rejects fields it does not know (or may not write).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from fengqiao.accounts.roles import LEADER_ROLES, has_role
from fengqiao.core import context
from fengqiao.core.audit import history_for
from fengqiao.core.history import field_changes, shown_repr
from fengqiao.core.models import ObjectChange

# ----------------------------------------------------------------------------- paging


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M` (at most 200); the answer carries `count`, `next`, `previous`, `results`."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = _("每页条数(最多200)")
    page_query_description = _("页码")
    max_page_size = 200
    invalid_page_message = _("页码无效")


# ----------------------------------------------------------------------------- permissions


class RolePermission(permissions.BasePermission):
    """Allow only users whose role is in `roles` (superusers always). Subclass or use `roles_required`."""

    roles: frozenset = frozenset()
    message = _("您的角色无权执行此操作")

    def has_permission(self, request, view):
        return has_role(request.user, self.roles)


def roles_required(roles, message=None) -> type[RolePermission]:
    """A permission class for a role set: `permission_classes = [roles_required(AUDIT_ROLES)]`."""
    return type(
        "RolesRequired",
        (RolePermission,),
        {"roles": frozenset(roles), "message": message or RolePermission.message},
    )


class ScopedWritePermission(permissions.BasePermission):
    """Reads: any signed-in user (the queryset scopes them). Creates: the view's `write_roles`.
    On one record (checked after the lookup, so another station's record stays a 404): updates need
    `write_roles`, deletes `delete_roles`, and the record must be in `editable_by(user)`."""

    message = _("您的角色无权修改此类数据")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return has_role(user, view.write_roles)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) in getattr(view, "open_actions", ()):
            return True
        if request.method == "DELETE":
            if not has_role(request.user, view.delete_roles):
                self.message = _("只有所领导可以删除此类记录")
                return False
        elif not has_role(request.user, view.write_roles):
            return False
        if not view.editable_queryset().filter(pk=obj.pk).exists():
            self.message = _("您无权修改“%(obj)s”(不在您负责的社区)") % {"obj": obj}
            return False
        return True


# ----------------------------------------------------------------------------- serializers


class MaskedCharField(serializers.CharField):
    """Accepts the full value on input; always answers with the masked value (`mask` from core/masking.py)."""

    def __init__(self, *, mask, **kwargs):
        self.mask = mask
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.mask(super().to_representation(value))


@extend_schema_field(OpenApiTypes.STR)
class MaskedDateField(serializers.DateField):
    """A date accepted whole (YYYY-MM-DD) and answered as `mask` shows it (a birth date: the year only)."""

    def __init__(self, *, mask, **kwargs):
        self.mask = mask
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.mask(value)


# Keys an HTML form (the browsable API) adds that are not data.
_FORM_KEYS = {"csrfmiddlewaretoken"}


class StrictFieldsMixin:
    """Reject any input key that is not a writable field of the serializer (400, per field, in Chinese)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            known = set(self.fields)
            errors = {}
            for key in data.keys():
                if key in writable or key in _FORM_KEYS:
                    continue
                errors[key] = [_("只读字段,不能修改") if key in known else _("未知字段")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A link to another record, chosen only among those the requesting user can see."""

    default_error_messages = {
        "does_not_exist": _("编号为{pk_value}的记录不存在或无权查看"),
        "incorrect_type": _("应为记录编号(整数),收到{data_type}"),
    }

    def __init__(self, model=None, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return self.model._default_manager.visible_to(user)


class FieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField(help_text=_("字段"))
    before = serializers.CharField(help_text=_("修改前(个人信息已脱敏)"))
    after = serializers.CharField(help_text=_("修改后(个人信息已脱敏)"))


class ObjectChangeSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(
        source="get_action_display", read_only=True, help_text=_("操作名称")
    )
    changes = serializers.SerializerMethodField(help_text=_("改动的字段"))

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user",
            "user_name",
            "action",
            "action_display",
            "source",
            "request_id",
            "object_repr",
            "changes",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        data["object_repr"] = shown_repr(user, instance.content_type, data["object_repr"])
        return data

    @extend_schema_field(FieldChangeSerializer(many=True))
    def get_changes(self, change):
        return [
            {"label": row.label, "before": row.before, "after": row.after}
            for row in field_changes(change)
        ]


# ----------------------------------------------------------------------------- viewsets


def django_errors(exc: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF's per-field error body."""
    return serializers.as_serializer_error(exc)


def protected_message(exc: ProtectedError | RestrictedError) -> str:
    objs = list(
        getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or []
    )
    kinds = sorted({str(o._meta.verbose_name) for o in objs})
    what = "、".join(kinds) if kinds else gettext("其他记录")
    return gettext("该记录仍被%(count)s条%(what)s引用,不能删除;请先处理引用它的记录") % {
        "count": len(objs),
        "what": what,
    }


class ApiActorMixin:
    """Make the DRF-authenticated user the change log's actor for this request.

    CurrentActorMiddleware runs before DRF authenticates a token, so for token requests it only
    knows an anonymous user; every API view that writes should include this mixin (the
    ScopedModelViewSet does)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request_id = getattr(request._request, "request_id", None)
        self._acting = context.acting_as(request.user, source="api", request_id=request_id)
        self._acting.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        acting = getattr(self, "_acting", None)
        if acting is not None:
            self._acting = None
            acting.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


class ScopedModelViewSet(
    ApiActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Base of every station-data endpoint. Subclasses set `model`, `serializer_class`, `filterset_class`,
    `ordering_fields`, and implement `perform_service_create(data)` / `perform_service_update(obj, data)`
    with the app's services (and `perform_service_delete(obj)` if deleting is allowed)."""

    model = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_classes = [ScopedWritePermission]
    pagination_class = StandardPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    write_roles: frozenset = frozenset()
    delete_roles: frozenset = LEADER_ROLES
    # Actions (POST) that do not write the record itself and check their own rights (e.g. reveal).
    open_actions: tuple = ()
    select_related: tuple = ()
    prefetch_related: tuple = ()

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, ProtectedError | RestrictedError):
            return Response({"detail": protected_message(exc)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    # -- scope
    def base_queryset(self):
        qs = self.model._default_manager.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return self.base_queryset().visible_to(self.request.user)

    def editable_queryset(self):
        return self.model._default_manager.editable_by(self.request.user)

    # -- writes through the services
    def perform_service_create(self, data):
        raise NotImplementedError

    def perform_service_update(self, obj, data):
        raise NotImplementedError

    def perform_service_delete(self, obj):
        with transaction.atomic():
            obj.delete()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_create(dict(serializer.validated_data))
        out = self.get_serializer(self.get_queryset().get(pk=obj.pk))
        return Response(out.data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_update(obj, dict(serializer.validated_data))
        out = self.get_serializer(self.get_queryset().get(pk=obj.pk))
        return Response(out.data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.partial_update(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        self.perform_service_delete(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- history
    @extend_schema(
        summary=_("变更记录"),
        description=_(
            "该记录的每一次新建、修改、删除:谁、何时、改了哪些字段(个人信息脱敏),按时间倒序分页。"
        ),
        responses=ObjectChangeSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=StandardPagination)
    def history(self, request, *args, **kwargs):
        obj = self.get_object()
        changes = history_for(obj).select_related("content_type")
        page = self.paginate_queryset(changes)
        serializer = ObjectChangeSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def check_role(self, roles, message):
        if not has_role(self.request.user, roles):
            raise PermissionDenied(message)


class CachedSchemaView(SpectacularAPIView):
    """/api/schema/: the OpenAPI document, generated once per language, URL configuration and process.

    The schema is public (the same for every user) and changes only with the code, but generating it
    walks every serializer of every app: about 3 s for ~560 KB. Without the cache each visit to
    /api/docs/ paid that again before Swagger UI could draw anything.
    """

    _cache: dict = {}

    def _get_schema_response(self, request):
        from django.urls import get_urlconf
        from django.utils import translation

        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (
            translation.get_language(),
            version,
            str(get_urlconf() or settings.ROOT_URLCONF),
            str(self.urlconf),
        )
        data = self._cache.get(key)
        if data is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            data = self._cache[key] = generator.get_schema(
                request=request, public=self.serve_public
            )
        return Response(
            data=data,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
