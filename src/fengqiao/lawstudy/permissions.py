"""Who may organise the law study. Depends on accounts' roles and the models only."""

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import LEADER_ROLES
from fengqiao.lawstudy.models import StudySession

ORGANISER_ROLES = frozenset(LEADER_ROLES | {Role.CASE_MANAGER})


def can_organise(user, session_or_station=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    station_id = (
        getattr(session_or_station, "station_id", None)
        or getattr(session_or_station, "pk", None)
        or user.station_id
    )
    if not user.station_id or user.station_id != station_id:
        return False
    if user.role in ORGANISER_ROLES:
        return True
    return isinstance(session_or_station, StudySession) and session_or_station.host_id == user.pk
