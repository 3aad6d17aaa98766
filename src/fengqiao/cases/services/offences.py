"""The offence catalogue (案由)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.cases.choices import CaseKind
from fengqiao.cases.models import OffenceType


@transaction.atomic
def offence_save(
    *, actor, instance=None, code: str, name: str, kind: str, active: bool = True, sort: int = 0
) -> OffenceType:
    from fengqiao.core.services import can_manage_rules

    if actor is not None and not can_manage_rules(actor):
        raise PermissionDenied(_("案由表对全部派出所生效,只有系统管理员可以修改"))
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not code or not name:
        raise ValidationError(_("请填写案由代码和名称"))
    if kind not in CaseKind.values:
        raise ValidationError(_("请选择案件类型"))
    clash = OffenceType.objects.filter(code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(_("案由代码“%(code)s”已存在") % {"code": code})
    if instance is not None and instance.kind != kind and instance.cases.exists():
        raise ValidationError(_("已有案件使用该案由,不能改变其案件类型"))
    offence = instance or OffenceType()
    offence.code, offence.name, offence.kind, offence.active, offence.sort = (
        code,
        name,
        kind,
        bool(active),
        sort or 0,
    )
    offence.save()
    return offence
