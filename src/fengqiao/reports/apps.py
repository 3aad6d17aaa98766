from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fengqiao.reports"
    verbose_name = _("报表与考核")

    def ready(self):
        # The indicator functions: the built-in ones of parts 2–6 (fengqiao.reports.indicators), then
        # any app's own `indicators.py` module (e.g. part 10's law-study figures) registers its own.
        from django.utils.module_loading import autodiscover_modules

        from fengqiao.reports import indicators  # noqa: F401

        autodiscover_modules("indicators")
