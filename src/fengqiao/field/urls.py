from django.urls import path

from fengqiao.field import views

app_name = "field"

urlpatterns = [
    path("", views.home, name="home"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    path("incidents/<int:pk>/", views.incident, name="incident"),
    path("incidents/<int:pk>/step/", views.step, name="step"),
    path("incidents/<int:pk>/arrival/", views.arrival, name="arrival"),
    path("incidents/<int:pk>/call/", views.call_caller, name="call"),
    path("incidents/<int:pk>/nearest/", views.nearest, name="nearest"),
    path("disputes/<int:pk>/", views.dispute, name="dispute"),
    path("tasks/<int:pk>/", views.registration_task, name="task"),
    path("evidence/<str:label>/<int:pk>/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumb/", views.evidence_thumb, name="evidence_thumb"),
    path("worklog/", views.worklog, name="worklog"),
    path("units/", views.unit_board, name="units"),
    path("cars/", views.patrol_cars, name="cars"),
    path("push/key/", views.push_key, name="push_key"),
    path("push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
]
