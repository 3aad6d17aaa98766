"""Who may read the estates part. Depends on accounts' roles only; services, views and the API ask here."""

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import has_role

# Roles that read the estates part (gate events are personal data: not liaisons, mediators, inspectors)
VIEW_ROLES = frozenset(
    {Role.BUREAU, Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER, Role.COMMAND, Role.DUTY_OFFICER,
     Role.AUXILIARY, Role.CASE_OFFICER, Role.CASE_MANAGER, Role.AUDITOR}
)  # fmt: skip


def can_view(user) -> bool:
    return has_role(user, VIEW_ROLES)
