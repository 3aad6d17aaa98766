from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fengqiao.cases"
    label = "cases"
    verbose_name = "案件与案管"
