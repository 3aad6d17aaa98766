"""Who may do what in 移动警务. Depends on accounts' roles only; services, views and the API ask here."""

from fengqiao.accounts.choices import Role

# Roles that work in the field: they may attach evidence and tap steps on what they can see.
FIELD_ROLES = frozenset(
    {
        Role.STATION_LEADER,
        Role.DUTY_OFFICER,
        Role.COMMUNITY_OFFICER,
        Role.CASE_OFFICER,
        Role.CASE_MANAGER,
        Role.COMMAND,
        Role.MEDIATOR,
        Role.AUXILIARY,
        Role.ADMIN,
    }
)


def can_work(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in FIELD_ROLES))


def can_see_units(user) -> bool:
    """The station's command side: leaders, the command room and the duty officers."""
    return bool(
        user
        and user.is_authenticated
        and (
            user.is_superuser
            or user.role in {Role.STATION_LEADER, Role.COMMAND, Role.DUTY_OFFICER, Role.ADMIN}
        )
    )
