"""/api/lawstudy/… — sessions (read), and the per-officer figures the reports part reads
(`GET /api/lawstudy/officer-figures/?from=YYYY-MM-DD&to=YYYY-MM-DD`, the station of the user)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fengqiao.core.api import ApiActorMixin, StandardPagination
from fengqiao.lawstudy import selectors
from fengqiao.lawstudy.models import StudySession


class StudySessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StudySession
        fields = [
            "id",
            "topic",
            "starts_at",
            "minutes",
            "place",
            "host",
            "articles",
            "status",
            "closed_at",
        ]
        read_only_fields = fields


class StudySessionViewSet(ApiActorMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = StudySessionSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StudySession.objects.none()
        return StudySession.objects.visible_to(self.request.user).order_by("-starts_at")


OfficerFigure = inline_serializer(
    "LawStudyOfficerFigure",
    {
        "officer_id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "rank": serializers.CharField(),
        "unit": serializers.CharField(),
        "sessions": serializers.IntegerField(),
        "present": serializers.IntegerField(),
        "late": serializers.IntegerField(),
        "absent": serializers.IntegerField(),
        "excused": serializers.IntegerField(),
        "attendance_rate": serializers.FloatField(allow_null=True),
        "quizzes": serializers.IntegerField(),
        "quizzes_taken": serializers.IntegerField(),
        "quiz_average": serializers.FloatField(allow_null=True),
        "quizzes_passed": serializers.IntegerField(),
    },
    many=True,
)


@extend_schema(
    parameters=[
        OpenApiParameter("from", str, description="YYYY-MM-DD"),
        OpenApiParameter("to", str, description="YYYY-MM-DD"),
    ],
    responses={200: OfficerFigure},
)
@api_view(["GET"])
def officer_figures(request):
    if not request.user.station_id:
        return Response({"detail": "法规学习按派出所统计"}, status=status.HTTP_400_BAD_REQUEST)
    today = timezone.localdate()
    try:
        end = dt.date.fromisoformat(request.query_params.get("to") or today.isoformat())
        start = dt.date.fromisoformat(
            request.query_params.get("from") or (end - dt.timedelta(days=90)).isoformat()
        )
    except ValueError:
        return Response({"detail": "日期格式应为 YYYY-MM-DD"}, status=status.HTTP_400_BAD_REQUEST)
    return Response(selectors.officer_figures(request.user.station, start, end))


router = SimpleRouter()
router.register("sessions", StudySessionViewSet, basename="lawstudy-session")

from django.urls import path  # noqa: E402

urlpatterns = [
    path("officer-figures/", officer_figures, name="lawstudy-officer-figures"),
    *router.urls,
]
