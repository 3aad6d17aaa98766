from django.urls import path

from fengqiao.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("take/", views.take, name="take"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/<int:pk>/slip/", views.slip, name="slip"),
    path("appointments/", views.appointment_list, name="appointment_list"),
    path(
        "appointments/<int:pk>/<str:action>/", views.appointment_action, name="appointment_action"
    ),
    path("counters/", views.counter_list, name="counter_list"),
    path("counters/<int:pk>/edit/", views.counter_list, name="counter_edit"),
    path("counter/<int:pk>/", views.counter, name="counter"),
    path("counter/<int:pk>/waiting/", views.counter_waiting, name="counter_waiting"),
    path("counter/<int:pk>/<str:action>/", views.counter_action, name="counter_action"),
    path("display/", views.display, name="display"),
    path("display/panel/", views.display_panel, name="display_panel"),
    path("figures/", views.figures, name="figures"),
    path("services/", views.service_list, name="service_list"),
    path("services/<int:pk>/", views.service_list, name="service_edit"),
    path("settings/", views.settings_view, name="settings"),
]
