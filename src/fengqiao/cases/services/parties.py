"""Parties of a case: add, fled, pursued, and revealing their personal data."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fengqiao.cases.choices import ActionKind, EventKind, PartyRole
from fengqiao.cases.models import Case, CaseAction, CaseParty
from fengqiao.cases.permissions import can_reveal_party
from fengqiao.cases.services.common import _event, _require_editable, _text, _touch, _when
from fengqiao.core.audit import record_personal_data_view
from fengqiao.core.masking import mask_name


@transaction.atomic
def party_add(
    *,
    actor,
    case: Case,
    role: str,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    person=None,
) -> CaseParty:
    """A victim, suspect, witness or complainant; linked to the registry person with that ID number if one exists."""
    _require_editable(actor, case)
    if role not in PartyRole.values:
        raise ValidationError(_("请选择当事人身份"))
    id_number = (id_number or "").strip().upper()
    if person is None and id_number:
        from fengqiao.registry.models import Person

        person = Person.objects.filter(station_id=case.station_id, id_number=id_number).first()
    if person is not None:
        name = name or person.name
        id_number = id_number or person.id_number
        phone = phone or person.phone
    name = _text(name, _("请填写当事人姓名"))
    party = CaseParty.objects.create(
        case=case,
        role=role,
        person=person,
        name=name,
        id_number=id_number,
        phone=(phone or "").strip(),
    )
    _event(
        case,
        EventKind.PARTY_ADDED,
        actor,
        timezone.now(),
        f"{party.get_role_display()} {name[0]}**",
        party=party.pk,
        linked=person is not None,
    )
    return party


def _party_of(case: Case, party) -> CaseParty | None:
    if party is None:
        return None
    if party.case_id != case.pk:
        raise ValidationError(_("当事人不属于该案件"))
    return party


@transaction.atomic
def party_fled(*, actor, party: CaseParty, at=None) -> CaseParty:
    case = party.case
    _require_editable(actor, case)
    if party.role != PartyRole.SUSPECT:
        raise ValidationError(_("只有嫌疑人/违法行为人可以登记在逃"))
    if party.fled_at:
        raise ValidationError(_("已登记在逃"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("在逃"))
    party.fled_at = at
    party.save()
    _event(case, EventKind.SUSPECT_FLED, actor, at, party=party.pk)
    return party


@transaction.atomic
def party_pursue(*, actor, party: CaseParty, note: str, at=None) -> CaseParty:
    """追逃措施 (上网追逃, 通缉 …) for a fled suspect."""
    case = party.case
    _require_editable(actor, case)
    if not party.fled_at:
        raise ValidationError(_("该当事人没有登记在逃"))
    note = _text(note, _("请填写追逃措施"))
    at = _when(at, previous=party.fled_at, previous_label=_("在逃"), label=_("追逃"))
    party.pursuit_at, party.pursuit_note = at, note
    party.save()
    CaseAction.objects.create(
        case=case,
        kind=ActionKind.PURSUIT,
        at=at,
        officer=actor or case.lead_officer,
        party=party,
        note=note,
        recorded_by=actor,
    )
    _touch(case, at)
    _event(case, EventKind.PURSUIT, actor, at, note, party=party.pk)
    return party


PARTY_REVEAL_FIELDS = ("name", "id_number", "phone")
PURPOSE_MAX_LENGTH = 200


@transaction.atomic
def party_reveal(*, actor, party: CaseParty, purpose: str, channel: str = "web") -> CaseParty:
    """Record (core `PersonalDataAccess`) that `actor` saw the party's whole name, ID number and
    phone, and return the party. Refused without a purpose or to anyone `can_reveal_party` refuses;
    nothing is recorded then."""
    case = party.case
    if actor is None or not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("您无权查看该案件"))
    if not can_reveal_party(actor, case):
        raise PermissionDenied(
            _(
                "您的角色无权查看当事人的完整信息(本案办案民警、案管室、所领导和有权查看完整个人信息的民警可以)"
            )
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": [_("请填写查看事由")]})
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            {"purpose": [_("查看事由不能超过%(n)s个字") % {"n": PURPOSE_MAX_LENGTH}]}
        )
    with translation.override(settings.LANGUAGE_CODE):
        # stored in Chinese like every record text; the whole name stays out of the access log
        label = f"{case.reference} {party.get_role_display()} {mask_name(party.name)}"
    record_personal_data_view(
        actor=actor,
        station_id=case.station_id,
        obj=party,
        model=CaseParty,
        object_repr=label,
        fields=[f for f in PARTY_REVEAL_FIELDS if getattr(party, f)],
        purpose=purpose,
        channel=channel,
    )
    return party
