from django.urls import path

from fengqiao.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list, name="dispute_list"),
    path("red/", views.red_board, name="red_board"),
    path("triggers/", views.trigger_list, name="trigger_list"),
    path("triggers/<int:pk>/", views.trigger_list, name="trigger_edit"),
    path("new/", views.dispute_create, name="dispute_create"),
    path(
        "from-incident/<int:incident_pk>/",
        views.dispute_from_incident,
        name="dispute_from_incident",
    ),
    path("lookup/person/", views.lookup_person, name="lookup_person"),
    path("<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("<int:pk>/edit/", views.dispute_edit, name="dispute_edit"),
    path("<int:pk>/party/", views.party_add, name="party_add"),
    path("<int:pk>/level/", views.dispute_level, name="dispute_level"),
    path("<int:pk>/accept/", views.dispute_accept_view, name="dispute_accept"),
    path("<int:pk>/session/", views.session_create, name="session_create"),
    path("<int:pk>/plan/", views.plan_create, name="plan_create"),
    path("<int:pk>/plan/report/", views.plan_report, name="plan_report"),
    path("measures/<int:pk>/done/", views.measure_done_view, name="measure_done"),
]
