from django.urls import path

from fengqiao.command import views

app_name = "command"
urlpatterns = [
    path("", views.wall, name="wall"),
    path("wall.json", views.wall_data, name="wall_data"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/ack/", views.alert_ack, name="alert_ack"),
    path("alerts/group-ack/", views.group_ack, name="group_ack"),
    path("supervision/", views.supervision, name="supervision"),
    path("roster/", views.roster_page, name="roster"),
    path("patrol/", views.patrol, name="patrol"),
    path("patrol/log/", views.patrol_log, name="patrol_log"),
    path("patrol/rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("demo-stream/<str:name>", views.demo_stream, name="demo_stream"),
    path("cameras/", views.cameras, name="cameras"),
    path("cameras/<int:pk>/edit/", views.cameras, name="camera_edit"),
    path("cameras/<int:pk>/", views.camera_detail, name="camera_detail"),
    path("points/new/", views.point_edit, name="point_create"),
    path("points/<int:pk>/", views.point_edit, name="point_edit"),
]
