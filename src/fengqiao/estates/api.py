"""/api/estates/… — estates, an estate's terminals' health and today's traffic, terminals (pending
registrations, assignment), the event search (one person's movements only with `reason`, recorded),
registration tasks (register / dismiss) and the part's open alarms (for the command room).

Same scoping and rules as the pages (services/selectors): another station's records are 404,
actions the user may not take are 403, bad values 400 with the reason.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core.api import ApiActorMixin, django_errors
from fengqiao.core.masking import mask_name
from fengqiao.estates import permissions, selectors, services
from fengqiao.estates.models import (
    AccessDevice,
    AccessEvent,
    Estate,
    Gate,
    RegistrationTask,
    TerminalCommand,
)
from fengqiao.registry.models import Person

TAG = ["平安智慧小区"]


class EstateSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    gate_count = serializers.IntegerField(read_only=True)
    device_count = serializers.IntegerField(read_only=True)
    offline_count = serializers.IntegerField(read_only=True)
    open_tasks = serializers.IntegerField(read_only=True)

    class Meta:
        model = Estate
        fields = ["id", "name", "community", "community_name", "address", "latitude", "longitude", "households",
                  "built_year", "property_company", "gate_count", "device_count", "offline_count", "open_tasks"]  # fmt: skip


class AccessDeviceSerializer(serializers.ModelSerializer):
    online = serializers.SerializerMethodField()

    class Meta:
        model = AccessDevice
        fields = ["id", "vendor", "identifier", "status", "estate", "gate", "name", "model", "first_seen_at",
                  "last_seen_at", "remote_address", "offline_since", "online"]  # fmt: skip

    def get_online(self, obj) -> bool:
        return selectors.device_health([obj])[0]["online"]


class AccessEventSerializer(serializers.ModelSerializer):
    person_name = serializers.SerializerMethodField()

    class Meta:
        model = AccessEvent
        fields = ["id", "occurred_at", "estate", "gate", "device", "direction", "credential_type", "granted",
                  "subject", "card_no", "person", "person_name"]  # fmt: skip

    def get_person_name(self, obj) -> str:
        return mask_name(obj.person.name) if obj.person_id and obj.person else ""


class EventPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    more = serializers.BooleanField(help_text="计数达到上限(10000)时为真")
    page = serializers.IntegerField()
    results = AccessEventSerializer(many=True)


class RegistrationTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationTask
        fields = ["id", "estate", "community", "subject", "first_seen_at", "last_seen_at", "days_seen", "window_days",
                  "status", "assignee", "due_at", "person", "reason", "resolved_at", "created_at"]  # fmt: skip


class EstateTrafficSerializer(serializers.Serializer):
    hours = serializers.ListField(child=serializers.CharField())
    series = serializers.ListField(child=serializers.DictField())
    total = serializers.IntegerField()


class EstateAlarmSerializer(serializers.Serializer):
    kind = serializers.CharField()
    level = serializers.CharField()
    title = serializers.CharField()
    since = serializers.DateTimeField()
    url = serializers.CharField()
    estate = serializers.CharField()
    community = serializers.CharField()


class DeviceAssignSerializer(serializers.Serializer):
    gate = serializers.IntegerField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TaskRegisterSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="一标三实人员编号")


class TaskDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class Base(ApiActorMixin, APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not permissions.can_view(request.user):
            raise DrfPermissionDenied("您的角色无权查看小区门禁数据")

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError):
            return Response(django_errors(exc), status=400)
        if isinstance(exc, PermissionDenied):
            return Response({"detail": str(exc)}, status=403)
        return super().handle_exception(exc)


class EstateList(Base):
    @extend_schema(tags=TAG, summary="小区列表", responses=EstateSerializer(many=True),
                   parameters=[OpenApiParameter("q", str), OpenApiParameter("community", int)])  # fmt: skip
    def get(self, request):
        qs = selectors.estates_with_figures(request.user, q=request.query_params.get("q", ""),
                                            community=request.query_params.get("community", ""))  # fmt: skip
        return Response(EstateSerializer(qs.order_by("name"), many=True).data)


class EstateDetail(Base):
    @extend_schema(tags=TAG, summary="小区详情", responses=EstateSerializer)
    def get(self, request, pk: int):
        return Response(
            EstateSerializer(
                get_object_or_404(selectors.estates_with_figures(request.user), pk=pk)
            ).data
        )


class EstateToday(Base):
    @extend_schema(tags=TAG, summary="小区今日各小时通行人次", responses=EstateTrafficSerializer)
    def get(self, request, pk: int):
        estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=pk)
        return Response(selectors.today_traffic(estate))


class DeviceList(Base):
    @extend_schema(tags=TAG, summary="门禁设备(含待接收)", responses=AccessDeviceSerializer(many=True),
                   parameters=[OpenApiParameter("estate", int), OpenApiParameter("status", str)])  # fmt: skip
    def get(self, request):
        qs = AccessDevice.objects.visible_to(request.user)
        if request.query_params.get("status") == "pending":
            qs = (
                AccessDevice.objects.pending().filter(station__isnull=True)
                if services.has_role(request.user, services.DEVICE_ROLES)
                else qs.none()
            )
        if str(request.query_params.get("estate", "")).isdigit():
            qs = qs.filter(estate_id=int(request.query_params["estate"]))
        return Response(AccessDeviceSerializer(qs.order_by("id")[:1000], many=True).data)


class DeviceAssign(Base):
    @extend_schema(
        tags=TAG,
        summary="接入设备到门岗",
        request=DeviceAssignSerializer,
        responses=AccessDeviceSerializer,
    )
    def post(self, request, pk: int):
        device = get_object_or_404(
            AccessDevice.objects.visible_to(request.user)
            | AccessDevice.objects.pending().filter(station__isnull=True),
            pk=pk,
        )
        data = DeviceAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        gate = get_object_or_404(
            Gate.objects.visible_to(request.user), pk=data.validated_data["gate"]
        )
        device = services.device_assign(
            actor=request.user, device=device, gate=gate, name=data.validated_data.get("name", "")
        )
        return Response(AccessDeviceSerializer(device).data)


class TerminalCommandRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["INFO", "CHECK", "REBOOT"])


class TerminalCommandSerializer(serializers.ModelSerializer):
    class Meta:
        model = TerminalCommand
        fields = [
            "id",
            "device",
            "kind",
            "status",
            "requested_at",
            "sent_at",
            "done_at",
            "return_code",
        ]


class DeviceCommand(Base):
    @extend_schema(
        tags=TAG,
        summary="向中控设备下发命令",
        request=TerminalCommandRequestSerializer,
        responses=TerminalCommandSerializer,
    )
    def post(self, request, pk: int):
        device = get_object_or_404(AccessDevice.objects.visible_to(request.user), pk=pk)
        data = TerminalCommandRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        command = services.terminal_command(
            actor=request.user, device=device, kind=data.validated_data["kind"]
        )
        return Response(TerminalCommandSerializer(command).data)


class EventSearch(Base):
    @extend_schema(
        tags=TAG, summary="通行记录查询",
        description="按凭证编号(subject)、卡号(card)或人员(person)查询个人通行记录时必须提供 reason(事由),每次查询记入个人信息查看记录。",
        responses=EventPageSerializer,
        parameters=[OpenApiParameter(n, t) for n, t in (("estate", int), ("gate", int), ("community", int),
                    ("from", str), ("to", str), ("direction", str), ("type", str), ("result", str), ("subject", str),
                    ("card", str), ("person", int), ("reason", str), ("page", int))],
    )  # fmt: skip
    def get(self, request):
        params = request.query_params
        qs = selectors.event_search(request.user, params)
        page = int(params.get("page", "1")) if str(params.get("page", "1")).isdigit() else 1
        if selectors.is_personal(params):
            estate = (
                Estate.objects.visible_to(request.user).filter(pk=int(params["estate"])).first()
                if str(params.get("estate", "")).isdigit()
                else None
            )
            person = (
                Person.objects.visible_to(request.user).filter(pk=int(params["person"])).first()
                if str(params.get("person", "")).isdigit()
                else None
            )
            services.movements_record(actor=request.user, estate=estate, subject=params.get("subject", "").strip(),
                                      person=person, reason=params.get("reason", ""), channel="api")  # fmt: skip
        count, more = selectors.capped_count(qs)
        rows = selectors.page_of(qs, max(1, page))
        return Response(
            {
                "count": count,
                "more": more,
                "page": max(1, page),
                "results": AccessEventSerializer(rows, many=True).data,
            }
        )


class TaskList(Base):
    @extend_schema(tags=TAG, summary="核查登记任务", responses=RegistrationTaskSerializer(many=True),
                   parameters=[OpenApiParameter("status", str), OpenApiParameter("estate", int)])  # fmt: skip
    def get(self, request):
        qs = RegistrationTask.objects.visible_to(request.user)
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        if str(request.query_params.get("estate", "")).isdigit():
            qs = qs.filter(estate_id=int(request.query_params["estate"]))
        return Response(RegistrationTaskSerializer(qs.order_by("due_at")[:1000], many=True).data)


class TaskDetail(Base):
    @extend_schema(tags=TAG, summary="核查登记任务详情", responses=RegistrationTaskSerializer)
    def get(self, request, pk: int):
        return Response(
            RegistrationTaskSerializer(
                get_object_or_404(RegistrationTask.objects.visible_to(request.user), pk=pk)
            ).data
        )


class TaskRegister(Base):
    @extend_schema(
        tags=TAG,
        summary="已登记:关联人员并办结",
        request=TaskRegisterSerializer,
        responses=RegistrationTaskSerializer,
    )
    def post(self, request, pk: int):
        task = get_object_or_404(RegistrationTask.objects.visible_to(request.user), pk=pk)
        data = TaskRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = get_object_or_404(
            Person.objects.visible_to(request.user), pk=data.validated_data["person"]
        )
        return Response(
            RegistrationTaskSerializer(
                services.task_register(actor=request.user, task=task, person=person)
            ).data
        )


class TaskDismiss(Base):
    @extend_schema(
        tags=TAG,
        summary="排除核查登记任务(须写明理由)",
        request=TaskDismissSerializer,
        responses=RegistrationTaskSerializer,
    )
    def post(self, request, pk: int):
        task = get_object_or_404(RegistrationTask.objects.visible_to(request.user), pk=pk)
        data = TaskDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            RegistrationTaskSerializer(
                services.task_dismiss(
                    actor=request.user, task=task, reason=data.validated_data["reason"]
                )
            ).data
        )


class Alarms(Base):
    @extend_schema(
        tags=TAG,
        summary="待处理告警(设备离线、任务超期)",
        responses=EstateAlarmSerializer(many=True),
    )
    def get(self, request):
        return Response(EstateAlarmSerializer(selectors.open_alarms(request.user), many=True).data)


urlpatterns = [
    path("", EstateList.as_view(), name="api_estate_list"),
    path("<int:pk>/", EstateDetail.as_view(), name="api_estate_detail"),
    path("<int:pk>/today/", EstateToday.as_view(), name="api_estate_today"),
    path("devices/", DeviceList.as_view(), name="api_device_list"),
    path("devices/<int:pk>/assign/", DeviceAssign.as_view(), name="api_device_assign"),
    path("devices/<int:pk>/command/", DeviceCommand.as_view(), name="api_device_command"),
    path("events/", EventSearch.as_view(), name="api_event_search"),
    path("tasks/", TaskList.as_view(), name="api_task_list"),
    path("tasks/<int:pk>/", TaskDetail.as_view(), name="api_task_detail"),
    path("tasks/<int:pk>/register/", TaskRegister.as_view(), name="api_task_register"),
    path("tasks/<int:pk>/dismiss/", TaskDismiss.as_view(), name="api_task_dismiss"),
    path("alarms/", Alarms.as_view(), name="api_alarms"),
]
