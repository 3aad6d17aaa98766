from django.urls import path

from fengqiao.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("stream/", views.event_stream, name="stream"),
    path("bell/", views.bell, name="bell"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.quiet_hours, name="settings"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
]
