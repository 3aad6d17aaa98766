"""The project's URL conf without the `exchange` app: registry list pages must still render."""

from fengqiao.urls import urlpatterns as project_urlpatterns

urlpatterns = [p for p in project_urlpatterns if getattr(p, "namespace", None) != "exchange"]
