from django.apps import AppConfig


class AntifraudConfig(AppConfig):
    name = "fengqiao.antifraud"
    label = "antifraud"
    verbose_name = "反诈"

    def ready(self):
        from fengqiao.antifraud.selectors import my_warnings_items
        from fengqiao.core import workqueue

        workqueue.register("fraud_warning", my_warnings_items)
