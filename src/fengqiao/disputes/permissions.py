"""Who may do what on disputes (pure checks; the services enforce them)."""

from __future__ import annotations


def can_manage_triggers(user) -> bool:
    from fengqiao.accounts.roles import RULE_ADMIN_ROLES, has_role

    return has_role(user, RULE_ADMIN_ROLES)


def can_manage_tables(user) -> bool:
    """Dispute types and mediation channels are installation-wide tables: administrators only."""
    from fengqiao.accounts.roles import RULE_ADMIN_ROLES, has_role

    return has_role(user, RULE_ADMIN_ROLES)
