from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    """移动警务: the field side — evidence at the scene, offline forms, one-tap incident steps, work log."""

    name = "fengqiao.field"
    label = "field"
    verbose_name = _("移动警务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from fengqiao.core import events
        from fengqiao.field.tasks import on_incident_dispatched

        events.subscribe("incident.dispatched", on_incident_dispatched)

        from fengqiao.command import selectors as wall
        from fengqiao.field.units import wall_panel

        wall.register_panel("units", wall_panel)

        # The gateway (another process) reads the patrol cars' duty windows again every
        # patrol.WINDOWS_SECONDS, so a roster change reaches it without a model signal (the project
        # keeps signals for the change log: tests/core/test_events.py); patrol_car_save forgets
        # the windows at once in its own process.
