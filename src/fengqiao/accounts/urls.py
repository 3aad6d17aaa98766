from django.urls import path

from fengqiao.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("totp/", views.totp_verify, name="totp_verify"),
    path("totp/setup/", views.totp_setup, name="totp_setup"),
]
