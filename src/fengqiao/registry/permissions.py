"""Who may do what in the registry (一标三实). Depends on accounts' roles only; services and views ask here."""

from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, LEADER_ROLES, has_role


def can_create_community(user) -> bool:
    """Communities are the station's own map: its leaders (and administrators) add them."""
    return bool(
        user
        and user.is_authenticated
        and user.station_id
        and (user.is_superuser or user.role in LEADER_ROLES)
    )


def can_reveal(user) -> bool:
    return has_role(user, FULL_PERSONAL_DATA_ROLES)
