"""Helpers shared by the dispute services: the dispute event and the edit check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.disputes.models import Dispute, DisputeEvent


def _event(dispute, kind, actor, **data) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute, kind=kind, actor=actor, at=timezone.now(), data=data
    )


def _require_edit(actor, dispute):
    if not Dispute.objects.editable_by(actor).filter(pk=dispute.pk).exists():
        raise PermissionDenied("无权修改该纠纷")


def _check_owner(station_id, owner) -> None:
    """责任人: an active police officer of the file's station (rules.OWNER_ROLES)."""
    from fengqiao.disputes.rules import OWNER_ROLES

    if owner is None:
        return
    if owner.station_id != station_id or not owner.is_active or owner.role not in OWNER_ROLES:
        raise ValidationError({"owner": "责任人须为本所民警"})
