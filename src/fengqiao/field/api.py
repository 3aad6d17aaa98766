"""/api/field/… — the phone's offline queue and evidence upload.

`POST /api/field/sync/` takes up to 100 queued entries `{"client_id", "kind", "data"}` and answers one
receipt per entry, in order: `applied`, `conflict` (the record changed meanwhile: the current state is
returned, nothing was overwritten) or `refused` (with the reason). A replayed `client_id` gets its
first receipt again and changes nothing. `POST /api/field/evidence/` (multipart) stores one file."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fengqiao.field import permissions, services, units
from fengqiao.field.choices import SyncState, UnitKind, UnitStatus

MAX_BATCH = 100


class SyncEntrySerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    kind = serializers.ChoiceField(
        choices=[
            "worklog",
            "incident_step",
            "incident_note",
            "intake",
            "session_note",
            "screening_call",
            "registration_check",
        ]
    )
    data = serializers.DictField()


class SyncRequestSerializer(serializers.Serializer):
    items = SyncEntrySerializer(many=True, max_length=MAX_BATCH)


class SyncReceiptSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=SyncState.choices)
    result = serializers.DictField()


class SyncAnswerSerializer(serializers.Serializer):
    receipts = SyncReceiptSerializer(many=True)


@extend_schema(
    request=SyncRequestSerializer,
    responses={200: SyncAnswerSerializer},
)
@api_view(["POST"])
def sync(request):
    body = SyncRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    receipts = []
    for item in body.validated_data["items"]:
        try:
            r = services.sync_item(
                actor=request.user,
                client_id=item["client_id"],
                kind=item["kind"],
                data=item["data"],
            )
        except (ValidationError, PermissionDenied) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            receipts.append(
                {
                    "client_id": str(item["client_id"]),
                    "state": "refused",
                    "result": {"error": message},
                }
            )
            continue
        receipts.append({"client_id": str(r.client_id), "state": r.state, "result": r.result})
    return Response({"receipts": receipts})


class EvidenceUploadSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="app.model, e.g. incidents.incident")
    target_id = serializers.IntegerField(min_value=1)
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=["photo", "audio", "video", "document"], required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    taken_at = serializers.DateTimeField(required=False)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    client_id = serializers.UUIDField(required=False)


EvidenceOut = inline_serializer(
    "FieldEvidence",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "sha256": serializers.CharField(),
        "size": serializers.IntegerField(),
        "mime": serializers.CharField(),
        "taken_at": serializers.DateTimeField(),
    },
)


@extend_schema(
    request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: EvidenceOut}
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser, JSONParser])
def evidence(request):
    body = EvidenceUploadSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    d = body.validated_data
    try:
        target = services.resolve_target(request.user, d["target"], d["target_id"])
        ev = services.evidence_attach(
            actor=request.user,
            target=target,
            upload=d["file"],
            kind=d.get("kind"),
            note=d.get("note", ""),
            taken_at=d.get("taken_at"),
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            client_id=d.get("client_id"),
        )
    except PermissionDenied as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    except ValidationError as exc:
        return Response({"detail": "; ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        {
            "id": ev.pk,
            "kind": ev.kind,
            "sha256": ev.sha256,
            "size": ev.size,
            "mime": ev.mime,
            "taken_at": ev.taken_at,
        },
        status=status.HTTP_201_CREATED,
    )


class PositionSerializer(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(required=False, min_value=0)
    at = serializers.DateTimeField(required=False)


@extend_schema(
    request=PositionSerializer,
    responses={
        200: inline_serializer("FieldPositionAnswer", {"stored": serializers.BooleanField()})
    },
)
@api_view(["POST"])
def position(request):
    """The phone's position: stored only while the roster has the officer on shift."""
    body = PositionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    d = body.validated_data
    try:
        fix = units.position_report(
            actor=request.user,
            latitude=d["latitude"],
            longitude=d["longitude"],
            accuracy=d.get("accuracy"),
            at=d.get("at"),
        )
    except PermissionDenied as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    except ValidationError as exc:
        return Response({"detail": "; ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"stored": fix is not None})


class UnitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    car_id = serializers.IntegerField(allow_null=True)
    crew_ids = serializers.ListField(child=serializers.IntegerField())
    officer_id = serializers.IntegerField()
    name = serializers.CharField()
    post = serializers.CharField()
    status = serializers.ChoiceField(choices=UnitStatus.choices)
    status_label = serializers.CharField()
    incident_id = serializers.IntegerField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    fix_age_seconds = serializers.IntegerField(allow_null=True)


class NearestUnitSerializer(UnitSerializer):
    distance_m = serializers.FloatField()


def _wall_station(request):
    if not permissions.can_see_units(request.user):
        raise PermissionDenied(_("您的角色不能查看警力位置"))
    return request.user.station_id


@extend_schema(responses={200: UnitSerializer(many=True)})
@api_view(["GET"])
def unit_list(request):
    """Officers on shift now at the user's station, with status and the age of the last fix."""
    try:
        station_id = _wall_station(request)
    except PermissionDenied as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if not station_id:
        return Response({"detail": _("警力位置按派出所查看")}, status=status.HTTP_400_BAD_REQUEST)
    return Response(units.units(station_id))


@extend_schema(responses={200: NearestUnitSerializer(many=True)})
@api_view(["GET"])
def nearest(request, pk: int):
    """The on-shift units nearest an incident."""
    from fengqiao.incidents.models import Incident

    try:
        _wall_station(request)
    except PermissionDenied as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    incident = Incident.objects.visible_to(request.user).filter(pk=pk).first()
    if incident is None:
        return Response({"detail": _("记录不存在或无权查看")}, status=status.HTTP_404_NOT_FOUND)
    return Response(units.nearest_units(incident))


urlpatterns = [
    path("position/", position, name="field-position"),
    path("units/", unit_list, name="field-units"),
    path("incidents/<int:pk>/nearest/", nearest, name="field-nearest"),
    path("sync/", sync, name="field-sync"),
    path("evidence/", evidence, name="field-evidence"),
]
