"""/api/antifraud/… — warnings posted by the county centre (token), and the feedback listing of each
warning's handling and outcome; attempts and outcomes as POST actions.

Same scoping as the pages: reads station-wide (county-bureau accounts: every station of their bureau;
another station's warning is a 404); actions only on warnings in `Warning.objects.editable_by(user)`
(403 otherwise). Phones and ID numbers are always masked.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fengqiao.accounts.models import Station
from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.antifraud import permissions, services
from fengqiao.antifraud.choices import AttemptMethod, Outcome, RiskLevel
from fengqiao.antifraud.filters import filter_warnings
from fengqiao.antifraud.models import DissuasionAttempt, FraudType, Warning
from fengqiao.core.api import ScopedModelViewSet, StrictFieldsMixin
from fengqiao.core.masking import mask_id_number, mask_phone


class FraudAttemptSerializer(serializers.ModelSerializer):
    officer_name = serializers.CharField(source="officer.display_name", read_only=True)

    class Meta:
        model = DissuasionAttempt
        fields = ["id", "method", "at", "officer", "officer_name", "reached", "result", "checklist"]
        read_only_fields = fields


class FraudWarningSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text=_("手机号(脱敏)"))
    id_number = serializers.SerializerMethodField(help_text=_("身份证号(脱敏)"))
    fraud_type_name = serializers.CharField(source="fraud_type.name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True, default="")
    officer_name = serializers.CharField(source="officer.display_name", read_only=True, default="")
    contacted_on_time = serializers.SerializerMethodField(
        help_text=_("是否在期限内首次联系(未联系为空)")
    )
    loss = serializers.SerializerMethodField(help_text=_("已被骗的损失金额(元)"))
    merged_into_reference = serializers.CharField(
        source="merged_into.reference", read_only=True, default=""
    )
    attempts = FraudAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Warning
        fields = [
            "id",
            "reference",
            "external_id",
            "station_code",
            "name",
            "phone",
            "id_number",
            "risk_level",
            "fraud_type",
            "fraud_type_name",
            "received_at",
            "source",
            "match_method",
            "community",
            "community_name",
            "officer",
            "officer_name",
            "assigned_at",
            "contact_due_at",
            "first_contact_at",
            "contacted_on_time",
            "status",
            "outcome",
            "outcome_at",
            "outcome_note",
            "amount_protected",
            "loss",
            "merged_into_reference",
            "attempts",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number)

    def get_contacted_on_time(self, obj) -> bool | None:
        if obj.first_contact_at is None or obj.contact_due_at is None:
            return None
        return obj.first_contact_at <= obj.contact_due_at

    def get_loss(self, obj) -> str | None:
        case = getattr(obj, "fraud_case", None)
        return str(case.loss) if case is not None else None


class FraudWarningInSerializer(StrictFieldsMixin, serializers.Serializer):
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text=_("反诈中心指令编号:重复推送返回第一次建立的预警"),
    )
    station = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Station.objects.all(),
        required=False,
        help_text=_("派出所代码(县局账号必填)"),
    )
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=30)
    address_text = serializers.CharField(required=False, allow_blank=True, max_length=200)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    fraud_type = serializers.SlugRelatedField(
        slug_field="name",
        queryset=FraudType.objects.filter(active=True),
        help_text=_("诈骗类型名称,如 刷单返利"),
    )
    received_at = serializers.DateTimeField(required=False)
    content = serializers.CharField(required=False, allow_blank=True)


class FraudAttemptInSerializer(StrictFieldsMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=AttemptMethod.choices)
    result = serializers.CharField(allow_blank=True)
    reached = serializers.BooleanField(default=False)
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False)
    at = serializers.DateTimeField(required=False)


class FraudCloseInSerializer(StrictFieldsMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    amount_protected = serializers.CharField(required=False, allow_blank=True)
    loss = serializers.CharField(required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False)


class FraudWarningFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索(编号/姓名/电话尾号)"), method="by_params")
    level = django_filters.ChoiceFilter(
        label=_("风险等级"), choices=RiskLevel.choices, method="by_params"
    )
    status = django_filters.CharFilter(label=_("状态(open=未办结)"), method="by_params")
    overdue = django_filters.BooleanFilter(label=_("联系超时"), method="by_params")
    community = django_filters.NumberFilter(label=_("社区/村"), method="by_params")
    officer = django_filters.NumberFilter(label=_("责任民警"), method="by_params")
    received_from = django_filters.DateFilter(label=_("接收日期起"), method="by_params")
    received_to = django_filters.DateFilter(label=_("接收日期止"), method="by_params")

    class Meta:
        model = Warning
        fields = ["q"]

    KEYS = {"received_from": "from", "received_to": "to"}

    def by_params(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        if value is True:
            value = "1"
        if value is False:
            return queryset
        user = getattr(self.request, "user", None)
        return filter_warnings(queryset, {self.KEYS.get(name, name): str(value)}, user=user)


class FraudWarningViewSet(ScopedModelViewSet):
    """预警指令: list and detail give each warning's handling and outcome (the feedback to the county centre)."""

    model = Warning
    serializer_class = FraudWarningSerializer
    filterset_class = FraudWarningFilterSet
    http_method_names = ["get", "post", "head", "options"]
    write_roles = permissions.ENTRY_ROLES | BUREAU_ROLES
    open_actions = ("attempt", "close")
    select_related = ("fraud_type", "community", "officer", "station", "merged_into", "fraud_case")
    prefetch_related = ("attempts__officer",)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and "status" not in self.request.query_params:
            queryset = queryset.primary()
        return queryset.order_by("-received_at", "-pk")

    @extend_schema(request=FraudWarningInSerializer, responses={201: FraudWarningSerializer})
    def create(self, request, *args, **kwargs):
        data = FraudWarningInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        user = request.user
        station = d.pop("station", None)
        if user.role in BUREAU_ROLES and not user.is_superuser:
            if station is None or station.bureau_id != user.bureau_id:
                raise ValidationError({"station": "请填写本县局所属派出所的代码"})
        elif station is not None and station.pk != user.station_id:
            raise ValidationError({"station": "只能向本所推送预警"})
        station = station or user.station
        existing = (
            Warning.objects.filter(
                station=station, external_id=(d.get("external_id") or "").strip()
            ).exists()
            if d.get("external_id")
            else False
        )
        warning = services.warning_receive(actor=user, station=station, source="api", **d)
        out = FraudWarningSerializer(
            self.base_queryset().get(pk=warning.pk), context=self.get_serializer_context()
        )
        return Response(
            out.data, status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED
        )

    @extend_schema(request=FraudAttemptInSerializer, responses={200: FraudWarningSerializer})
    @action(detail=True, methods=["post"])
    def attempt(self, request, pk=None):
        warning = self.get_object()
        data = FraudAttemptInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.attempt_record(actor=request.user, warning=warning, **data.validated_data)
        return Response(FraudWarningSerializer(self.base_queryset().get(pk=warning.pk)).data)

    @extend_schema(request=FraudCloseInSerializer, responses={200: FraudWarningSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        warning = self.get_object()
        data = FraudCloseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.warning_close(actor=request.user, warning=warning, **data.validated_data)
        return Response(FraudWarningSerializer(self.base_queryset().get(pk=warning.pk)).data)


router = SimpleRouter()
router.register("warnings", FraudWarningViewSet, basename="antifraud-warning")

urlpatterns = router.urls
