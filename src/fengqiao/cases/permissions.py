"""Who may do what on a case (pure checks; the services enforce them)."""

from __future__ import annotations

from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, has_role
from fengqiao.cases.models import CASE_ROOM_ROLES, Case


def can_edit_case(user, case: Case) -> bool:
    return Case.objects.editable_by(user).filter(pk=case.pk).exists()


# A party's whole name, ID number and phone (masked everywhere by default) may be seen, each view
# recorded, by the case's own two officers whatever their role, and — on any case they can see — by
# the case room (案管, station leaders, administrators) and the roles that may see full personal data.
PARTY_REVEAL_ROLES = CASE_ROOM_ROLES | FULL_PERSONAL_DATA_ROLES


def can_reveal_party(user, case: Case) -> bool:
    if not (user and user.is_authenticated):
        return False
    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        return False
    return has_role(user, PARTY_REVEAL_ROLES) or user.pk in (
        case.lead_officer_id,
        case.second_officer_id,
    )
