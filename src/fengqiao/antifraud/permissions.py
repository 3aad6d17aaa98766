"""Who may do what in anti-fraud (反诈). Depends on accounts' roles and the models only; services,
importing, views and the API ask here."""

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import has_role
from fengqiao.antifraud.models import DESK_ROLES
from fengqiao.core.permissions import can_manage_rules

# Roles that may enter warnings by hand, import the centre's spreadsheets and post them by API.
ENTRY_ROLES = frozenset(
    {Role.COMMAND, Role.DUTY_OFFICER, Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER}
)
IMPORT_ROLES = frozenset({Role.COMMAND, Role.DUTY_OFFICER, Role.STATION_LEADER, Role.ADMIN})
# Roles that record fraud cases and edit publicity.
CASE_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.CASE_OFFICER, Role.CASE_MANAGER, Role.COMMAND}
)
PUBLICITY_ROLES = frozenset(
    {
        Role.STATION_LEADER,
        Role.ADMIN,
        Role.COMMUNITY_OFFICER,
        Role.COMMAND,
        Role.AUXILIARY,
        Role.CASE_OFFICER,
    }
)


def can_enter(user) -> bool:
    return has_role(user, ENTRY_ROLES) and bool(getattr(user, "station_id", None))


def can_import(user) -> bool:
    return has_role(user, IMPORT_ROLES) and bool(getattr(user, "station_id", None))


def can_assign(user) -> bool:
    return has_role(user, DESK_ROLES)


def can_record_cases(user) -> bool:
    return has_role(user, CASE_ROLES) and bool(getattr(user, "station_id", None))


def can_manage_types(user) -> bool:
    """Fraud types apply to every station: administrators and the county bureau edit them."""
    return can_manage_rules(user)


def can_publicise(user) -> bool:
    return has_role(user, PUBLICITY_ROLES) and bool(getattr(user, "station_id", None))
