"""/api/core/…: time-limit rules (read; leaders revise), clocks (read, pause, resume, extend), extension decisions.

Every write calls the same service functions as the pages; refusals answer 400 (ValidationError,
Chinese message) or 403 (PermissionDenied).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from fengqiao.core import services
from fengqiao.core.api import ApiActorMixin, StandardPagination, django_errors
from fengqiao.core.permissions import can_manage_rules, can_work_on
from fengqiao.core.workflow_models import (
    Clock,
    ClockExtension,
    ClockPause,
    ClockWarning,
    TimeLimitRule,
)


class RuleSerializer(serializers.ModelSerializer):
    limit_display = serializers.CharField(read_only=True)

    class Meta:
        model = TimeLimitRule
        fields = [
            "id", "kind", "name", "law_version", "effective_from", "effective_to", "limit_value", "limit_unit",
            "limit_display", "holiday_rolls", "pausable", "extension_options", "extension_cap_value",
            "extension_cap_unit", "legal_basis", "warning_fractions", "note", "created_at",
        ]  # fmt: skip


class RuleRevisionSerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    note = serializers.CharField(max_length=200)
    effective_to = serializers.DateField(required=False, allow_null=True)
    name = serializers.CharField(required=False)
    law_version = serializers.CharField(required=False, allow_blank=True)
    limit_value = serializers.IntegerField(required=False)
    limit_unit = serializers.CharField(required=False)
    holiday_rolls = serializers.BooleanField(required=False)
    pausable = serializers.BooleanField(required=False)
    extension_options = serializers.ListField(child=serializers.DictField(), required=False)
    extension_cap_value = serializers.IntegerField(required=False, allow_null=True)
    extension_cap_unit = serializers.CharField(required=False, allow_blank=True)
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    warning_fractions = serializers.ListField(child=serializers.FloatField(), required=False)


class PauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockPause
        fields = ["id", "started_at", "ended_at", "reason", "started_by", "ended_by"]


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockExtension
        fields = [
            "id", "clock", "option_key", "label", "value", "unit", "reason", "requested_by", "requested_at",
            "decision", "decided_by", "decided_at", "note", "due_before", "due_after",
        ]  # fmt: skip


class WarningSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockWarning
        fields = ["level", "colour", "fired_at", "scheduled_at", "due_at", "recipients"]


class ClockSerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    colour = serializers.CharField(read_only=True)

    class Meta:
        model = Clock
        fields = [
            "id", "object_type", "object_id", "station", "assignee", "unit", "kind", "rule", "rule_name", "title",
            "started_at", "due_at", "state", "paused_at", "paused_seconds", "next_warning_at", "next_warning_level",
            "last_warning_level", "colour", "stopped_at", "breached_at",
        ]  # fmt: skip


class ClockDetailSerializer(ClockSerializer):
    pauses = PauseSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    warnings = WarningSerializer(many=True, read_only=True)

    class Meta(ClockSerializer.Meta):
        fields = [*ClockSerializer.Meta.fields, "pauses", "extensions", "warnings"]


class PauseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ExtendInput(serializers.Serializer):
    option_key = serializers.CharField()
    reason = serializers.CharField()
    value = serializers.IntegerField(required=False)


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class _ServiceErrors:
    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


class RuleViewSet(_ServiceErrors, ApiActorMixin, viewsets.ReadOnlyModelViewSet):
    """Time-limit rules, every version. `?kind=` one kind; `?in_force=YYYY-MM-DD` the versions in force that day."""

    serializer_class = RuleSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        qs = TimeLimitRule.objects.order_by("kind", "-effective_from")
        if kind := self.request.query_params.get("kind"):
            qs = qs.filter(kind=kind)
        if day := self.request.query_params.get("in_force"):
            try:
                qs = qs.effective_on(dt.date.fromisoformat(day))
            except ValueError:
                raise serializers.ValidationError(
                    {"in_force": _("日期格式应为 YYYY-MM-DD")}
                ) from None
        return qs

    @extend_schema(request=RuleRevisionSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """A new version from `effective_from` (administrators and station leaders)."""
        rule = self.get_object()
        if not can_manage_rules(request.user):
            # Refused before the input is read: a 400 naming the fields told anyone the endpoint
            # was theirs to use (issue 19).
            raise PermissionDenied(_("时限规则对全部派出所生效,只有系统管理员可以修改"))
        data = RuleRevisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        new = services.rule_revise(
            actor=request.user,
            rule=rule,
            effective_from=fields.pop("effective_from"),
            note=fields.pop("note"),
            **fields,
        )
        return Response(RuleSerializer(new).data, status=status.HTTP_201_CREATED)


class ClockViewSet(_ServiceErrors, ApiActorMixin, viewsets.ReadOnlyModelViewSet):
    """Clocks of the user's station (bureau: its stations). `?mine=1` assigned to me; `?state=`; `?kind=`."""

    pagination_class = StandardPagination

    def get_serializer_class(self):
        return ClockDetailSerializer if self.action != "list" else ClockSerializer

    def get_queryset(self):
        qs = (
            Clock.objects.visible_to(self.request.user)
            .select_related("rule", "content_type")
            .order_by("due_at", "pk")
        )
        params = self.request.query_params
        if params.get("mine") in ("1", "true"):
            qs = qs.filter(assignee=self.request.user)
        if state := params.get("state"):
            qs = qs.filter(state=state)
        if kind := params.get("kind"):
            qs = qs.filter(kind=kind)
        if self.action != "list":
            qs = qs.prefetch_related("pauses", "extensions", "warnings")
        return qs

    def _workable(self) -> Clock:
        clock = self.get_object()
        if not can_work_on(self.request.user, clock):
            raise PermissionDenied(_("只有承办人、单位负责人和所领导可以操作该时限"))
        return clock

    def _answer(self, clock):
        clock = self.get_queryset().get(pk=clock.pk)
        return Response(ClockDetailSerializer(clock).data)

    @extend_schema(request=PauseInput, responses=ClockDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        clock = self._workable()
        data = PauseInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.clock_pause(actor=request.user, clock=clock, reason=data.validated_data["reason"])
        return self._answer(clock)

    @extend_schema(request=None, responses=ClockDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        clock = self._workable()
        services.clock_resume(actor=request.user, clock=clock)
        return self._answer(clock)

    @extend_schema(request=ExtendInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        clock = self._workable()
        data = ExtendInput(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.clock_request_extension(
            actor=request.user, clock=clock, **data.validated_data
        )
        return Response(ExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)


class ExtensionViewSet(
    _ServiceErrors,
    ApiActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Extension requests on visible clocks. `?pending=1` only those waiting for a decision."""

    serializer_class = ExtensionSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        qs = ClockExtension.objects.filter(
            clock__in=Clock.objects.visible_to(self.request.user)
        ).select_related("clock__rule", "clock__station")
        if self.request.query_params.get("pending") in ("1", "true"):
            qs = qs.filter(decision="pending")
        return qs.order_by("-requested_at")

    def _decide(self, request, approve: bool):
        extension = self.get_object()
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decide = services.clock_approve_extension if approve else services.clock_reject_extension
        extension = decide(
            actor=request.user, extension=extension, note=data.validated_data["note"]
        )
        return Response(ExtensionSerializer(extension).data)

    @extend_schema(request=DecisionInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, True)

    @extend_schema(request=DecisionInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False)


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("rules", RuleViewSet, basename="rule")
router.register("clocks", ClockViewSet, basename="clock")
router.register("extensions", ExtensionViewSet, basename="extension")

app_name = "core-api"
urlpatterns = router.urls
