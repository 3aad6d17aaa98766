"""Helpers shared by the case services: time checks, locking, state checks, the case event."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.roles import has_role
from fengqiao.cases.models import CASE_ROOM_ROLES, Case, CaseEvent
from fengqiao.cases.permissions import can_edit_case

FUTURE_TOLERANCE = dt.timedelta(minutes=2)


# ---------------------------------------------------------------- helpers


def _aware(at):
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def _when(at, *, previous: dt.datetime | None, previous_label: str, label: str) -> dt.datetime:
    now = timezone.now()
    at = _aware(at) or now
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(_("%(label)s时间不能晚于当前时间") % {"label": label})
    if previous is not None and at < previous:
        raise ValidationError(
            _("%(label)s时间不能早于%(previous)s时间")
            % {"label": label, "previous": previous_label}
        )
    return at


def _text(value, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


def _require_editable(actor, case: Case) -> None:
    if actor is None:
        return
    if not can_edit_case(actor, case):
        raise PermissionDenied(_("无权办理该案件(只有主办、协办民警,案管室和所领导可以)"))


def _require_room(actor, message=None) -> None:
    if actor is not None and not has_role(actor, CASE_ROOM_ROLES):
        raise PermissionDenied(message or _("只有案管室民警或所领导可以进行此项操作"))


def _lock(case: Case) -> Case:
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    case.__dict__.update({f.attname: getattr(fresh, f.attname) for f in Case._meta.concrete_fields})
    return case


def _require_status(case: Case, statuses, action: str) -> None:
    if case.status not in statuses:
        raise ValidationError(
            _("案件当前为“%(status)s”,不能%(action)s")
            % {"status": case.get_status_display(), "action": action}
        )


def _event(case, kind, actor, at, text="", **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, at=at, text=text[:300], data=data
    )


def _officer(case_station_id, user, label: str):
    if user is None:
        raise ValidationError(_("请选择%(label)s") % {"label": label})
    if user.station_id != case_station_id or not user.is_active:
        raise ValidationError(_("%(label)s必须是本所在职人员") % {"label": label})
    return user


def _touch(case: Case, at) -> None:
    if case.last_action_at is None or at > case.last_action_at:
        Case.objects.filter(pk=case.pk).update(last_action_at=at)
        case.last_action_at = at
