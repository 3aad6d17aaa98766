from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushConfig(AppConfig):
    name = "fengqiao.push"
    label = "push"
    verbose_name = _("实时推送")
