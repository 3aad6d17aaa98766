from django.urls import path

from fengqiao.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("import/<slug:kind>/", views.import_start, name="import_start"),
    path("import/<slug:kind>/template.xlsx", views.import_template, name="import_template"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/commit/", views.job_commit, name="job_commit"),
    path("jobs/<int:pk>/rerun/", views.job_rerun, name="job_rerun"),
    path("jobs/<int:pk>/abandon/", views.job_abandon, name="job_abandon"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="job_errors"),
    path("export/<slug:kind>/", views.export, name="export"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
