from django.apps import AppConfig


class EstatesConfig(AppConfig):
    name = "fengqiao.estates"
    verbose_name = "平安智慧小区"
    default_auto_field = "django.db.models.BigAutoField"
