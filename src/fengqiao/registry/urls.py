from django.urls import path

from fengqiao.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("houses/", views.house_list, name="house_list"),
    path("houses/new/", views.house_create, name="house_create"),
    path("houses/<int:pk>/", views.house_detail, name="house_detail"),
    path("houses/<int:pk>/edit/", views.house_edit, name="house_edit"),
    path("addresses/", views.address_list, name="address_list"),
    path("addresses/new/", views.address_create, name="address_create"),
    path("addresses/<int:pk>/", views.address_detail, name="address_detail"),
    path("addresses/<int:pk>/edit/", views.address_edit, name="address_edit"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("communities/", views.community_list, name="community_list"),
    path("communities/new/", views.community_create, name="community_create"),
    path("communities/<int:pk>/", views.community_detail, name="community_detail"),
    path("communities/<int:pk>/edit/", views.community_edit, name="community_edit"),
    path("communities/<int:pk>/grants/", views.community_grant, name="community_grant"),
    path("communities/<int:pk>/grants/<int:grant_pk>/revoke/", views.community_grant_revoke, name="community_grant_revoke"),
    path("liaison-points/", views.liaison_point_list, name="liaison_point_list"),
    path("liaison-points/new/", views.liaison_point_create, name="liaison_point_create"),
    path("liaison-points/<int:pk>/", views.liaison_point_detail, name="liaison_point_detail"),
    path("liaison-points/<int:pk>/edit/", views.liaison_point_edit, name="liaison_point_edit"),
    path("map/", views.community_map, name="community_map"),
    path("map/communities.geojson", views.community_geojson, name="community_geojson"),
    path("options/<slug:kind>/", views.options, name="options"),
]
