from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "fengqiao.vehicles"
    label = "vehicles"
    verbose_name = "行车卫士"
