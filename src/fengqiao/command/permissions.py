"""Who may do what in the command room (综合指挥室): the wall, alerts, supervision, the roster and
video patrol. Depends on accounts' roles, the models and the read of the week's leader only; services,
views, the API and push ask here."""

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import (  # the wall's check lives in roles.py: the push tier reads it too
    LEADER_ROLES,
    WALL_ROLES,
    can_see_wall,  # noqa: F401 (re-exported: command's views and API ask here)
)
from fengqiao.command.models import Alert, SwapRequest
from fengqiao.command.selectors import week_leader

# ---------------------------------------------------------------- the wall, alerts and supervision

# Who may acknowledge alerts on the wall (and see it): WALL_ROLES and can_see_wall, in accounts.roles.

# Who may read 执法监督 (the case room's red lines and overdue clocks): the wall's readers and the
# case-management room, whose daily work it is (PRODUCT.md "Who uses it").
SUPERVISION_ROLES = WALL_ROLES | {Role.CASE_MANAGER}


def can_see_supervision(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.role in SUPERVISION_ROLES or user.role == Role.BUREAU)
    )


def can_acknowledge(user, alert: Alert) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or (user.role in WALL_ROLES and user.station_id == alert.station_id))
    )


# ---------------------------------------------------------------- the roster

ROSTER_MANAGER_ROLES = LEADER_ROLES | {Role.COMMAND}


def can_manage_roster(user) -> bool:
    return bool(
        user.is_authenticated
        and user.station_id
        and (user.is_superuser or user.role in ROSTER_MANAGER_ROLES)
    )


def can_decide_swap(user, swap: SwapRequest) -> bool:
    """The 带班所领导 of the duty's week decides; with none set for that week, any 所领导 of the station."""
    if not user.is_authenticated or user.station_id != swap.station_id:
        return user.is_superuser
    leader = week_leader(swap.station_id, swap.assignment.day)
    if leader is not None:
        return leader.pk == user.pk
    return user.role in LEADER_ROLES


# ---------------------------------------------------------------- video patrol

PATROL_ROLES = LEADER_ROLES | {Role.COMMAND, Role.DUTY_OFFICER, Role.AUXILIARY}
VIDEO_ADMIN_ROLES = LEADER_ROLES | {Role.COMMAND}


def can_patrol(user) -> bool:
    return bool(
        user.is_authenticated
        and user.station_id
        and (user.is_superuser or user.role in PATROL_ROLES)
    )


def can_manage_video(user) -> bool:
    return bool(
        user.is_authenticated
        and user.station_id
        and (user.is_superuser or user.role in VIDEO_ADMIN_ROLES)
    )
