from django.urls import path

from fengqiao.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_create, name="incident_create"),
    path("lookup/phone/", views.lookup_phone, name="lookup_phone"),
    path("lookup/address/", views.lookup_address, name="lookup_address"),
    path("handover/", views.handover, name="handover"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/", views.category_list, name="category_edit"),
    path("<int:pk>/", views.incident_detail, name="incident_detail"),
    path("<int:pk>/<slug:action>/", views.incident_action, name="incident_action"),
]
