"""What each role may do. One table, read by views, API and exports alike."""

from fengqiao.accounts.choices import Role

# Roles that lead a station: see everything in it, edit any community's records, grant scope.
LEADER_ROLES = frozenset({Role.STATION_LEADER, Role.ADMIN})
# Roles that see across every station of their county bureau.
BUREAU_ROLES = frozenset({Role.BUREAU})
# Who may see the command wall and acknowledge its alerts (command.alerts; the push tier's wall
# channel reads it too, so it sits here, below both).
WALL_ROLES = LEADER_ROLES | {Role.COMMAND, Role.DUTY_OFFICER}
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
KEY_PERSON_ROLES = frozenset(
    {Role.BUREAU, Role.STATION_LEADER, Role.COMMUNITY_OFFICER, Role.CASE_OFFICER}
)
# Roles that may edit registry records (within their community scope).
REGISTRY_EDIT_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER, Role.AUXILIARY, Role.DUTY_OFFICER}
)
# Roles that may import spreadsheets into the registry.
REGISTRY_IMPORT_ROLES = frozenset(
    {Role.STATION_LEADER, Role.ADMIN, Role.COMMUNITY_OFFICER, Role.AUXILIARY}
)
# Roles that may read and search the change log of the whole station.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.STATION_LEADER, Role.ADMIN, Role.BUREAU})
# Roles that edit the installation-wide tables (time-limit rules, holidays, incident categories,
# dispute types/channels/triggers, offences, fraud types, the evaluation scheme): they apply to every
# station of every county on the installation, so administrators only; a county bureau reads them
# (issue 19, docs/security.md).
RULE_ADMIN_ROLES = frozenset({Role.ADMIN})
# Roles for which a second factor (TOTP) is offered and, when REQUIRE_TOTP_FOR_LEADERS is on, required.
TOTP_ROLES = frozenset({Role.STATION_LEADER, Role.BUREAU, Role.ADMIN})


# Who may grant which role (issue 19). THE table: accounts.services enforces it, the staff form offers
# only these choices, and tests/accounts/test_grants.py attacks every combination outside it.
# The roles of a station's own people (a station leader grants only these, in their own station).
STATION_STAFF_ROLES = frozenset(
    {
        Role.DUTY_OFFICER,
        Role.COMMUNITY_OFFICER,
        Role.CASE_OFFICER,
        Role.CASE_MANAGER,
        Role.COMMAND,
        Role.MEDIATOR,
        Role.AUXILIARY,
        Role.LIAISON,
    }
)
# granting role -> (roles it may grant, where): "station" = only in the granter's own station,
# "bureau" = only in stations of the granter's own county bureau. Superusers: every role, everywhere.
# 县局 (bureau), 督察, 审计员 and 系统管理员 accounts are granted by administrators only.
GRANTS = {
    Role.STATION_LEADER: (STATION_STAFF_ROLES, "station"),
    Role.BUREAU: (STATION_STAFF_ROLES | {Role.STATION_LEADER}, "bureau"),
    Role.ADMIN: (frozenset(Role), "station"),
}


def grantable_roles(actor) -> frozenset:
    """The roles `actor` may give an account (and so the accounts, by role, it may edit)."""
    if actor is None or not actor.is_authenticated:
        return frozenset()
    if actor.is_superuser:
        return frozenset(Role)
    return GRANTS.get(actor.role, (frozenset(), None))[0]


def grants_at(actor, station) -> bool:
    """Whether `station` is within the reach of `actor`'s grants (superusers: every station)."""
    if actor is None or not actor.is_authenticated or station is None:
        return bool(actor and actor.is_authenticated and actor.is_superuser)
    if actor.is_superuser:
        return True
    where = GRANTS.get(actor.role, (None, None))[1]
    if where == "station":
        return station.pk == actor.station_id
    if where == "bureau":
        return station.bureau_id == actor.bureau_id and actor.bureau_id is not None
    return False


def may_grant(actor, role, station) -> bool:
    """May `actor` give `role` to an account of `station`?"""
    return role in grantable_roles(actor) and grants_at(actor, station)


def may_manage(actor, target) -> bool:
    """May `actor` edit, reset the password of, unlock or disable `target`? Only an account whose
    current role the actor could have granted, in the actor's reach: never a higher one."""
    return may_grant(actor, target.role, target.station)


def has_role(user, roles) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in roles))


def can_see_wall(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.role in WALL_ROLES or user.role == Role.BUREAU)
    )
