"""Red-line flags: raise one per fact, run the detectors, assign, explain, close."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import has_role
from fengqiao.accounts.selectors import station_leaders
from fengqiao.cases.choices import FlagStatus
from fengqiao.cases.models import CASE_ROOM_ROLES, RedLineFlag
from fengqiao.cases.services.common import _require_room, _text


def flag_raise(
    *,
    station,
    kind: str,
    key: str,
    reason: str,
    case=None,
    incident=None,
    officer=None,
    unit=None,
    at=None,
) -> RedLineFlag | None:
    """Raise a flag for a fact once (its key): None if that fact was flagged before."""
    if RedLineFlag.objects.filter(key=key).exists():
        return None
    if case is not None:
        officer = officer or case.lead_officer
        unit = unit or case.unit
    flag = RedLineFlag.objects.create(
        station=station,
        kind=kind,
        key=key,
        reason=reason[:300],
        case=case,
        incident=incident,
        raised_at=at or timezone.now(),
        officer=officer,
        unit=unit,
        assignee=officer,
    )
    _notify_flag(flag)
    return flag


def _notify_flag(flag: RedLineFlag) -> None:
    from fengqiao.accounts.models import User
    from fengqiao.notifications.services import notification_send

    case_room = User.objects.filter(
        station_id=flag.station_id, role=Role.CASE_MANAGER, is_active=True
    )
    recipients = [
        *station_leaders(flag.station_id),
        *case_room,
        *([flag.assignee] if flag.assignee else []),
    ]
    if recipients:
        notification_send(
            recipients=recipients,
            kind="case_red_line",
            title=f"{flag.get_kind_display()}:{flag.reason}"[:200],
            body="请说明情况并整改,整改后由案管室关闭。",
            level="red",
            obj=flag,
            dedupe_key=f"case-flag:{flag.pk}",
        )


def flags_sync(*, station, now=None) -> list[RedLineFlag]:
    """Run the detectors for a station and raise a flag for every new fact (job and page load)."""
    from fengqiao.cases.selectors import detect

    now = now or timezone.now()
    found = detect(station, now)
    known = set(
        RedLineFlag.objects.filter(key__in=[d.key for d in found]).values_list("key", flat=True)
    )
    new = [d for d in found if d.key not in known]
    created = []
    if not new:
        return created  # the usual page load: nothing new, no write transaction
    with transaction.atomic():
        for d in new:
            flag = flag_raise(
                station=station,
                kind=d.kind,
                key=d.key,
                reason=d.reason,
                case=d.case,
                incident=d.incident,
                officer=d.officer,
                unit=d.unit,
                at=now,
            )
            if flag is not None:
                created.append(flag)
    return created


def _require_flag_visible(actor, flag: RedLineFlag) -> None:
    if actor is not None and not RedLineFlag.objects.visible_to(actor).filter(pk=flag.pk).exists():
        raise PermissionDenied(_("无权处理该问题"))


@transaction.atomic
def flag_assign(*, actor, flag: RedLineFlag, assignee) -> RedLineFlag:
    _require_room(actor, _("只有案管室民警或所领导可以指派整改责任人"))
    _require_flag_visible(actor, flag)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("该问题已经关闭"))
    if assignee is None or assignee.station_id != flag.station_id or not assignee.is_active:
        raise ValidationError(_("整改责任人必须是本所在职人员"))
    flag.assignee = assignee
    flag.save()
    from fengqiao.notifications.services import notification_send

    notification_send(
        recipients=[assignee],
        kind="case_red_line",
        title=f"请整改:{flag.reason}"[:200],
        level="red",
        obj=flag,
        dedupe_key=f"case-flag:{flag.pk}:assign:{assignee.pk}",
    )
    return flag


@transaction.atomic
def flag_explain(*, actor, flag: RedLineFlag, text: str) -> RedLineFlag:
    _require_flag_visible(actor, flag)
    if actor is not None and not (has_role(actor, CASE_ROOM_ROLES) or flag.assignee_id == actor.pk):
        raise PermissionDenied(_("只有整改责任人、案管室或所领导可以说明情况"))
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("该问题已经关闭"))
    flag.explanation = _text(text, _("请填写情况说明"))
    flag.save()
    return flag


@transaction.atomic
def flag_close(*, actor, flag: RedLineFlag, note: str, now=None) -> RedLineFlag:
    """Close with a note — only once the fact is put right (the detector no longer finds it)."""
    from fengqiao.cases.selectors import detect

    _require_room(actor, _("只有案管室民警或所领导可以关闭红线问题"))
    _require_flag_visible(actor, flag)
    flag = RedLineFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("该问题已经关闭"))
    note = _text(note, _("请填写整改说明"))
    now = now or timezone.now()
    if flag.key in {d.key for d in detect(flag.station, now)}:
        raise ValidationError(
            _("问题仍然存在(如案件仍未立案、时限仍超期未办结、仍无办案工作),整改后才能关闭")
        )
    flag.status, flag.closed_at, flag.closed_by, flag.close_note = (
        FlagStatus.CLOSED,
        now,
        actor,
        note,
    )
    flag.save()
    return flag
