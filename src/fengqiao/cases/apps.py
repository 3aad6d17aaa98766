from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fengqiao.cases"
    label = "cases"
    verbose_name = "案件与案管"

    def ready(self):
        from fengqiao.cases.selectors import my_case_items
        from fengqiao.core import workqueue

        workqueue.register("case", my_case_items)
