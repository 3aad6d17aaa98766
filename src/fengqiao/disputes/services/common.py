"""Helpers shared by the dispute services: the dispute event and the edit check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fengqiao.disputes.models import Dispute, DisputeEvent


def _event(dispute, kind, actor, **data) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute, kind=kind, actor=actor, at=timezone.now(), data=data
    )


def _require_edit(actor, dispute):
    if not Dispute.objects.editable_by(actor).filter(pk=dispute.pk).exists():
        raise PermissionDenied("无权修改该纠纷")
