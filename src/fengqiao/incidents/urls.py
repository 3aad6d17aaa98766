from django.urls import path

from fengqiao.incidents import callback_views, views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_create, name="incident_create"),
    path("map/", views.incident_map, name="incident_map"),
    path("lookup/phone/", views.lookup_phone, name="lookup_phone"),
    path("lookup/address/", views.lookup_address, name="lookup_address"),
    path("handover/", views.handover, name="handover"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/", views.category_list, name="category_edit"),
    path("callbacks/", callback_views.callback_list, name="callback_list"),
    path("callbacks/figures/", callback_views.callback_figures, name="callback_figures"),
    path("callbacks/inspection/", callback_views.inspection_list, name="inspection_list"),
    path("callbacks/<int:pk>/", callback_views.callback_detail, name="callback_detail"),
    path(
        "rectifications/<int:pk>/", callback_views.rectification_detail, name="rectification_detail"
    ),
    path("<int:pk>/", views.incident_detail, name="incident_detail"),
    path("<int:pk>/reveal-phone/", views.caller_phone_reveal, name="caller_phone_reveal"),
    path("<int:pk>/<slug:action>/", views.incident_action, name="incident_action"),
]
