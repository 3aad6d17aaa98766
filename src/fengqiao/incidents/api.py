"""/api/incidents/… — list/retrieve with filters, intake (create), and each step as a POST action.

Same scoping as the pages: reads station-wide (others' incidents are 404), actions only on
incidents in `Incident.objects.editable_by(user)` (403 otherwise). Phones are always masked.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import User
from fengqiao.core.api import ScopedModelViewSet, ScopedPrimaryKeyRelatedField, StrictFieldsMixin
from fengqiao.core.masking import mask_phone
from fengqiao.incidents import permissions, services
from fengqiao.incidents.choices import (
    AreaType,
    AssignmentRole,
    CallbackStatus,
    Outcome,
    Rating,
    Source,
    Status,
    Urgency,
)
from fengqiao.incidents.filters import filter_incidents
from fengqiao.incidents.models import Callback, Incident, IncidentCategory
from fengqiao.registry.models import Address, Community

# ---------------------------------------------------------------- serializers


class AssignmentSerializer(serializers.Serializer):
    officer = serializers.IntegerField(source="officer_id", help_text=_("民警编号"))
    officer_name = serializers.CharField(source="officer.full_name")
    role = serializers.ChoiceField(choices=AssignmentRole.choices)


class IncidentSerializer(serializers.ModelSerializer):
    caller_phone = serializers.SerializerMethodField(help_text=_("报警电话(脱敏)"))
    category_name = serializers.CharField(source="category.__str__", read_only=True)
    # Blank until the incident is handled: the schema says so ("" besides the outcomes).
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "station",
            "community",
            "source",
            "urgency",
            "category",
            "category_name",
            "caller_name",
            "caller_phone",
            "caller_person",
            "address",
            "location",
            "narrative",
            "area_type",
            "status",
            "received_at",
            "dispatched_at",
            "arrived_at",
            "handled_at",
            "reported_at",
            "closed_at",
            "outcome",
            "disposition",
            "assigned_unit",
            "assignments",
            "case_reference",
        ]
        read_only_fields = fields

    def get_caller_phone(self, obj) -> str:
        return mask_phone(obj.caller_phone)


class IntakeSerializer(StrictFieldsMixin, serializers.Serializer):
    submission_id = serializers.UUIDField(
        required=False, help_text=_("一次性提交标识:重复提交返回第一次的警情")
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=IncidentCategory.objects.filter(active=True)
    )
    source = serializers.ChoiceField(choices=Source.choices, default=Source.CALL_110)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    area_type = serializers.ChoiceField(choices=AreaType.choices, default=AreaType.URBAN)
    caller_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    caller_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    address = ScopedPrimaryKeyRelatedField(model=Address, required=False, allow_null=True)
    community = ScopedPrimaryKeyRelatedField(model=Community, required=False, allow_null=True)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    narrative = serializers.CharField(required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False)


class AtSerializer(StrictFieldsMixin, serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text=_("发生时间,缺省为现在"))
    note = serializers.CharField(required=False, allow_blank=True)


class DispatchSerializer(StrictFieldsMixin, serializers.Serializer):
    officers = serializers.ListField(child=serializers.IntegerField(), help_text=_("处警民警编号"))
    lead = serializers.IntegerField(required=False, help_text=_("主办民警编号,缺省为第一位"))
    at = serializers.DateTimeField(required=False)


class IncidentCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_blank=True)
    disposition = serializers.CharField(required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False)


class ReasonSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class VictimSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    is_local = serializers.BooleanField(required=False, allow_null=True, default=None)


class CaseLinkSerializer(StrictFieldsMixin, serializers.Serializer):
    case_reference = serializers.CharField(allow_blank=True, max_length=40)


# ---------------------------------------------------------------- filters


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索(编号/电话/地点)"), method="by_params")
    received_from = django_filters.DateFilter(label=_("接警日期起"), method="by_params")
    received_to = django_filters.DateFilter(label=_("接警日期止"), method="by_params")
    category = django_filters.NumberFilter(label=_("类别(含子类)"), method="by_params")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    community = django_filters.NumberFilter(label=_("社区/村"), field_name="community_id")
    officer = django_filters.NumberFilter(label=_("处警民警"), method="by_params")
    unfiled = django_filters.BooleanFilter(label=_("有案不立"), method="by_params")

    class Meta:
        model = Incident
        fields = ["q", "status", "community"]

    KEYS = {"received_from": "from", "received_to": "to"}

    def by_params(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        if name == "unfiled":
            return filter_incidents(queryset, {"unfiled": "1"}) if value else queryset
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        user = getattr(self.request, "user", None)
        return filter_incidents(queryset, {self.KEYS.get(name, name): str(value)}, user=user)


# ---------------------------------------------------------------- views

TAGS = ["警情"]
SCOPE = _("只返回您所在派出所的警情(县局用户:本局所有派出所);其他所的警情一律404。报警电话脱敏。")
ERRORS = {
    400: OpenApiResponse(description=_("状态或时间不符、缺少必填项:中文说明,未写入任何数据")),
    403: OpenApiResponse(description=_("无权处理该警情")),
    404: OpenApiResponse(description=_("警情不存在或不在您的可见范围")),
}


def _step(summary, request=None):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        request=request or AtSerializer,
        responses={200: IncidentSerializer, **ERRORS},
    )


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary=_("警情列表"), description=SCOPE),
    retrieve=extend_schema(tags=TAGS, summary=_("警情详情"), description=SCOPE),
    create=extend_schema(
        tags=TAGS,
        summary=_("接警登记"),
        request=IntakeSerializer,
        responses={201: IncidentSerializer, 400: ERRORS[400]},
        description=_("带相同`submission_id`的重复提交返回第一次登记的警情。"),
    ),
    history=extend_schema(tags=TAGS),
)
class IncidentViewSet(ScopedModelViewSet):
    """警情。"""

    model = Incident
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    ordering_fields = ["received_at", "id"]
    ordering = ["-received_at", "-id"]
    select_related = ("category", "category__parent")
    prefetch_related = ("assignments__officer",)
    http_method_names = ["get", "post", "head", "options"]
    write_roles = frozenset(Role.values)

    def create(self, request, *args, **kwargs):
        user = request.user
        if user.station_id is None:
            raise PermissionDenied(_("只有派出所民警可以接警"))
        serializer = IntakeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        incident = services.incident_receive(
            actor=user, station=user.station, **serializer.validated_data
        )
        return Response(self._out(incident), status=status.HTTP_201_CREATED)

    def _out(self, incident):
        return IncidentSerializer(
            self.get_queryset().get(pk=incident.pk), context=self.get_serializer_context()
        ).data

    def _run(self, request, serializer_class, fn, **fixed):
        incident = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        fn(actor=request.user, incident=incident, **fixed, **serializer.validated_data)
        return Response(self._out(incident))

    @_step(_("派警"), DispatchSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_officers(self, request, pk=None):
        incident = self.get_object()
        serializer = DispatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        people = {
            u.pk: u
            for u in User.objects.filter(station_id=incident.station_id, pk__in=data["officers"])
        }
        if len(people) != len(set(data["officers"])):
            from django.core.exceptions import ValidationError

            raise ValidationError({"officers": ["只能指派本所民警"]})
        officers = [people[pk] for pk in dict.fromkeys(data["officers"])]
        lead = people.get(data.get("lead")) if data.get("lead") else None
        services.incident_dispatch(
            actor=request.user, incident=incident, officers=officers, lead=lead, at=data.get("at")
        )
        return Response(self._out(incident))

    @_step(_("到场"))
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        incident = self.get_object()
        serializer = AtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_arrive(
            actor=request.user, incident=incident, at=serializer.validated_data.get("at")
        )
        return Response(self._out(incident))

    @_step(_("处置"))
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        return self._run(request, AtSerializer, services.incident_handle)

    @_step(_("反馈"))
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        return self._run(request, AtSerializer, services.incident_report)

    @_step(_("结警(须处置结果和处置情况)"), IncidentCloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        incident = self.get_object()
        serializer = IncidentCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        services.incident_close(
            actor=request.user,
            incident=incident,
            outcome=d.get("outcome", ""),
            disposition=d.get("disposition", ""),
            at=d.get("at"),
        )
        return Response(self._out(incident))

    @_step(_("重新打开"), ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._run(request, ReasonSerializer, services.incident_reopen)

    @_step(_("登记受害人(刑事、治安;结警后进入回访)"), VictimSerializer)
    @action(detail=True, methods=["post"])
    def victims(self, request, pk=None):
        return self._run(request, VictimSerializer, services.incident_add_victim)

    @_step(_("关联受案/立案编号(停止审查时限)"), CaseLinkSerializer)
    @action(detail=True, methods=["post"])
    def link_case(self, request, pk=None):
        return self._run(request, CaseLinkSerializer, services.incident_link_case)


# ---------------------------------------------------------------- callbacks (回访)


class CallbackSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text=_("联系电话(脱敏)"))
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)

    class Meta:
        model = Callback
        fields = [
            "id",
            "incident",
            "incident_reference",
            "target",
            "name",
            "phone",
            "is_local",
            "unit",
            "officer",
            "status",
            "due_at",
            "assignee",
            "attempts",
            "rating",
            "reason",
            "note",
            "complaint_officer",
            "completed_at",
            "completed_by",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class CallbackRecordSerializer(StrictFieldsMixin, serializers.Serializer):
    reached = serializers.BooleanField(help_text=_("是否接通"))
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, help_text=_("不满意时必填"))
    note = serializers.CharField(required=False, allow_blank=True)
    complaint_officer = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("被投诉民警编号(转督察)")
    )
    at = serializers.DateTimeField(required=False)


class CallbackFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=CallbackStatus.choices)
    show = django_filters.ChoiceFilter(
        label=_("显示"),
        method="by_show",
        choices=[("due", _("一天内到期")), ("overdue", _("已超期")), ("mine", _("我的"))],
    )
    incident = django_filters.NumberFilter(label=_("警情"), field_name="incident_id")

    class Meta:
        model = Callback
        fields = ["status", "incident"]

    def by_show(self, queryset, name, value):
        from django.utils import timezone

        now = timezone.now()
        if value == "overdue":
            return queryset.filter(status=CallbackStatus.PENDING, due_at__lte=now)
        if value == "due":
            return queryset.filter(
                status=CallbackStatus.PENDING,
                due_at__gt=now,
                due_at__lte=now + dt.timedelta(days=1),
            )
        if value == "mine":
            return queryset.filter(status=CallbackStatus.PENDING, assignee=self.request.user)
        return queryset


CALLBACK_TAGS = ["警情回访"]


@extend_schema_view(
    list=extend_schema(
        tags=CALLBACK_TAGS, summary=_("回访列表"), description=_("本所的回访(县局:本局);电话脱敏。")
    ),
    retrieve=extend_schema(tags=CALLBACK_TAGS, summary=_("回访详情")),
    history=extend_schema(tags=CALLBACK_TAGS),
)
class CallbackViewSet(ScopedModelViewSet):
    """回访:结警后报警人(及刑事、治安警情的受害人)进入回访队列。"""

    model = Callback
    serializer_class = CallbackSerializer
    filterset_class = CallbackFilterSet
    ordering_fields = ["due_at", "completed_at", "id"]
    ordering = ["due_at", "id"]
    select_related = ("incident",)
    http_method_names = ["get", "post", "head", "options"]
    write_roles = frozenset(permissions.CALLBACK_ROLES)
    open_actions = ("record",)

    def create(self, request, *args, **kwargs):
        from rest_framework.exceptions import MethodNotAllowed

        raise MethodNotAllowed("POST", detail=_("回访由结警自动生成"))

    @extend_schema(
        tags=CALLBACK_TAGS,
        summary=_("登记一次回访(未接通记一次拨打;接通须满意度,不满意须原因)"),
        request=CallbackRecordSerializer,
        responses={200: CallbackSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        callback = self.get_object()
        serializer = CallbackRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        officer = None
        if d.get("complaint_officer"):
            officer = User.objects.filter(
                pk=d["complaint_officer"], station_id=callback.station_id
            ).first()
            if officer is None:
                from django.core.exceptions import ValidationError

                raise ValidationError({"complaint_officer": ["被投诉民警须为本所民警"]})
        services.callback_record(
            actor=request.user,
            callback=callback,
            reached=d["reached"],
            rating=d.get("rating", ""),
            reason=d.get("reason", ""),
            note=d.get("note", ""),
            complaint_officer=officer,
            at=d.get("at"),
        )
        return Response(CallbackSerializer(self.get_queryset().get(pk=callback.pk)).data)


app_name = "incidents-api"
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("callbacks", CallbackViewSet, basename="callback")
router.register("", IncidentViewSet, basename="incident")
urlpatterns = router.urls
