"""Who may do what on vehicles (pure checks; the services enforce them)."""

from __future__ import annotations

from fengqiao.accounts.roles import has_role
from fengqiao.vehicles.models import ENGINE_COMMAND_ROLES, THEFT_REPORT_ROLES, Vehicle


def may_report_theft(actor, vehicle) -> bool:
    """A theft report is taken for any vehicle of the station by THEFT_REPORT_ROLES (not only within
    the reporter's communities); the case and the search are then the station's."""
    return bool(
        actor.is_superuser
        or (
            actor.is_authenticated
            and actor.role in THEFT_REPORT_ROLES
            and Vehicle.objects.visible_to(actor).filter(pk=vehicle.pk).exists()
            and actor.station_id == vehicle.station_id
        )
    )


def can_command(user) -> bool:
    return has_role(user, ENGINE_COMMAND_ROLES)
