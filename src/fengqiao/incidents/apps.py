from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "fengqiao.incidents"
    label = "incidents"
    verbose_name = "警情"

    def ready(self):
        # local: ready() runs once every app's models are loaded (apps.py is imported before)
        from fengqiao.core import workqueue
        from fengqiao.incidents import checks  # noqa: F401  (registers the settings check)
        from fengqiao.incidents.selectors import (
            my_callback_items,
            my_open_incidents_items,
            my_rectification_items,
        )

        workqueue.register("incident", my_open_incidents_items)
        workqueue.register("callback", my_callback_items)
        workqueue.register("rectification", my_rectification_items)
