"""A case from opening to closing: open, accept / file / refuse, notice, close, review."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Rank, Role
from fengqiao.accounts.roles import has_role
from fengqiao.cases import rules
from fengqiao.cases.choices import (
    FINAL_ITEM_STATUSES,
    CaseKind,
    CaseStatus,
    EventKind,
    MeasureStatus,
)
from fengqiao.cases.models import Case, CaseReview, OffenceType
from fengqiao.cases.services.clocks import (
    HANDLING_CLOCK,
    NOTICE_CLOCK,
    REVIEW_CLOCK,
    _start,
    _stop,
    pending_extensions,
)
from fengqiao.cases.services.common import (
    _event,
    _lock,
    _officer,
    _require_editable,
    _require_room,
    _require_status,
    _text,
    _when,
)
from fengqiao.core.refnumbers import next_reference

REFERENCE_KIND = {CaseKind.ADMINISTRATIVE: "XZ", CaseKind.CRIMINAL: "XS"}
OPEN_CASE_ROLES = frozenset(
    {
        Role.STATION_LEADER,
        Role.CASE_MANAGER,
        Role.CASE_OFFICER,
        Role.DUTY_OFFICER,
        Role.COMMUNITY_OFFICER,
        Role.COMMAND,
        Role.ADMIN,
    }
)


# ---------------------------------------------------------------- opening and the review stage


@transaction.atomic
def case_open(
    *,
    actor,
    kind: str,
    offence: OffenceType,
    title: str,
    lead_officer,
    second_officer,
    summary: str = "",
    reported_at: dt.datetime | None = None,
    incident=None,
    community=None,
    station=None,
) -> Case:
    """受案登记: a new case, from an incident or walk-in. Starts 受案审查 (24 h) or 立案审查 (3 days) from
    the report; a case from an incident is linked to it there (the incident's 有案不立 clock stops)."""
    if actor is not None and not has_role(actor, OPEN_CASE_ROLES):
        raise PermissionDenied(_("您的角色不能受案登记"))
    station = station or (
        incident.station if incident is not None else getattr(actor, "station", None)
    )
    if station is None:
        raise PermissionDenied(_("只有派出所民警可以受案登记"))
    if actor is not None and not actor.is_superuser and actor.station_id != station.pk:
        raise PermissionDenied(_("只能在本所受案登记"))
    if kind not in CaseKind.values:
        raise ValidationError(_("请选择案件类型"))
    if offence is None or not offence.active:
        raise ValidationError(_("请选择有效的案由"))
    if offence.kind != kind:
        raise ValidationError(
            _("案由“%(offence)s”属于%(kind)s,与案件类型不符")
            % {"offence": offence.name, "kind": offence.get_kind_display()}
        )
    title = _text(title, _("请填写案件名称"))
    lead = _officer(station.pk, lead_officer, _("主办民警"))
    second = _officer(station.pk, second_officer, _("协办民警"))
    if lead.pk == second.pk:
        raise ValidationError(_("主办和协办民警必须是两名不同的民警"))
    if lead.rank != Rank.POLICE or second.rank != Rank.POLICE:
        raise ValidationError(_("办案民警必须是两名人民警察(辅警不能主办、协办案件)"))
    if incident is not None:
        if incident.station_id != station.pk:
            raise ValidationError(_("只能用本所的警情受案"))
        if incident.case_reference:
            raise ValidationError(_("该警情已关联案件%(ref)s") % {"ref": incident.case_reference})
        reported_at = reported_at or incident.received_at
        community = community or incident.community
    reported_at = _when(reported_at, previous=None, previous_label="", label=_("报案"))
    case = Case.objects.create(
        station=station,
        community=community,
        kind=kind,
        offence=offence,
        title=title,
        summary=(summary or "").strip(),
        source_incident=incident,
        unit=lead.unit,
        lead_officer=lead,
        second_officer=second,
        reported_at=reported_at,
        created_by=actor,
        reference=next_reference(
            REFERENCE_KIND[kind], station, year=timezone.localtime(reported_at).year
        ),
    )
    _start(
        case,
        case,
        REVIEW_CLOCK[kind],
        reported_at,
        "受案审查" if kind == CaseKind.ADMINISTRATIVE else "立案审查",
    )
    _event(
        case,
        EventKind.RECEIVED,
        actor,
        reported_at,
        title,
        incident=incident.reference if incident else "",
    )
    if incident is not None:
        from fengqiao.incidents.models import Incident
        from fengqiao.incidents.services import incident_link_case

        # The incident's own rights decide whether the link is the actor's; a case officer who did not
        # attend the incident still opens the case, and the link is written as the system's.
        link_actor = (
            actor
            if actor is None or Incident.objects.editable_by(actor).filter(pk=incident.pk).exists()
            else None
        )
        incident_link_case(actor=link_actor, incident=incident, case_reference=case.reference)
    return case


def _end_review(actor, case: Case, kind: str, wrong_kind: str, label: str, at) -> dt.datetime:
    """受理 or 立案: the review clock stops and the case is being handled from `at` (returned)."""
    _require_editable(actor, case)
    _lock(case)
    if case.kind != kind:
        raise ValidationError(wrong_kind)
    _require_status(case, (CaseStatus.REVIEW,), label)
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=label)
    _stop(actor, case, case, {REVIEW_CLOCK[case.kind]}, at)
    case.status, case.accepted_at, case.last_action_at = CaseStatus.HANDLING, at, at
    case.save()
    return at


@transaction.atomic
def case_accept(*, actor, case: Case, at=None) -> Case:
    """受理 (administrative): stops 受案审查, starts the 30-day 办理期限 (pausable for 鉴定)."""
    at = _end_review(
        actor, case, CaseKind.ADMINISTRATIVE, _("刑事案件应当立案,不是受理"), _("受理"), at
    )
    _start(case, case, HANDLING_CLOCK, at, "治安案件办理期限")
    _event(case, EventKind.ACCEPTED, actor, at)
    return case


@transaction.atomic
def case_file(*, actor, case: Case, at=None) -> Case:
    """立案 (criminal): stops 立案审查."""
    at = _end_review(actor, case, CaseKind.CRIMINAL, _("行政案件应当受理,不是立案"), _("立案"), at)
    _event(case, EventKind.FILED, actor, at)
    return case


@transaction.atomic
def case_refuse(*, actor, case: Case, reason: str, at=None) -> Case:
    """不予立案 (criminal): the notice must be served on the complainant within 3 days."""
    _require_editable(actor, case)
    _lock(case)
    if case.kind != CaseKind.CRIMINAL:
        raise ValidationError(_("只有刑事案件可以决定不予立案"))
    _require_status(case, (CaseStatus.REVIEW,), _("决定不予立案"))
    reason = _text(reason, _("请填写不予立案的理由"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("不予立案决定"))
    _stop(actor, case, case, {REVIEW_CLOCK[case.kind]}, at)
    case.status, case.not_filed_at, case.not_filed_reason = CaseStatus.NOT_FILED, at, reason
    case.save()
    _start(case, case, NOTICE_CLOCK, at, "不予立案通知书送达")
    _event(case, EventKind.NOT_FILED, actor, at, reason)
    return case


@transaction.atomic
def case_serve_notice(*, actor, case: Case, at=None) -> Case:
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.NOT_FILED,), _("送达不予立案通知书"))
    if case.notice_served_at:
        raise ValidationError(_("不予立案通知书已经送达"))
    at = _when(at, previous=case.not_filed_at, previous_label=_("不予立案决定"), label=_("送达"))
    _stop(actor, case, case, {NOTICE_CLOCK}, at)
    case.notice_served_at = at
    case.save()
    _event(case, EventKind.NOTICE_SERVED, actor, at)
    return case


def closing_obstacles(case: Case) -> list[str]:
    """Why the case cannot be closed yet (empty: it can)."""
    problems = []
    active = list(case.measures.filter(status=MeasureStatus.ACTIVE))
    if active:
        names = "、".join(
            m.get_kind_display() + (f"({m.party.name})" if m.party_id else "") for m in active
        )
        problems.append(_("尚有未解除的强制措施:%(names)s") % {"names": names})
    items = list(case.items.exclude(status__in=FINAL_ITEM_STATUSES))
    if items:
        names = "、".join(f"{i.number}. {i.description}" for i in items[:5])
        problems.append(_("尚有未发还/未处理的涉案物品:%(names)s") % {"names": names})
    if case.in_appraisal:
        problems.append(_("案件仍在鉴定中"))
    if case.penalty_decided_at and not case.penalty_served_at:
        problems.append(_("处罚决定尚未送达/备案"))
    if case.needs_execution:
        problems.append(_("处罚尚未执行完毕"))
    if pending_extensions(case).exists():
        problems.append(_("尚有待审批的延长申请"))
    return problems


@transaction.atomic
def case_close(*, actor, case: Case, summary: str, at=None) -> Case:
    """结案: refused while a measure is open, a seized item is not returned or dealt with, a penalty is unexecuted."""
    _require_editable(actor, case)
    _lock(case)
    if case.status == CaseStatus.NOT_FILED:
        if not case.notice_served_at:
            raise ValidationError(_("不予立案通知书尚未送达,不能结案"))
    else:
        _require_status(case, (CaseStatus.HANDLING,), _("结案"))
    summary = _text(summary, _("请填写结案情况"))
    problems = closing_obstacles(case)
    if problems:
        raise ValidationError(_("不能结案:%(problems)s") % {"problems": ";".join(problems)})
    at = _when(
        at,
        previous=case.accepted_at or case.not_filed_at,
        previous_label=_("受理/立案"),
        label=_("结案"),
    )
    _stop(actor, case, case, None, at)
    case.status, case.closed_at, case.closing_summary = CaseStatus.CLOSED, at, summary
    case.save()
    _event(case, EventKind.CLOSED, actor, at, summary)
    return case


@transaction.atomic
def case_review(
    *,
    actor,
    case: Case,
    legality: int,
    timeliness: int,
    evidence: int,
    procedure: int,
    note: str = "",
    at=None,
) -> CaseReview:
    """一案一评 by the case room: four scores (0–25 each); not by the case's own officers."""
    _require_room(actor, _("一案一评由案管室民警或所领导进行"))
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("无权评查该案件"))
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("案件结案后才能进行一案一评"))
    if actor is not None and actor.pk in (case.lead_officer_id, case.second_officer_id):
        raise PermissionDenied(_("办案民警不能评查本人办理的案件"))
    if CaseReview.objects.filter(case=case).exists():
        raise ValidationError(_("该案件已经评查"))
    try:
        rules.review_total(legality, timeliness, evidence, procedure)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    at = _when(at, previous=case.closed_at, previous_label=_("结案"), label=_("评查"))
    review = CaseReview.objects.create(
        case=case,
        reviewer=actor,
        at=at,
        legality=legality,
        timeliness=timeliness,
        evidence=evidence,
        procedure=procedure,
        note=(note or "").strip(),
    )
    _event(case, EventKind.REVIEWED, actor, at, f"{review.total}分", review=review.pk)
    return review
