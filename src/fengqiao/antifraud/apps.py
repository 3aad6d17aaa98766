from django.apps import AppConfig


class AntifraudConfig(AppConfig):
    name = "fengqiao.antifraud"
    label = "antifraud"
    verbose_name = "反诈"
