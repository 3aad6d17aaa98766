from django.urls import path

from fengqiao.core import rule_views, views

app_name = "core"
urlpatterns = [
    path("changes/", views.changelog, name="changelog"),
    path("rules/", rule_views.rule_list, name="rule_list"),
    path("rules/new/", rule_views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", rule_views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/revise/", rule_views.rule_revise, name="rule_revise"),
]
