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
    path("<int:pk>/plan/revise/", views.plan_revise_view, name="plan_revise"),
    path("measures/<int:pk>/done/", views.measure_done_view, name="measure_done"),
    path("<int:pk>/agreement/", views.agreement_create, name="agreement_create"),
    path("<int:pk>/agreement.<str:fmt>", views.agreement_document, name="agreement_document"),
    path(
        "agreements/<int:agreement_pk>.<str:fmt>",
        views.agreement_document,
        name="agreement_file",
    ),
    path("<int:pk>/agreement/fail/", views.agreement_fail_view, name="agreement_fail"),
    path(
        "<int:pk>/agreement/confirmation/",
        views.agreement_confirmation,
        name="agreement_confirmation",
    ),
    path("<int:pk>/close/", views.dispute_close_view, name="dispute_close"),
    path("terms/<int:pk>/check/", views.term_check_view, name="term_check"),
    path("parties/<int:pk>/", views.party_edit, name="party_edit"),
    path("screening/", views.screening_today, name="screening_today"),
    path("screening/week/", views.screening_week, name="screening_week"),
    path("screening/<int:point_pk>/", views.screening_call, name="screening_call"),
    path("board/", views.board, name="board"),
    path("figures/", views.figures, name="figures"),
    path("studio/", views.studio, name="studio"),
    path("mediators/", views.mediators, name="mediators"),
    path("tables/<str:table>/", views.table_edit, name="table_edit"),
    path("tables/<str:table>/<int:pk>/", views.table_edit, name="table_row_edit"),
]
