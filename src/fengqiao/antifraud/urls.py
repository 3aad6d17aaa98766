from django.urls import path

from fengqiao.antifraud import views

app_name = "antifraud"

urlpatterns = [
    path("", views.warning_list, name="warning_list"),
    path("new/", views.warning_create, name="warning_create"),
    path("mine/", views.my_queue, name="my_queue"),
    path("<int:pk>/", views.warning_detail, name="warning_detail"),
    path("<int:pk>/<str:action>/", views.warning_action, name="warning_action"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("figures/", views.figures, name="figures"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_list, name="case_edit"),
    path("types/", views.type_list, name="type_list"),
    path("types/<int:pk>/", views.type_list, name="type_edit"),
    path("publicity/", views.publicity, name="publicity"),
    path("publicity/content/new/", views.content_edit, name="content_create"),
    path("publicity/content/<int:pk>/", views.content_edit, name="content_edit"),
]
