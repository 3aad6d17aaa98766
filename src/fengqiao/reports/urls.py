from django.urls import path

from fengqiao.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<slug:key>/", views.drill, name="drill"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/revise/", views.scheme_revise, name="scheme_revise"),
    path("schemes/<int:pk>/indicators/new/", views.indicator_edit, name="indicator_create"),
    path("schemes/<int:pk>/indicators/<int:ipk>/", views.indicator_edit, name="indicator_edit"),
    path(
        "schemes/<int:pk>/indicators/<int:ipk>/delete/",
        views.indicator_delete,
        name="indicator_delete",
    ),
    path("categories/", views.categories, name="categories"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/download/<slug:fmt>/", views.report_download, name="report_download"),
    path("templates/", views.templates, name="templates"),
    path("templates/default/<slug:kind>/", views.template_default, name="template_default"),
    path("templates/<int:pk>/download/", views.template_download, name="template_download"),
]
