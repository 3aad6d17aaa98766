"""Who may do what with incidents, callbacks and rectifications. Depends on accounts' roles and the
models only; services, selectors, views and the API ask here."""

from fengqiao.accounts.choices import Role
from fengqiao.core.permissions import can_manage_rules
from fengqiao.incidents.models import DUTY_ROLES, Rectification

# Who makes callbacks: the duty desk, the command room, leaders and auxiliary officers (辅警).
CALLBACK_ROLES = DUTY_ROLES | {Role.AUXILIARY}


def can_manage_categories(user) -> bool:
    """Categories apply to every station: administrators and the county bureau edit them (as time-limit rules)."""
    return can_manage_rules(user)


def can_call_back(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.station_id
        and (user.is_superuser or user.role in CALLBACK_ROLES)
    )


def can_rectify(user, rectification: Rectification) -> bool:
    if not (user and user.is_authenticated):
        return False
    if not Rectification.objects.visible_to(user).filter(pk=rectification.pk).exists():
        return False
    if user.is_superuser or user.role in (Role.STATION_LEADER, Role.ADMIN):
        return True
    return rectification.unit_id is not None and user.unit_id == rectification.unit_id
