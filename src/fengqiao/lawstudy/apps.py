from django.apps import AppConfig


class LawstudyConfig(AppConfig):
    name = "fengqiao.lawstudy"
    label = "lawstudy"
    verbose_name = "法规学习"

    def ready(self):
        from fengqiao.core import workqueue
        from fengqiao.lawstudy.selectors import my_study_items

        workqueue.register("lawstudy", my_study_items)
