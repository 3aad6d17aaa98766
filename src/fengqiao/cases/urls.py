from django.urls import path

from fengqiao.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("unfiled/", views.unfiled_list, name="unfiled_list"),
    path("from-incident/<int:incident_pk>/", views.case_create, name="case_from_incident"),
    path("room/", views.room, name="room"),
    path("flags/<int:pk>/<slug:action>/", views.flag_action, name="flag_action"),
    path("weekly/", views.weekly, name="weekly"),
    path("weekly/<int:pk>/", views.weekly, name="weekly_detail"),
    path("weekly/<int:pk>/<str:fmt>/", views.weekly_download, name="weekly_download"),
    path("offences/", views.offence_list, name="offence_list"),
    path("offences/<int:pk>/", views.offence_list, name="offence_edit"),
    path("extensions/<int:pk>/<slug:action>/", views.extension_decide, name="extension_decide"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/parties/<int:party_pk>/reveal/", views.party_reveal, name="party_reveal"),
    path("<int:pk>/<slug:action>/", views.case_action, name="case_action"),
]
