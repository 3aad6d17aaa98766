from django.apps import AppConfig


class AntifraudConfig(AppConfig):
    name = "fengqiao.antifraud"
    label = "antifraud"
    verbose_name = "反诈"

    def ready(self):
        from fengqiao.antifraud.importing import import_files_purge
        from fengqiao.antifraud.selectors import my_warnings_items
        from fengqiao.core import workqueue
        from fengqiao.exchange.services import register_import_files_purge

        workqueue.register("fraud_warning", my_warnings_items)
        register_import_files_purge(import_files_purge)
