"""/public/desk/: the residents' pages, the only ones without a login (see public_views)."""

from django.urls import path

from fengqiao.desk import public_views

app_name = "desk_public"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("rate/<str:token>/", public_views.rate, name="rate"),
    path("s/<str:code>/", public_views.book, name="book"),
    path("s/<str:code>/verify/", public_views.verify, name="verify"),
    path("s/<str:code>/done/", public_views.done, name="done"),
    path("s/<str:code>/cancel/", public_views.cancel, name="cancel"),
]
