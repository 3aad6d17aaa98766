from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "fengqiao.incidents"
    label = "incidents"
    verbose_name = "警情"

    def ready(self):
        from fengqiao.core import workqueue
        from fengqiao.incidents.selectors import my_open_incidents_items

        workqueue.register("incident", my_open_incidents_items)
