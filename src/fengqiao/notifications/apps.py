from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fengqiao.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self):
        from fengqiao.notifications import workqueue_items  # noqa: F401  (registers the work-queue provider)
