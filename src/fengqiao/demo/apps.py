from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its commands (`fengqiao demo`, `fengqiao rundemo`); no models."""

    name = "fengqiao.demo"
    label = "demo"
    verbose_name = "演示数据"
