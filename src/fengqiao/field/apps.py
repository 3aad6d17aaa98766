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

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from fengqiao.command.models import DutyAssignment, Shift
        from fengqiao.field import patrol
        from fengqiao.field.models import PatrolCar

        # The gateway reads the patrol cars' duty windows again after any of these changed.
        for model in (PatrolCar, DutyAssignment, Shift):
            post_save.connect(patrol.forget, sender=model, dispatch_uid=f"field.patrol.{model}")
            post_delete.connect(patrol.forget, sender=model, dispatch_uid=f"field.patrol.d.{model}")
        m2m_changed.connect(
            patrol.forget, sender=PatrolCar.crew.through, dispatch_uid="field.patrol.crew"
        )
