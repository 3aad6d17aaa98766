from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from fengqiao.core import views as core_views
from fengqiao.core.api import CachedSchemaView

urlpatterns = [
    path("", core_views.home, name="home"),
    path("parts/<slug:key>/", core_views.part_pending, name="part_pending"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("fengqiao/favicon.svg"), permanent=True)),
    path("accounts/", include("fengqiao.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("core/", include("fengqiao.core.urls")),
    path("registry/", include("fengqiao.registry.urls")),
    path("exchange/", include("fengqiao.exchange.urls")),
    path("notifications/", include("fengqiao.notifications.urls")),
    path("incidents/", include("fengqiao.incidents.urls")),
    path("disputes/", include("fengqiao.disputes.urls")),
    path("cases/", include("fengqiao.cases.urls")),
    path("antifraud/", include("fengqiao.antifraud.urls")),
    path("vehicles/", include("fengqiao.vehicles.urls")),
    path("estates/", include("fengqiao.estates.urls")),
    path("command/", include("fengqiao.command.urls")),
    path("desk/", include("fengqiao.desk.urls")),
    path("lawstudy/", include("fengqiao.lawstudy.urls")),
    path("public/desk/", include("fengqiao.desk.public_urls")),
    path("reports/", include("fengqiao.reports.urls")),
    path("field/", include("fengqiao.field.urls")),
    path("api/schema/", CachedSchemaView.as_view(), name="api-schema"),
    # The split view serves its bootstrap script from a URL, so the page needs no inline <script>.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("fengqiao.api_urls")),
]

# The API answers its errors in JSON (core/errors.py); pages keep Django's.
handler400 = "fengqiao.core.errors.bad_request"
handler403 = "fengqiao.core.errors.permission_denied"
handler404 = "fengqiao.core.errors.page_not_found"
handler500 = "fengqiao.core.errors.server_error"
