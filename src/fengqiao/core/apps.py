from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fengqiao.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from fengqiao.core import audit
        from fengqiao.core.forms import use_chinese_empty_labels

        use_chinese_empty_labels()

        audit.connect_signals()

        from fengqiao.core import clock_workqueue

        clock_workqueue.register()
