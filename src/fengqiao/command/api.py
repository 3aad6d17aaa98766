"""/api/command/… — the wall's data, alerts (list, acknowledge) and who is on duty now. Same scoping
and roles as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from fengqiao.command import alerts, permissions, roster, selectors
from fengqiao.command.models import Alert, Camera, PatrolCheck


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by_name = serializers.CharField(
        source="acknowledged_by.display_name", default="", read_only=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "station",
            "kind",
            "level",
            "title",
            "body",
            "url",
            "group_key",
            "community",
            "latitude",
            "longitude",
            "first_seen_at",
            "last_seen_at",
            "count",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_by_name",
            "ack_note",
            "escalated_at",
        ]
        read_only_fields = fields


class AlertList(generics.ListAPIView):
    """Alerts of the user's station, newest first; ?open=1 only unacknowledged, ?kind=…"""

    serializer_class = AlertSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        if not permissions.can_see_wall(self.request.user):
            raise PermissionDenied("只有指挥室、值班民警和所领导可以查看告警")
        rows = Alert.objects.visible_to(self.request.user).select_related("acknowledged_by")
        if self.request.query_params.get("open") == "1":
            rows = rows.unacknowledged()
        kind = self.request.query_params.get("kind")
        if kind:
            rows = rows.filter(kind=kind)
        return rows.order_by("-last_seen_at", "-pk")


class AckSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


@extend_schema(request=AckSerializer, responses=AlertSerializer)
@api_view(["POST"])
def alert_ack(request, pk):
    alert = Alert.objects.visible_to(request.user).filter(pk=pk).first()
    if alert is None:
        return Response({"detail": "没有这条告警"}, status=status.HTTP_404_NOT_FOUND)
    data = AckSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        alert = alerts.alert_acknowledge(
            actor=request.user, alert=alert, note=data.validated_data.get("note", "")
        )
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except ValidationError as exc:
        return Response({"detail": "；".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
    return Response(AlertSerializer(alert).data)


@extend_schema(responses={200: dict})
@api_view(["GET"])
def wall(request):
    if not permissions.can_see_wall(request.user):
        raise PermissionDenied("只有指挥室、值班民警和所领导可以查看指挥大屏")
    return Response(selectors.wall_data(request.user, timezone.now()))


@extend_schema(responses={200: dict})
@api_view(["GET"])
def on_duty(request):
    return Response(roster.header_duty(request.user.station_id) or {})


class CameraSerializer(serializers.ModelSerializer):
    class Meta:
        model = Camera
        fields = [
            "id",
            "name",
            "place",
            "community",
            "latitude",
            "longitude",
            "stream_kind",
            "stream_url",
            "active",
        ]
        read_only_fields = fields


class CameraList(generics.ListAPIView):
    """The station's cameras (stream URLs for the station's own players)."""

    serializer_class = CameraSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Camera.objects.none()
        return Camera.objects.visible_to(self.request.user).order_by("name")


class PatrolCheckSerializer(serializers.ModelSerializer):
    point_name = serializers.CharField(source="point.name", read_only=True)
    by_name = serializers.CharField(source="by.display_name", read_only=True)
    incident_reference = serializers.CharField(
        source="incident.reference", default="", read_only=True
    )

    class Meta:
        model = PatrolCheck
        fields = [
            "id",
            "at",
            "point",
            "point_name",
            "camera",
            "result",
            "note",
            "by",
            "by_name",
            "patrol_round",
            "incident",
            "incident_reference",
        ]
        read_only_fields = fields


class PatrolLog(generics.ListAPIView):
    """巡查日志, newest first; ?point=, ?result=normal|finding|no_signal."""

    serializer_class = PatrolCheckSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PatrolCheck.objects.none()
        rows = PatrolCheck.objects.visible_to(self.request.user).select_related(
            "point", "by", "incident"
        )
        params = self.request.query_params
        if (params.get("point") or "").isdigit():
            rows = rows.filter(point_id=int(params["point"]))
        if params.get("result"):
            rows = rows.filter(result=params["result"])
        return rows.order_by("-at", "-pk")


urlpatterns = [
    path("cameras/", CameraList.as_view(), name="command-api-cameras"),
    path("patrol-log/", PatrolLog.as_view(), name="command-api-patrol-log"),
    path("alerts/", AlertList.as_view(), name="command-api-alerts"),
    path("alerts/<int:pk>/acknowledge/", alert_ack, name="command-api-alert-ack"),
    path("wall/", wall, name="command-api-wall"),
    path("on-duty/", on_duty, name="command-api-on-duty"),
]
