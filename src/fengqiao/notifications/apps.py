from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "fengqiao.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self):
        # local: ready() runs once every app's models are loaded (apps.py is imported before)
        from fengqiao.notifications import workqueue_items  # noqa: F401  (registers the work-queue provider)
