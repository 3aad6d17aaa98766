from django.urls import path

from fengqiao.accounts import api, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("totp/", views.totp_verify, name="totp_verify"),
    path("totp/setup/", views.totp_setup, name="totp_setup"),
    path("me/", views.profile, name="profile"),
    path("me/token/", api.token_page, name="api_token"),
    path("tokens/", api.token_list_all, name="api_tokens_all"),
    path("tokens/<int:pk>/revoke/", api.token_revoke, name="api_token_revoke"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/password/", views.staff_password, name="staff_password"),
    path("staff/<int:pk>/unlock/", views.staff_unlock, name="staff_unlock"),
]
