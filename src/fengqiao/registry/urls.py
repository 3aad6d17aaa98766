from django.urls import path

from fengqiao.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
]
