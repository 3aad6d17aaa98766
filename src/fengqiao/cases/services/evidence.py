"""Evidence items (涉案财物): register and move, each by two officers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fengqiao.cases.choices import MOVEMENT_RESULT, CaseStatus, EventKind, ItemStatus, MovementKind
from fengqiao.cases.models import Case, EvidenceItem, ItemMovement
from fengqiao.cases.services.common import (
    _event,
    _lock,
    _officer,
    _require_editable,
    _require_status,
    _text,
    _touch,
    _when,
)


def _two_people(station_id, handled_by, checked_by):
    handled_by = _officer(station_id, handled_by, _("经办人"))
    checked_by = _officer(station_id, checked_by, _("核对人"))
    if handled_by.pk == checked_by.pk:
        raise ValidationError(_("物品出入库须由两人办理:经办人和核对人不能是同一人"))
    return handled_by, checked_by


@transaction.atomic
def item_register(
    *,
    actor,
    case: Case,
    description: str,
    location: str,
    handled_by,
    checked_by,
    quantity: str = "1",
    seized: bool = True,
    owner: str = "",
    measure=None,
    at=None,
) -> EvidenceItem:
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.REVIEW, CaseStatus.HANDLING), _("登记涉案物品"))
    description = _text(description, _("请填写物品名称及特征"))
    location = _text(location, _("请填写存放位置"))
    handled_by, checked_by = _two_people(case.station_id, handled_by, checked_by)
    if measure is not None and measure.case_id != case.pk:
        raise ValidationError(_("扣押决定不属于该案件"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("入库"))
    number = (case.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = EvidenceItem.objects.create(
        case=case,
        number=number,
        description=description,
        quantity=(quantity or "1").strip() or "1",
        seized=seized,
        owner=(owner or "").strip(),
        location=location,
        measure=measure,
    )
    ItemMovement.objects.create(
        item=item,
        kind=MovementKind.IN,
        at=at,
        handled_by=handled_by,
        checked_by=checked_by,
        location=location,
    )
    _touch(case, at)
    _event(case, EventKind.ITEM_REGISTERED, actor, at, f"{number}. {description}", item=item.pk)
    return item


ALLOWED_MOVES = {
    MovementKind.OUT: (ItemStatus.IN_CUSTODY,),
    MovementKind.BACK: (ItemStatus.OUT,),
    MovementKind.RETURN: (ItemStatus.IN_CUSTODY, ItemStatus.OUT),
    MovementKind.DISPOSE: (ItemStatus.IN_CUSTODY, ItemStatus.OUT),
    MovementKind.TRANSFER: (ItemStatus.IN_CUSTODY, ItemStatus.OUT),
}


@transaction.atomic
def item_move(
    *,
    actor,
    item: EvidenceItem,
    kind: str,
    handled_by,
    checked_by,
    location: str,
    note: str = "",
    at=None,
) -> ItemMovement:
    case = item.case
    _require_editable(actor, case)
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if kind not in ALLOWED_MOVES:
        raise ValidationError(_("请选择出入库类型"))
    if item.status not in ALLOWED_MOVES[kind]:
        raise ValidationError(
            _("物品当前“%(status)s”,不能%(move)s")
            % {"status": item.get_status_display(), "move": MovementKind(kind).label}
        )
    location = _text(location, _("请填写地点或去向"))
    handled_by, checked_by = _two_people(case.station_id, handled_by, checked_by)
    last = item.movements.order_by("-at").first()
    at = _when(
        at, previous=last.at if last else None, previous_label=_("上一次出入库"), label=_("出入库")
    )
    movement = ItemMovement.objects.create(
        item=item,
        kind=kind,
        at=at,
        handled_by=handled_by,
        checked_by=checked_by,
        location=location,
        note=(note or "").strip(),
    )
    item.status = MOVEMENT_RESULT[kind]
    if kind in (MovementKind.BACK,):
        item.location = location
    item.save()
    _event(
        case,
        EventKind.ITEM_MOVED,
        actor,
        at,
        f"{item.number}. {item.description}:{movement.get_kind_display()}",
        item=item.pk,
    )
    return movement
