"""Every app's API routes under /api/. Each app adds one line here."""

from django.urls import include, path

urlpatterns = [
    path("registry/", include("fengqiao.registry.api.urls")),
    path("core/", include("fengqiao.core.clock_api")),
    path("incidents/", include("fengqiao.incidents.api")),
    path("disputes/", include("fengqiao.disputes.api")),
    path("cases/", include("fengqiao.cases.api")),
    path("antifraud/", include("fengqiao.antifraud.api")),
    path("vehicles/", include("fengqiao.vehicles.api")),
    path("estates/", include("fengqiao.estates.api")),
    path("command/", include("fengqiao.command.api")),
    path("desk/", include("fengqiao.desk.api")),
    path("lawstudy/", include("fengqiao.lawstudy.api")),
    path("reports/", include("fengqiao.reports.api")),
    path("field/", include("fengqiao.field.api")),
]
