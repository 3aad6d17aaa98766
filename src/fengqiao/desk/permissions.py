"""Who may do what at the desk (pure checks; the services enforce them)."""

from __future__ import annotations

from fengqiao.accounts.choices import Role, UnitKind
from fengqiao.accounts.roles import LEADER_ROLES

# Roles that work the counters and the ticket desk (besides every member of the station's 户籍室).
OPERATOR_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.DUTY_OFFICER, Role.AUXILIARY, Role.COMMUNITY_OFFICER}
)


def can_operate(user, station_id=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    if station_id is not None and user.station_id != station_id and not user.is_superuser:
        return False
    if user.is_superuser:
        return True
    if not user.station_id:
        return False
    return user.role in OPERATOR_ROLES or bool(
        user.unit_id and user.unit.kind == UnitKind.REGISTRATION
    )


def can_manage(user, station_id=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return (
        user.role in LEADER_ROLES
        and bool(user.station_id)
        and (station_id is None or user.station_id == station_id)
    )
