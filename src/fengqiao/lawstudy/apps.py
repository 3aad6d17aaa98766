from django.apps import AppConfig


class LawstudyConfig(AppConfig):
    name = "fengqiao.lawstudy"
    label = "lawstudy"
    verbose_name = "法规学习"
