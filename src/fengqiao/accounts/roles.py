"""What each role may do. One table, read by views, API and exports alike."""

from fengqiao.accounts.choices import Role

# Roles that lead a station: see everything in it, edit any community's records, grant scope.
LEADER_ROLES = frozenset({Role.STATION_LEADER, Role.ADMIN})
# Roles that see across every station of their county bureau.
BUREAU_ROLES = frozenset({Role.BUREAU})
# Roles that may reveal a person's full ID number, phone and address (each view is recorded).
FULL_PERSONAL_DATA_ROLES = frozenset(
    {
        Role.BUREAU,
        Role.STATION_LEADER,
        Role.COMMUNITY_OFFICER,
        Role.CASE_OFFICER,
        Role.DUTY_OFFICER,
        Role.COMMAND,
        Role.ADMIN,
    }
)
# Roles that may export lists unmasked.
UNMASKED_EXPORT_ROLES = frozenset({Role.BUREAU, Role.STATION_LEADER, Role.ADMIN})
# Roles that may see internal 重点人员 labels (never in a list or export otherwise).
KEY_PERSON_ROLES = frozenset({Role.BUREAU, Role.STATION_LEADER, Role.COMMUNITY_OFFICER, Role.CASE_OFFICER})
# Roles that may edit registry records (within their community scope).
REGISTRY_EDIT_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER, Role.AUXILIARY, Role.DUTY_OFFICER}
)
# Roles that may import spreadsheets into the registry.
REGISTRY_IMPORT_ROLES = frozenset({Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER, Role.AUXILIARY})
# Roles that may read and search the change log of the whole station.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.STATION_LEADER, Role.ADMIN, Role.BUREAU})
# Roles that edit the installation-wide tables (time-limit rules): they apply to every station.
RULE_ADMIN_ROLES = frozenset({Role.ADMIN, Role.BUREAU})
# Roles for which a second factor (TOTP) is offered and, when REQUIRE_TOTP_FOR_LEADERS is on, required.
TOTP_ROLES = frozenset({Role.STATION_LEADER, Role.BUREAU, Role.ADMIN})


def has_role(user, roles) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in roles))
