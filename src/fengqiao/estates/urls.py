from django.urls import path

from fengqiao.estates import views

app_name = "estates"

urlpatterns = [
    path("", views.estate_list, name="estate_list"),
    path("new/", views.estate_create_view, name="estate_create"),
    path("estates.json", views.estates_json, name="estates_json"),
    path("<int:pk>/", views.estate_detail, name="estate_detail"),
    path("<int:pk>/edit/", views.estate_edit_view, name="estate_edit"),
    path("<int:pk>/gates/", views.gate_create_view, name="gate_create"),
    path("<int:pk>/credentials/", views.credential_create_view, name="credential_create"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/<int:pk>/assign/", views.device_assign_view, name="device_assign"),
    path("devices/<int:pk>/command/", views.device_command_view, name="device_command"),
    path("events/", views.event_search, name="event_search"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/register/", views.task_register_view, name="task_register"),
    path("tasks/<int:pk>/dismiss/", views.task_dismiss_view, name="task_dismiss"),
]
