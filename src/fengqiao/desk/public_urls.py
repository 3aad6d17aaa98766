"""/public/desk/: the residents' pages, the only ones without a login (see public_views).

No user, so no station scope: they read as 'all' (core/rls.py) and check the booking code themselves."""

from django.urls import path

from fengqiao.core.rls import system_view
from fengqiao.desk import public_views

app_name = "desk_public"

urlpatterns = [
    path("", system_view(public_views.index), name="index"),
    path("rate/<str:token>/", system_view(public_views.rate), name="rate"),
    path("s/<str:code>/", system_view(public_views.book), name="book"),
    path("s/<str:code>/verify/", system_view(public_views.verify), name="verify"),
    path("s/<str:code>/done/", system_view(public_views.done), name="done"),
    path("s/<str:code>/cancel/", system_view(public_views.cancel), name="cancel"),
]
