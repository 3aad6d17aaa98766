from django.urls import path

from fengqiao.core import calendar_views, clock_views, rule_views, views

app_name = "core"
urlpatterns = [
    path("changes/", views.changelog, name="changelog"),
    path("tiles/<int:z>/<int:x>/<int:y>.png", views.map_tile, name="map_tile"),
    path("rules/", rule_views.rule_list, name="rule_list"),
    path("rules/new/", rule_views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", rule_views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/revise/", rule_views.rule_revise, name="rule_revise"),
    path("calendar/", calendar_views.calendar_year, name="calendar"),
    path("calendar/add/", calendar_views.calendar_add, name="calendar_add"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar_import"),
    path("calendar/<int:pk>/edit/", calendar_views.calendar_edit, name="calendar_edit"),
    path("calendar/<int:pk>/delete/", calendar_views.calendar_delete, name="calendar_delete"),
    path("clocks/approvals/", clock_views.approvals, name="clock_approvals"),
    path("clocks/<int:pk>/", clock_views.clock_detail, name="clock_detail"),
    path("clocks/<int:pk>/pause/", clock_views.clock_pause, name="clock_pause"),
    path("clocks/<int:pk>/resume/", clock_views.clock_resume, name="clock_resume"),
    path("clocks/<int:pk>/extend/", clock_views.clock_extend, name="clock_extend"),
    path("extensions/<int:pk>/decide/", clock_views.extension_decide, name="extension_decide"),
]
