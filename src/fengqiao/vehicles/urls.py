from django.urls import path

from fengqiao.vehicles import views

app_name = "vehicles"

urlpatterns = [
    path("", views.vehicle_list, name="vehicle_list"),
    path("<int:pk>/", views.vehicle_detail, name="vehicle_detail"),
    path("<int:pk>/arm/", views.vehicle_arm_view, name="vehicle_arm"),
    path("<int:pk>/fence/", views.vehicle_fence_view, name="vehicle_fence"),
    path("<int:pk>/command/", views.vehicle_command_view, name="vehicle_command"),
    path("<int:pk>/arm-commands/", views.vehicle_arm_commands_view, name="vehicle_arm_commands"),
    path(
        "<int:pk>/reset-registration/",
        views.vehicle_reset_registration_view,
        name="vehicle_reset_registration",
    ),
    path("<int:pk>/owner-key/", views.owner_key_view, name="owner_key"),
    path("<int:pk>/policy/", views.policy_create_view, name="policy_create"),
    path("<int:pk>/trail.json", views.vehicle_trail, name="vehicle_trail"),
    path("<int:pk>/theft/", views.theft_report_view, name="theft_report"),
    path("live/", views.live_map, name="live_map"),
    path("live.json", views.live_json, name="live_json"),
    path("communities.json", views.communities_json, name="communities_json"),
    path("alarms/", views.alarm_list, name="alarm_list"),
    path("alarms/<int:pk>/acknowledge/", views.alarm_acknowledge_view, name="alarm_acknowledge"),
    path("alarms/<int:pk>/close/", views.alarm_close_view, name="alarm_close"),
    path("thefts/", views.theft_list, name="theft_list"),
    path("thefts/<int:pk>/", views.theft_detail, name="theft_detail"),
    path("thefts/<int:pk>/track.json", views.theft_track_json, name="theft_track"),
    path("thefts/<int:pk>/recovery/", views.recovery_view, name="recovery"),
    path("thefts/<int:pk>/claim/", views.claim_view, name="claim"),
    path("claims/<int:pk>/pay/", views.claim_pay_view, name="claim_pay"),
    path("devices/pending/", views.device_pending, name="device_pending"),
    path("devices/<int:pk>/accept/", views.device_accept_view, name="device_accept"),
    path("install/", views.install_desk, name="install"),
    path("figures/", views.figures, name="figures"),
]
