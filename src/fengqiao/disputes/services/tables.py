"""The editable tables: warning triggers and the other lookup tables."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from fengqiao.disputes.choices import Level
from fengqiao.disputes.models import WarningTrigger
from fengqiao.disputes.permissions import can_manage_tables, can_manage_triggers


def _clean_trigger(data) -> dict:
    from decimal import Decimal

    from fengqiao.disputes.choices import TriggerKind
    from fengqiao.disputes.rules import reason_problem

    kind = TriggerKind(data.get("kind"))
    level = Level(data.get("level"))
    value = (data.get("value") or "").strip()
    threshold = data.get("threshold")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写显示的理由"})
    problem = reason_problem(reason)
    if problem:
        raise ValidationError({"reason": problem})
    if kind == TriggerKind.KEYWORD and not value:
        raise ValidationError({"value": "关键词规则须填写关键词"})
    if kind not in (TriggerKind.KEYWORD, TriggerKind.HIGH_RISK_PARTY) and threshold is None:
        raise ValidationError({"threshold": "该类规则须填写阈值"})
    if threshold is not None and Decimal(threshold) < 0:
        raise ValidationError({"threshold": "阈值不能为负数"})
    return {
        "kind": kind,
        "level": level,
        "value": value,
        "threshold": threshold,
        "reason": reason,
        "active": bool(data.get("active", True)),
    }


def trigger_save(*, actor, trigger=None, **data) -> WarningTrigger:
    """Create or change a warning trigger. Triggers apply to every station: administrators and the bureau only."""
    if not can_manage_triggers(actor):
        raise PermissionDenied("预警规则对全部派出所生效,只有系统管理员可以修改")
    clean = _clean_trigger(data)
    with transaction.atomic():
        trigger = trigger or WarningTrigger()
        for key, value in clean.items():
            setattr(trigger, key, value)
        trigger.save()
    return trigger


def table_row_save(*, actor, model, row=None, **data):
    """Create or change a dispute type or a mediation channel (code, name, sort, active[, police])."""
    if not can_manage_tables(actor):
        raise PermissionDenied("纠纷类型和调解渠道对全部派出所生效,只有系统管理员可以修改")
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not code or not name:
        raise ValidationError("代码和名称必填")
    if model.objects.filter(code=code).exclude(pk=getattr(row, "pk", None)).exists():
        raise ValidationError({"code": f"代码 {code} 已存在"})
    with transaction.atomic():
        row = row or model()
        row.code, row.name = code[:20], name[:50]
        row.sort = int(data.get("sort") or 0)
        row.active = bool(data.get("active", True))
        if hasattr(row, "is_police_mediation") and "is_police_mediation" in data:
            row.is_police_mediation = bool(data["is_police_mediation"])
        row.save()
    return row
