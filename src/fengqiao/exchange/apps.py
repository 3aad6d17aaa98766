from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "fengqiao.exchange"
    label = "exchange"
    verbose_name = "导入导出"
