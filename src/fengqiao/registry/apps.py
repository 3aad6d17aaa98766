from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fengqiao.registry"
    label = "registry"
    verbose_name = "一标三实"
