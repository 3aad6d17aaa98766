"""/api/desk/… — the catalogue, counters with their actions (call next, recall, skip, finish), the day's
numbers and the appointments. Same scope as the pages (the user's station; another station's counter
is a 404) and the same services; phones always masked."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fengqiao.core.api import ApiActorMixin, StandardPagination, django_errors
from fengqiao.core.masking import mask_phone
from fengqiao.desk import rules, services
from fengqiao.desk.models import Appointment, Counter, Service, Ticket


class DeskServiceSerializer(serializers.ModelSerializer):
    documents = serializers.ListField(
        source="document_list", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "prefix",
            "name",
            "description",
            "documents",
            "minutes",
            "bookable",
            "daily_capacity",
            "active",
        ]
        read_only_fields = fields


class DeskTicketSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service.name", read_only=True)
    counter_number = serializers.IntegerField(
        source="counter.number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "date",
            "number",
            "service",
            "service_name",
            "source",
            "priority",
            "status",
            "phone",
            "taken_at",
            "first_called_at",
            "called_at",
            "call_count",
            "counter",
            "counter_number",
            "finished_at",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class DeskCounterSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = Counter
        fields = ["id", "number", "name", "services", "active", "officer", "current"]
        read_only_fields = fields

    @extend_schema_field(DeskTicketSerializer(allow_null=True))
    def get_current(self, obj) -> dict | None:
        ticket = services.current_ticket(obj)
        return DeskTicketSerializer(ticket).data if ticket else None


class DeskAppointmentSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "reference",
            "service",
            "service_name",
            "date",
            "name",
            "phone",
            "status",
            "created_at",
            "checked_in_at",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class _Scoped(ApiActorMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = StandardPagination
    model = None
    select_related: tuple = ()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.visible_to(self.request.user).select_related(*self.select_related)


class DeskServiceViewSet(_Scoped):
    model = Service
    serializer_class = DeskServiceSerializer


class DeskTicketViewSet(_Scoped):
    """The numbers of a day (`?date=YYYY-MM-DD`, default today), optionally `?status=` and `?service=`."""

    model = Ticket
    serializer_class = DeskTicketSerializer
    select_related = ("service", "counter")

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        try:
            day = (
                timezone.datetime.fromisoformat(params["date"]).date()
                if params.get("date")
                else timezone.localdate()
            )
        except ValueError:
            day = timezone.localdate()
        qs = qs.filter(date=day)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if (params.get("service") or "").isdigit():
            qs = qs.filter(service_id=int(params["service"]))
        return qs.order_by("taken_at", "pk")


class DeskAppointmentViewSet(_Scoped):
    model = Appointment
    serializer_class = DeskAppointmentSerializer
    select_related = ("service",)


CALL_OUT = inline_serializer(
    "DeskCallResult",
    {
        "ticket": DeskTicketSerializer(allow_null=True),
        "text": serializers.CharField(),
        "speech": serializers.CharField(),
    },
)


class DeskCounterViewSet(_Scoped):
    """Counters; POST …/call-next/, …/recall/, …/skip/, …/finish/ work the counter as its screen does."""

    model = Counter
    serializer_class = DeskCounterSerializer

    def _act(self, request, fn):
        counter = self.get_object()
        try:
            ticket = fn(actor=request.user, counter=counter)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        if ticket is None:
            return Response({"ticket": None, "text": "", "speech": ""})
        return Response(
            {
                "ticket": DeskTicketSerializer(ticket).data,
                "text": rules.call_text(ticket.number, counter.number),
                "speech": rules.speech_text(ticket.number, counter.number),
            }
        )

    @extend_schema(request=None, responses={200: CALL_OUT})
    @action(detail=True, methods=["post"], url_path="call-next")
    def call_next(self, request, pk=None):
        return self._act(request, services.ticket_call_next)

    @extend_schema(request=None, responses={200: CALL_OUT})
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        return self._act(request, services.ticket_recall)

    @extend_schema(request=None, responses={200: CALL_OUT})
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        return self._act(request, services.ticket_skip)

    @extend_schema(request=None, responses={200: CALL_OUT})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._act(request, services.ticket_finish)


router = SimpleRouter()
router.register("services", DeskServiceViewSet, basename="desk-service")
router.register("tickets", DeskTicketViewSet, basename="desk-ticket")
router.register("appointments", DeskAppointmentViewSet, basename="desk-appointment")
router.register("counters", DeskCounterViewSet, basename="desk-counter")

urlpatterns = router.urls
