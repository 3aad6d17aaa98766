"""The parties of a dispute: add, update, remove."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from fengqiao.disputes.choices import EventKind
from fengqiao.disputes.models import DisputeParty
from fengqiao.disputes.services.common import _event, _require_edit
from fengqiao.disputes.services.levels import _refresh_suggestion, refresh_suggestion

PARTY_FIELDS = ("person", "name", "id_number", "phone", "role", "high_risk")


def _party_add(dispute, data) -> DisputeParty:
    data = {k: v for k, v in dict(data).items() if k in PARTY_FIELDS}
    person = data.get("person")
    if person is not None:
        data.setdefault("name", person.name)
        if not data.get("id_number"):
            data["id_number"] = person.id_number or ""
        if not data.get("phone"):
            data["phone"] = getattr(person, "phone", "") or ""
    if not (data.get("name") or "").strip():
        raise ValidationError({"parties": "当事人姓名必填"})
    from fengqiao.registry.rules import InvalidPhone, normalise_phone

    try:
        data["phone"] = normalise_phone(data.get("phone") or "")
    except InvalidPhone as exc:
        raise ValidationError({"parties": f"{data['name']}:{exc}"}) from None
    return DisputeParty.objects.create(dispute=dispute, **data)


def dispute_party_add(*, actor, dispute, **data) -> DisputeParty:
    _require_edit(actor, dispute)
    with transaction.atomic():
        party = _party_add(dispute, data)
        _refresh_suggestion(dispute)
    return party


def dispute_party_update(*, actor, party, **data):
    """Change a party's details (name, ID number, phone, role, high-risk flag)."""
    _require_edit(actor, party.dispute)
    data = {
        k: v for k, v in data.items() if k in ("name", "id_number", "phone", "role", "high_risk")
    }
    if "name" in data and not (data["name"] or "").strip():
        raise ValidationError({"name": "当事人姓名必填"})
    if "phone" in data:
        from fengqiao.registry.rules import InvalidPhone, normalise_phone

        try:
            data["phone"] = normalise_phone(data["phone"] or "")
        except InvalidPhone as exc:
            raise ValidationError({"phone": str(exc)}) from None
    with transaction.atomic():
        for key, value in data.items():
            setattr(party, key, value.strip() if isinstance(value, str) else value)
        party.save()
        _event(party.dispute, EventKind.PARTY_CHANGED, actor, party=party.name, action="updated")
        refresh_suggestion(party.dispute)
    return party


def dispute_party_remove(*, actor, party):
    """Remove a party entered by mistake: refused when it is the last one or has signed an agreement."""
    from fengqiao.disputes.models import Agreement

    dispute = party.dispute
    _require_edit(actor, dispute)
    if dispute.parties.count() <= 1:
        raise ValidationError("至少保留一名当事人")
    if Agreement.objects.filter(dispute=dispute, signed_parties=party).exists():
        raise ValidationError("该当事人已在调解协议上签字,不能删除")
    with transaction.atomic():
        name = party.name
        party.delete()
        _event(dispute, EventKind.PARTY_CHANGED, actor, party=name, action="removed")
        refresh_suggestion(dispute)
