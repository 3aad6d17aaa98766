"""/api/vehicles/… — vehicles (search, arm/disarm for an owner app or the desk, fence, engine commands,
trail, theft report), alarms (acknowledge, close) and thefts (recovery, claim).

Same scoping as the pages: another station's records are 404; actions on records the user may read
but not act on are 403 (community officers act on their communities; station roles on the whole
station; engine commands only 指挥室/值班/所领导). Owner names and phones are always masked.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from fengqiao.accounts.choices import Role
from fengqiao.core.api import ScopedModelViewSet, StrictFieldsMixin
from fengqiao.core.masking import mask_name, mask_phone
from fengqiao.core.ratelimit import AddressRateThrottle
from fengqiao.vehicles import selectors, services
from fengqiao.vehicles.choices import (
    AlarmKind,
    AlarmResult,
    AlarmStatus,
    CommandKind,
    RecoveryCondition,
    VehicleKind,
    VehicleStatus,
)
from fengqiao.vehicles.models import Alarm, Theft, Vehicle

TAGS = ["vehicles"]
SCOPE = _("本所车辆可读;设防/撤防等操作限所负责社区的民警、指挥室、值班民警和所领导。")
ERRORS = {
    400: OpenApiResponse(description=_("数据不合法")),
    403: OpenApiResponse(description=_("无权操作")),
    404: OpenApiResponse(description=_("不存在或不在本所")),
}
ALL_ROLES = frozenset(Role.values)


@extend_schema_field(
    {
        "type": "string",
        "description": "; ".join(f"{v}: {label}" for v, label in AlarmResult.choices),
    }
)
class AlarmResultField(serializers.CharField):
    """The alarm's result, described inline (another app's "result" enum has other values)."""

    default_error_messages = {"invalid_choice": _("“{input}”不是有效的处理结果")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in AlarmResult.values:
            self.fail("invalid_choice", input=value)
        return value


def _described(choices):
    """A read-only code field whose values are listed in its description, not as a shared enum component
    (other apps use the field names "kind" and "status" for other value sets)."""
    return extend_schema_field(
        {"type": "string", "description": "; ".join(f"{v}: {label}" for v, label in choices)}
    )(type("DescribedCode", (serializers.CharField,), {}))


KindField = _described(VehicleKind.choices)
VehicleStatusField = _described(VehicleStatus.choices)


class VehicleSerializer(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    status = VehicleStatusField(read_only=True)
    owner_name = serializers.SerializerMethodField(help_text=_("车主(脱敏)"))
    owner_phone = serializers.SerializerMethodField(help_text=_("车主手机号(脱敏)"))
    online = serializers.SerializerMethodField(help_text=_("定位器在线"))
    last_fix_at = serializers.DateTimeField(
        source="device.last_fix_at", read_only=True, allow_null=True
    )
    latitude = serializers.FloatField(
        source="device.latitude", read_only=True, allow_null=True, help_text=_("WGS-84")
    )
    longitude = serializers.FloatField(
        source="device.longitude", read_only=True, allow_null=True, help_text=_("WGS-84")
    )
    speed_kmh = serializers.FloatField(source="device.speed_kmh", read_only=True, allow_null=True)
    remote_arming = serializers.SerializerMethodField(
        help_text=_("定位器支持远程设防(已登记该型号的设防/撤防指令)")
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "plate",
            "kind",
            "brand",
            "colour",
            "frame_number",
            "purchased_on",
            "station",
            "community",
            "owner",
            "owner_name",
            "owner_phone",
            "status",
            "armed",
            "armed_at",
            "home_latitude",
            "home_longitude",
            "home_radius_m",
            "outside_fence",
            "imei",
            "online",
            "last_fix_at",
            "latitude",
            "longitude",
            "speed_kmh",
            "remote_arming",
        ]
        read_only_fields = fields

    def get_remote_arming(self, obj) -> bool:
        return bool(obj.device_id) and obj.device.can_arm_remotely

    def get_owner_name(self, obj) -> str:
        return mask_name(obj.owner.name)

    def get_owner_phone(self, obj) -> str:
        return mask_phone(obj.owner.phone)

    def get_online(self, obj) -> bool:
        from fengqiao.tracking.services import online

        return bool(obj.device_id) and online(obj.device)


class VehicleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索(号牌/车主/手机号/身份证号/定位器号)"), method="search"
    )
    kind = django_filters.ChoiceFilter(label=_("车辆类型"), choices=VehicleKind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=VehicleStatus.choices)
    armed = django_filters.BooleanFilter(label=_("已设防"))
    community = django_filters.NumberFilter(label=_("社区/村"), field_name="community_id")

    class Meta:
        model = Vehicle
        fields = ["q", "kind", "status", "armed", "community"]

    def search(self, queryset, name, value):
        return selectors.vehicle_search(queryset, value, user=self.request.user)


class EmptySerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class FenceSerializer(StrictFieldsMixin, serializers.Serializer):
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    radius_m = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("留空取消围栏")
    )


class CommandSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=CommandKind.choices)
    reason = serializers.CharField(max_length=200)


class TheftReportSerializer(StrictFieldsMixin, serializers.Serializer):
    place = serializers.CharField(max_length=200)
    reporter_name = serializers.CharField(max_length=50)
    lead_officer = serializers.IntegerField(help_text=_("盗窃案主办民警编号(本所民警,不能是辅警)"))
    second_officer = serializers.IntegerField(
        help_text=_("盗窃案协办民警编号(本所民警,与主办民警不同)")
    )
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    narrative = serializers.CharField(required=False, allow_blank=True)
    stolen_at = serializers.DateTimeField(required=False, allow_null=True)


class TrailPointSerializer(serializers.Serializer):
    t = serializers.DateTimeField()
    p = serializers.ListField(
        child=serializers.FloatField(), help_text=_("[纬度, 经度](底图坐标系)")
    )
    v = serializers.FloatField(help_text=_("速度 km/h"))
    c = serializers.IntegerField(help_text=_("方向"))


class AlarmSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    result = AlarmResultField(read_only=True, allow_blank=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "vehicle",
            "plate",
            "kind",
            "at",
            "last_at",
            "repeats",
            "latitude",
            "longitude",
            "speed_kmh",
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "closed_at",
            "closed_by",
            "result",
            "note",
        ]
        read_only_fields = fields


class AlarmFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=AlarmStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("告警类型"), choices=AlarmKind.choices)
    vehicle = django_filters.NumberFilter(label=_("车辆"), field_name="vehicle_id")

    class Meta:
        model = Alarm
        fields = ["status", "kind", "vehicle"]


class NoteSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class CloseSerializer(StrictFieldsMixin, serializers.Serializer):
    result = AlarmResultField()
    note = serializers.CharField(required=False, allow_blank=True)


class TheftSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    incident_reference = serializers.CharField(
        source="incident.reference", read_only=True, allow_null=True
    )
    case_reference = serializers.CharField(source="case.reference", read_only=True, allow_null=True)
    case_status = serializers.CharField(source="case.status", read_only=True, allow_null=True)

    class Meta:
        model = Theft
        fields = [
            "id",
            "reference",
            "vehicle",
            "plate",
            "reported_at",
            "stolen_at",
            "place",
            "reporter_name",
            "narrative",
            "incident",
            "incident_reference",
            "case",
            "case_reference",
            "case_status",
            "status",
        ]
        read_only_fields = fields


class RecoverySerializer(StrictFieldsMixin, serializers.Serializer):
    place = serializers.CharField(max_length=200)
    condition = serializers.ChoiceField(choices=RecoveryCondition.choices)
    recovered_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary=_("车辆列表/查询"), description=SCOPE),
    retrieve=extend_schema(tags=TAGS, summary=_("车辆详情(含最新位置)"), description=SCOPE),
)
class VehicleViewSet(ScopedModelViewSet):
    """行车卫士车辆。"""

    model = Vehicle
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilterSet
    ordering_fields = ["plate", "id"]
    ordering = ["plate"]
    select_related = ("owner", "device")
    http_method_names = ["get", "post", "head", "options"]
    write_roles = ALL_ROLES
    lookup_value_regex = r"\d+"

    def create(self, request, *args, **kwargs):
        return Response({"detail": _("请在安装登记页面登记车辆")}, status=405)

    def _out(self, vehicle):
        return VehicleSerializer(
            self.get_queryset().get(pk=vehicle.pk), context=self.get_serializer_context()
        ).data

    def _arm(self, request, *, armed: bool):
        """设防/撤防 from the API: the server-side state, and the tracker's command where it has one."""
        vehicle = self.get_object()
        services.vehicle_arm(actor=request.user, vehicle=vehicle, armed=armed, channel="api")
        return Response({**self._out(vehicle), **_arm_outcome(vehicle)})

    @extend_schema(
        tags=TAGS,
        summary=_("设防"),
        request=EmptySerializer,
        responses={200: VehicleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def arm(self, request, pk=None):
        return self._arm(request, armed=True)

    @extend_schema(
        tags=TAGS,
        summary=_("撤防"),
        request=EmptySerializer,
        responses={200: VehicleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def disarm(self, request, pk=None):
        return self._arm(request, armed=False)

    @extend_schema(
        tags=TAGS,
        summary=_("设置电子围栏"),
        request=FenceSerializer,
        responses={200: VehicleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def fence(self, request, pk=None):
        vehicle = self.get_object()
        serializer = FenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.vehicle_set_fence(
            actor=request.user,
            vehicle=vehicle,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            radius_m=data.get("radius_m"),
        )
        return Response(self._out(vehicle))

    @extend_schema(
        tags=TAGS,
        summary=_("断油断电/恢复(须写原因;车速过快时拒绝)"),
        request=CommandSerializer,
        responses={202: OpenApiResponse(description=_("已排队")), **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def command(self, request, pk=None):
        vehicle = self.get_object()
        serializer = CommandSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        command = services.engine_command(
            actor=request.user, vehicle=vehicle, **serializer.validated_data
        )
        return Response({"id": command.pk, "status": command.status}, status=202)

    @extend_schema(
        tags=TAGS,
        summary=_("轨迹(任意时段,最多31天)"),
        responses={200: TrailPointSerializer(many=True), **ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def trail(self, request, pk=None):
        vehicle = self.get_object()
        try:
            end = _parse(request.query_params.get("end")) or timezone.now()
            start = _parse(request.query_params.get("start")) or end - dt.timedelta(days=1)
        except ValueError:
            raise ValidationError({"start": [_("时间格式应为ISO 8601")]}) from None
        if start >= end or end - start > dt.timedelta(days=selectors.MAX_TRAIL_DAYS):
            raise ValidationError({"start": [_("开始时间须早于结束时间,且最多31天")]})
        return Response(
            selectors.trail_points(vehicle.device, start, end) if vehicle.device_id else []
        )

    @extend_schema(
        tags=TAGS,
        summary=_("报被盗(生成盗窃警情并受案)"),
        request=TheftReportSerializer,
        responses={201: TheftSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def theft(self, request, pk=None):
        vehicle = self.get_object()
        serializer = TheftReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for field in ("lead_officer", "second_officer"):
            data[field] = _station_user(vehicle.station_id, field, data[field])
        theft = services.theft_report(actor=request.user, vehicle=vehicle, **data)
        return Response(TheftSerializer(theft).data, status=201)


def _station_user(station_id: int, field: str, pk: int):
    from fengqiao.accounts.models import User

    user = User.objects.filter(pk=pk, station_id=station_id).first()
    if user is None:
        raise ValidationError({field: [_("编号为%(pk)s的民警不存在或不在本所") % {"pk": pk}]})
    return user


def _parse(value):
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary=_("车辆告警列表"), description=SCOPE),
    retrieve=extend_schema(tags=TAGS, summary=_("车辆告警详情"), description=SCOPE),
)
class AlarmViewSet(ScopedModelViewSet):
    """车辆告警:确认、关闭(须选处理结果)。"""

    model = Alarm
    serializer_class = AlarmSerializer
    filterset_class = AlarmFilterSet
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]
    select_related = ("vehicle",)
    http_method_names = ["get", "post", "head", "options"]
    write_roles = ALL_ROLES

    def create(self, request, *args, **kwargs):
        return Response({"detail": _("告警由系统产生")}, status=405)

    @extend_schema(
        tags=TAGS,
        summary=_("确认告警"),
        request=NoteSerializer,
        responses={200: AlarmSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alarm = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.alarm_acknowledge(actor=request.user, alarm=alarm, **serializer.validated_data)
        return Response(AlarmSerializer(self.get_queryset().get(pk=alarm.pk)).data)

    @extend_schema(
        tags=TAGS,
        summary=_("关闭告警"),
        request=CloseSerializer,
        responses={200: AlarmSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        alarm = self.get_object()
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.alarm_close(actor=request.user, alarm=alarm, **serializer.validated_data)
        return Response(AlarmSerializer(self.get_queryset().get(pk=alarm.pk)).data)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary=_("被盗登记列表"), description=SCOPE),
    retrieve=extend_schema(tags=TAGS, summary=_("被盗登记详情"), description=SCOPE),
)
class TheftViewSet(ScopedModelViewSet):
    """被盗登记:追回、理赔。"""

    model = Theft
    serializer_class = TheftSerializer
    filterset_fields = {"status": ["exact"]}
    filterset_class = None
    ordering_fields = ["reported_at", "id"]
    ordering = ["-reported_at", "-id"]
    select_related = ("vehicle", "incident", "case")
    http_method_names = ["get", "post", "head", "options"]
    write_roles = ALL_ROLES

    def create(self, request, *args, **kwargs):
        return Response({"detail": _("请通过 /api/vehicles/{id}/theft/ 报被盗")}, status=405)

    @extend_schema(
        tags=TAGS,
        summary=_("登记追回"),
        request=RecoverySerializer,
        responses={200: TheftSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def recovery(self, request, pk=None):
        theft = self.get_object()
        serializer = RecoverySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.recovery_record(actor=request.user, theft=theft, **serializer.validated_data)
        return Response(TheftSerializer(self.get_queryset().get(pk=theft.pk)).data)

    @extend_schema(
        tags=TAGS,
        summary=_("办理理赔(追查期满未追回,按车龄赔付)"),
        request=EmptySerializer,
        responses={200: TheftSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        theft = self.get_object()
        services.claim_approve(actor=request.user, theft=theft)
        return Response(TheftSerializer(self.get_queryset().get(pk=theft.pk)).data)


def _arm_outcome(vehicle) -> dict:
    """What happened to the tracker's own arm/disarm command (after vehicle_arm / owner_arm):
    device_command {id, status} when one was queued, device_command_refused with the reason when not
    sent for safety (moving) or refused; neither when the tracker cannot be armed remotely."""
    out = {}
    command = getattr(vehicle, "arm_command", None)
    if command is not None:
        out["device_command"] = {"id": command.pk, "kind": command.kind, "status": command.status}
    if getattr(vehicle, "arm_command_refusal", ""):
        out["device_command_refused"] = vehicle.arm_command_refusal
    return out


class OwnerVehicleSerializer(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    status = VehicleStatusField(read_only=True)
    last_fix_at = serializers.DateTimeField(
        source="device.last_fix_at", read_only=True, allow_null=True
    )
    latitude = serializers.FloatField(
        source="device.latitude", read_only=True, allow_null=True, help_text=_("WGS-84")
    )
    longitude = serializers.FloatField(
        source="device.longitude", read_only=True, allow_null=True, help_text=_("WGS-84")
    )

    class Meta:
        model = Vehicle
        fields = [
            "plate",
            "kind",
            "brand",
            "colour",
            "status",
            "armed",
            "armed_at",
            "last_fix_at",
            "latitude",
            "longitude",
        ]
        read_only_fields = fields


OWNER_HEADER = "X-Owner-Key"


class OwnerAppView(APIView):
    """The owner's app: its vehicle, 设防/撤防. Authenticated by the vehicle's owner key (header
    X-Owner-Key, issued on the vehicle page), not by a staff account; throttled per address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AddressRateThrottle]
    rls_system = True  # no staff user: reads as 'all' (core/rls.py); the owner key is the check
    action_name = ""

    def _vehicle(self, request):
        vehicle = services.owner_vehicle(request.headers.get(OWNER_HEADER, ""))
        if vehicle is None:
            raise NotAuthenticated(_("车主应用密钥无效或已作废"))
        return vehicle

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError):
            return Response({"detail": exc.messages}, status=400)
        return super().handle_exception(exc)

    @extend_schema(
        tags=TAGS,
        summary=_("车主应用:我的车辆"),
        responses={200: OwnerVehicleSerializer, 401: ERRORS[403]},
    )
    def get(self, request):
        return Response(OwnerVehicleSerializer(self._vehicle(request)).data)

    @extend_schema(
        tags=TAGS,
        summary=_("车主应用:设防/撤防"),
        request=None,
        responses={200: OwnerVehicleSerializer, 400: ERRORS[400], 401: ERRORS[403]},
    )
    def post(self, request):
        if not self.action_name:
            return Response({"detail": _("请使用 arm/ 或 disarm/")}, status=405)
        vehicle = services.owner_arm(
            vehicle=self._vehicle(request), armed=self.action_name == "arm"
        )
        return Response({**OwnerVehicleSerializer(vehicle).data, **_arm_outcome(vehicle)})


app_name = "vehicles-api"
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("alarms", AlarmViewSet, basename="alarm")
router.register("thefts", TheftViewSet, basename="theft")
router.register("", VehicleViewSet, basename="vehicle")
urlpatterns = [
    path("owner/", OwnerAppView.as_view(), name="owner"),
    path("owner/arm/", OwnerAppView.as_view(action_name="arm"), name="owner-arm"),
    path("owner/disarm/", OwnerAppView.as_view(action_name="disarm"), name="owner-disarm"),
    *router.urls,
]
