"""Who may do what with reports and the evaluation scheme. Depends on accounts' roles only; services
and views ask here."""

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES, RULE_ADMIN_ROLES, has_role

# Who generates and downloads the station's reports: leaders, the case room, the command room, the
# inspectors, the county bureau and administrators.
REPORT_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.BUREAU, Role.CASE_MANAGER, Role.COMMAND, Role.INSPECTOR}
)
TEMPLATE_ROLES = LEADER_ROLES | BUREAU_ROLES


def can_manage_scheme(user) -> bool:
    """The scheme and the station categories apply to every station: administrators edit them."""
    return has_role(user, RULE_ADMIN_ROLES)


def can_assign_station_category(user) -> bool:
    """Which category a station is in: administrators, and a county bureau for its own stations."""
    return has_role(user, RULE_ADMIN_ROLES | BUREAU_ROLES)


def can_use_reports(user) -> bool:
    return has_role(user, REPORT_ROLES)


def can_upload_template(user) -> bool:
    return has_role(user, TEMPLATE_ROLES)
