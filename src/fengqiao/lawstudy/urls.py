from django.urls import path

from fengqiao.lawstudy import views

app_name = "lawstudy"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_edit, name="session_create"),
    path("figures/", views.figures, name="figures"),
    path("materials/<int:pk>/", views.material_download, name="material_download"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/action/<str:action>/", views.session_action, name="session_action"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("<int:pk>/qr/", views.qr_screen, name="qr_screen"),
    path("<int:pk>/qr/panel/", views.qr_panel, name="qr_panel"),
    path("<int:pk>/signin/<str:token>/", views.signin, name="signin"),
    path("<int:pk>/quiz/", views.quiz_take, name="quiz_take"),
    path("<int:pk>/quiz/edit/", views.quiz_edit, name="quiz_edit"),
]
