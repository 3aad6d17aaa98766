from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "fengqiao.desk"
    label = "desk"
    verbose_name = "户籍室一门通办"
