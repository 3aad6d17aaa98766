from django.urls import path

from fengqiao.core import views

app_name = "core"
urlpatterns = [
    path("changes/", views.changelog, name="changelog"),
]
