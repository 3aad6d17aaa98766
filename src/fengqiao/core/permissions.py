"""Who may do what with the shared workflow: the time-limit rules and the holiday arrangement, a
clock and its extensions, and any scoped record. Depends on accounts' roles and the models only;
services, views and the API ask here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES, RULE_ADMIN_ROLES
from fengqiao.core.workflow_models import Clock, ClockExtension

ROLE_LABELS = dict(Role.choices)


def _role_names(roles) -> str:
    return "、".join(str(ROLE_LABELS.get(r, r)) for r in roles)


# ---------------------------------------------------------------- rules and calendar


def can_manage_rules(user) -> bool:
    """Rules are installation-wide (every station uses them): administrators and the county bureau edit them."""
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.role in RULE_ADMIN_ROLES)
    )


def can_manage_calendar(user) -> bool:
    """The arrangement applies to every station, like the time-limit rules: the same people edit it."""
    return can_manage_rules(user)


# ---------------------------------------------------------------- clocks


def require_station(actor, clock: Clock) -> None:
    if actor is None or actor.is_superuser:
        return
    if (
        actor.role in BUREAU_ROLES
        and actor.bureau_id
        and actor.bureau_id == clock.station.bureau_id
    ):
        return
    if actor.station_id != clock.station_id:
        raise PermissionDenied(_("这不是您所在单位的时限"))


def require_approver(actor, extension: ClockExtension) -> dict:
    """Refuse unless `actor` may decide `extension` (a role the rule's option names, not the
    requester, in reach of the clock's station); return the option."""
    clock = extension.clock
    option = clock.rule.option(extension.option_key) or {}
    roles = option.get("approver_roles") or []
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("审批延长必须由有审批权限的人员进行"))
    if extension.requested_by_id is not None and extension.requested_by_id == actor.pk:
        raise PermissionDenied(_("不能审批自己提出的延长申请,请由其他有审批权限的人员审批"))
    if not actor.is_superuser and actor.role not in roles:
        raise PermissionDenied(
            _("您没有审批“%(label)s”的权限(需要:%(roles)s)")
            % {"label": extension.label, "roles": _role_names(roles)}
        )
    require_station(actor, clock)
    return option


def can_approve(user, extension: ClockExtension) -> bool:
    try:
        require_approver(user, extension)
    except PermissionDenied:
        return False
    return True


def can_work_on(user, clock: Clock) -> bool:
    """The assignee, the unit's leader and the station's leaders act on a clock."""
    if user.is_superuser or user.role in LEADER_ROLES:
        return user.is_superuser or user.station_id == clock.station_id
    if clock.assignee_id == user.pk:
        return True
    return clock.unit is not None and clock.unit.leader_id == user.pk


# ---------------------------------------------------------------- any scoped record


def can_edit(user, obj) -> bool:
    return type(obj)._default_manager.editable_by(user).filter(pk=obj.pk).exists()
