"""Who may import into the registry. Depends on accounts' roles only; services and views ask here."""

from fengqiao.accounts.roles import REGISTRY_IMPORT_ROLES, has_role


def can_import(user) -> bool:
    return has_role(user, REGISTRY_IMPORT_ROLES) and bool(getattr(user, "station_id", None))
