from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "fengqiao.vehicles"
    label = "vehicles"
    verbose_name = "行车卫士"

    def ready(self):
        from fengqiao.core import workqueue
        from fengqiao.vehicles.selectors import my_open_alarms

        workqueue.register("vehicle_alarm", my_open_alarms)
