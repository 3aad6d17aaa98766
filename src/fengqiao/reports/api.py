"""API of part 9 (/api/reports/): every figure of the dashboard, each by station/unit/officer/
community/month, the evaluation ranking with reasons, the schemes, and the reports (list, request,
status, download). The same filter (FigureFilterForm) and scoping as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied as ApiDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core.web import error_text
from fengqiao.reports import selectors, services
from fengqiao.reports.choices import Level, ReportFormat, ReportKind
from fengqiao.reports.forms import PERIODS, FigureFilterForm
from fengqiao.reports.indicators import GROUPS, REGISTRY
from fengqiao.reports.models import Report, Scheme

FILTERS = [
    OpenApiParameter("period", str, enum=[p for p, _l in PERIODS]),
    OpenApiParameter("start", OpenApiTypes.DATE),
    OpenApiParameter("end", OpenApiTypes.DATE),
    OpenApiParameter("station", int),
    OpenApiParameter("unit", int),
    OpenApiParameter("officer", int),
    OpenApiParameter("community", int),
]


def _scope(request):
    form = FigureFilterForm(request.query_params or {"period": "this_month"}, user=request.user)
    if not form.is_valid():
        raise serializers.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.scope()


class DashboardView(APIView):
    @extend_schema(
        operation_id="reports_dashboard",
        parameters=FILTERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="指标看板的全部数据(各指标本期值与近12个月趋势)",
    )
    def get(self, request):
        return Response(selectors.dashboard(_scope(request)))


class FigureListView(APIView):
    @extend_schema(
        operation_id="reports_figures_list",
        parameters=FILTERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="全部指标的本期值(注册表中的每个指标)",
    )
    def get(self, request):
        scope = _scope(request)
        return Response({"figures": selectors.figures(scope, keys=list(REGISTRY))})


class FigureDetailView(APIView):
    @extend_schema(
        operation_id="reports_figure",
        parameters=FILTERS + [OpenApiParameter("group", str, enum=list(GROUPS))],
        responses={200: OpenApiTypes.OBJECT},
        summary="一个指标:本期值及按派出所/队室/民警/社区/月份分组",
    )
    def get(self, request, key):
        if key not in REGISTRY:
            raise Http404
        scope = _scope(request)
        group = request.query_params.get("group", "total")
        if group not in GROUPS:
            raise serializers.ValidationError({"group": [f"可选:{'、'.join(GROUPS)}"]})
        total = REGISTRY[key](scope, "total").get(None)
        body = {"figure": selectors.figure_row(key, scope, total), "group": group}
        if group != "total":
            body["rows"] = selectors.breakdown(key, scope, group)
        return Response(body)


class EvaluationView(APIView):
    @extend_schema(
        operation_id="reports_evaluation",
        parameters=FILTERS + [OpenApiParameter("level", str, enum=Level.values)],
        responses={200: OpenApiTypes.OBJECT},
        summary="考核排名(派出所按类别、队室、民警),含每项得分理由",
    )
    def get(self, request):
        level = request.query_params.get("level", "station")
        if level not in Level.values:
            raise serializers.ValidationError({"level": [f"可选:{'、'.join(Level.values)}"]})
        return Response(selectors.evaluation(_scope(request), level))


class IndicatorFunctionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField(help_text="higher 越高越好 / lower 越低越好")
    target = serializers.FloatField(allow_null=True)
    groups = serializers.ListField(child=serializers.CharField())
    part = serializers.CharField()
    description = serializers.CharField()


class SchemeIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="上级指标代码")
    formula = serializers.CharField()
    weight = serializers.FloatField()
    target = serializers.FloatField(allow_null=True)
    direction = serializers.CharField()
    penalty = serializers.FloatField(allow_null=True)
    veto = serializers.BooleanField()


class SchemeOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    basis = serializers.CharField()
    note = serializers.CharField()
    indicators = SchemeIndicatorSerializer(many=True)


class IndicatorRegistryView(APIView):
    @extend_schema(
        operation_id="reports_indicators",
        responses={200: IndicatorFunctionSerializer(many=True)},
        summary="指标函数注册表(方案可用的计算公式)",
    )
    def get(self, request):
        return Response(
            [
                {
                    "key": f.key,
                    "name": str(f.name),
                    "unit": f.unit,
                    "direction": f.direction,
                    "target": f.target,
                    "groups": sorted(f.groups),
                    "part": f.part,
                    "description": str(f.description),
                }
                for f in REGISTRY.values()
            ]
        )


class SchemeListView(APIView):
    @extend_schema(
        operation_id="reports_schemes",
        responses={200: SchemeOutSerializer(many=True)},
        summary="考核方案各版本及其指标",
    )
    def get(self, request):
        out = []
        for s in Scheme.objects.prefetch_related("indicators__parent").order_by("-effective_from"):
            out.append(
                {
                    "id": s.pk,
                    "name": s.name,
                    "effective_from": s.effective_from,
                    "effective_to": s.effective_to,
                    "basis": s.basis,
                    "note": s.note,
                    "indicators": [
                        {
                            "code": i.code,
                            "name": i.name,
                            "parent": i.parent.code if i.parent_id else None,
                            "formula": i.formula,
                            "weight": float(i.weight),
                            "target": None if i.target is None else float(i.target),
                            "direction": i.direction,
                            "penalty": None if i.penalty is None else float(i.penalty),
                            "veto": i.veto,
                        }
                        for i in sorted(s.indicators.all(), key=lambda i: (i.sort, i.pk))
                    ],
                }
            )
        return Response(out)


class ReportSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="weekly 周报 / monthly 月报")
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "station",
            "kind",
            "title",
            "period_start",
            "period_end",
            "source",
            "status",
            "progress",
            "step",
            "error",
            "requested_at",
            "generated_by",
            "generated_at",
            "files",
        ]

    def get_files(self, obj) -> dict:
        from django.urls import reverse

        if obj.status != "done":
            return {}
        return {
            f: reverse("reports-api-download", args=[obj.pk, f])
            for f in ReportFormat.values
            if obj.file_for(f)
        }


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="weekly 周报 / monthly 月报")

    def validate_kind(self, value):
        if value not in ReportKind.values:
            raise serializers.ValidationError("可选:weekly(周报)、monthly(月报)")
        return value

    day = serializers.DateField()
    station = serializers.IntegerField(
        required=False, help_text="派出所 id(县局账号必填;其他账号为本所)"
    )


class ReportListView(APIView):
    @extend_schema(
        responses={200: ReportSerializer(many=True)}, summary="本所(县局:辖区各所)的报表"
    )
    def get(self, request):
        qs = Report.objects.visible_to(request.user).order_by("-period_start", "-requested_at")[
            :200
        ]
        return Response(ReportSerializer(qs, many=True).data)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={202: ReportSerializer},
        summary="生成报表(后台任务,返回进度)",
    )
    def post(self, request):
        s = ReportRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        station_id = data.pop("station", None) or request.user.station_id
        from fengqiao.accounts.models import Station

        station = Station.objects.filter(
            pk=station_id, pk__in=selectors.visible_station_ids(request.user)
        ).first()
        if station is None:
            raise serializers.ValidationError({"station": ["请指定您可见的派出所"]})
        try:
            report = services.report_request(actor=request.user, station=station, **data)
        except PermissionDenied as exc:
            raise ApiDenied(str(exc)) from exc
        except ValidationError as exc:
            raise serializers.ValidationError({"detail": error_text(exc)}) from exc
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailView(APIView):
    @extend_schema(responses={200: ReportSerializer}, summary="一份报表(状态、进度、文件)")
    def get(self, request, pk):
        report = Report.objects.visible_to(request.user).filter(pk=pk).first()
        if report is None:
            raise Http404
        return Response(ReportSerializer(report).data)


class ReportDownloadView(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="下载报表文件(记录下载)",
    )
    def get(self, request, pk, fmt):
        report = Report.objects.visible_to(request.user).filter(pk=pk).first()
        if report is None or fmt not in ReportFormat.values:
            raise Http404
        try:
            f = services.report_download(actor=request.user, report=report, fmt=fmt, channel="api")
        except PermissionDenied as exc:
            raise ApiDenied(str(exc)) from exc
        except ValidationError as exc:
            raise serializers.ValidationError({"detail": error_text(exc)}) from exc
        from fengqiao.reports.views import CONTENT_TYPES

        return FileResponse(
            f.open("rb"),
            as_attachment=True,
            filename=f"{report.title}.{fmt}",
            content_type=CONTENT_TYPES[fmt],
        )


urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="reports-api-dashboard"),
    path("figures/", FigureListView.as_view(), name="reports-api-figures"),
    path("figures/<slug:key>/", FigureDetailView.as_view(), name="reports-api-figure"),
    path("evaluation/", EvaluationView.as_view(), name="reports-api-evaluation"),
    path("indicators/", IndicatorRegistryView.as_view(), name="reports-api-indicators"),
    path("schemes/", SchemeListView.as_view(), name="reports-api-schemes"),
    path("reports/", ReportListView.as_view(), name="reports-api-reports"),
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="reports-api-report"),
    path(
        "reports/<int:pk>/download/<slug:fmt>/",
        ReportDownloadView.as_view(),
        name="reports-api-download",
    ),
]
