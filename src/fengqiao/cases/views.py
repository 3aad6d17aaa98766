"""案件 pages: list, open (also from an 有案不立 incident), detail with clocks and actions, the case
room's supervision page, the weekly summary with its charts and documents, the offence table."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fengqiao.accounts.models import User
from fengqiao.accounts.roles import has_role
from fengqiao.cases import documents, selectors, services
from fengqiao.cases.choices import (
    ActionKind,
    CaseKind,
    CaseStatus,
    FlagKind,
    FlagStatus,
    MeasureKind,
    MovementKind,
    PartyRole,
    PenaltyKind,
    ServiceMode,
)
from fengqiao.cases.forms import CaseForm, OffenceForm, ReviewForm
from fengqiao.cases.models import (
    CASE_ROOM_ROLES,
    Case,
    CaseParty,
    CoerciveMeasure,
    EvidenceItem,
    OffenceType,
    RedLineFlag,
    WeeklySummary,
)
from fengqiao.cases.rules import week_start
from fengqiao.core.history import timeline_for
from fengqiao.core.masking import mask_id_number, mask_name, mask_phone
from fengqiao.core.permissions import can_approve, can_manage_rules
from fengqiao.core.rules import TZ
from fengqiao.core.web import editable_table
from fengqiao.core.web import error_text as _error_text
from fengqiao.core.web import forbidden as _forbidden
from fengqiao.core.workflow_models import ClockExtension
from fengqiao.incidents.models import Incident

PAGE_SIZE = 50
# Incident category code → offence code, to pre-fill the form when a case is opened from an incident.
OFFENCE_FOR_CATEGORY = {
    "XS-DQ": "XS-DQ",
    "XS-ZP": "XS-ZP",
    "XS-QJ": "XS-QJ",
    "XS-SH": "XS-SH",
    "ZA-DO": "ZA-OD",
    "ZA-DB": "ZA-DB",
    "ZA-RM": "ZA-RL",
    "ZA-XD": "ZA-XD",
}


def _at(value):
    """A datetime-local field (Beijing time) or None (now)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("时间格式不正确")) from None
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment


def _user(request, key):
    """The user chosen in a select (None when empty); the services check station and rank."""
    pk = request.POST.get(key) or ""
    if not pk:
        return None
    if not pk.isdigit():
        raise ValidationError(_("人员选择无效"))
    return User.objects.filter(pk=int(pk)).first()


# ---------------------------------------------------------------- list and opening


@login_required
def case_list(request):
    f = request.GET
    queryset = Case.objects.visible_to(request.user).select_related(
        "offence", "lead_officer", "unit"
    )
    q = (f.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    if f.get("kind") in CaseKind.values:
        queryset = queryset.filter(kind=f["kind"])
    if f.get("status") in CaseStatus.values:
        queryset = queryset.filter(status=f["status"])
    if (f.get("officer") or "").isdigit():
        queryset = queryset.filter(
            Q(lead_officer_id=f["officer"]) | Q(second_officer_id=f["officer"])
        )
    if f.get("flagged"):
        queryset = queryset.filter(flags__status=FlagStatus.OPEN).distinct()
    page = Paginator(queryset.order_by("-reported_at", "-pk"), PAGE_SIZE).get_page(f.get("page"))
    flagged = set(
        RedLineFlag.objects.filter(
            case_id__in=[c.pk for c in page], status=FlagStatus.OPEN
        ).values_list("case_id", flat=True)
    )
    for case in page:
        case.flagged = case.pk in flagged
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "f": f,
            "kinds": CaseKind.choices,
            "statuses": CaseStatus.choices,
            "officers": User.objects.filter(
                station_id=request.user.station_id, is_active=True, rank="police"
            ).order_by("full_name"),
            "can_create": request.user.station_id is not None
            and has_role(request.user, services.OPEN_CASE_ROLES),
            "unfiled_count": selectors.unfiled_for_user(request.user, timezone.now()).count(),
        },
    )


@login_required
def unfiled_list(request):
    """Incidents that need a case: past their review limit (有案不立) first, then those still within it."""
    now = timezone.now()
    overdue = list(
        selectors.unfiled_for_user(request.user, now)
        .select_related("category", "category__parent")
        .order_by("received_at")
    )
    pending = list(
        Incident.objects.visible_to(request.user)
        .filter(
            Q(category__requires_case=True) | Q(category__parent__requires_case=True),
            case_reference="",
        )
        .exclude(pk__in=[i.pk for i in overdue])
        .select_related("category", "category__parent")
        .order_by("received_at")[:200]
    )
    return render(request, "cases/unfiled.html", {"overdue": overdue, "pending": pending})


@login_required
def case_create(request, incident_pk=None):
    user = request.user
    if user.station_id is None or not has_role(user, services.OPEN_CASE_ROLES):
        return _forbidden(request, _("您的角色不能受案登记"))
    incident = None
    if incident_pk is not None:
        incident = get_object_or_404(
            Incident.objects.visible_to(user).select_related("category", "category__parent"),
            pk=incident_pk,
        )
    initial = {}
    if incident is not None:
        top = incident.category.top
        initial["kind"] = (
            CaseKind.CRIMINAL
            if top.case_review_kind == "criminal_filing_review"
            else CaseKind.ADMINISTRATIVE
        )
        code = OFFENCE_FOR_CATEGORY.get(incident.category.code)
        initial["offence"] = OffenceType.objects.filter(code=code).first() if code else None
        initial["title"] = f"{incident.location}{incident.category.name}案"[:200]
        initial["summary"] = incident.narrative
    form = CaseForm(request.POST or None, station=user.station, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = services.case_open(
                    actor=user,
                    kind=d["kind"],
                    offence=d["offence"],
                    title=d["title"],
                    summary=d["summary"],
                    lead_officer=d["lead_officer"],
                    second_officer=d["second_officer"],
                    reported_at=d["reported_at"],
                    incident=incident,
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _error_text(exc))
                status = 400
            else:
                messages.success(request, _("已受案登记:%(ref)s") % {"ref": case.reference})
                return redirect(case)
        else:
            status = 400
    return render(request, "cases/form.html", {"form": form, "incident": incident}, status=status)


# ---------------------------------------------------------------- detail and actions


def _case(request, pk):
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "offence",
            "lead_officer",
            "second_officer",
            "unit",
            "station",
            "source_incident",
            "community",
        ),
        pk=pk,
    )


def _detail_context(request, case, **extra):
    user = request.user
    can_act = services.can_edit_case(user, case)
    clocks = services.case_clocks(case)
    now = timezone.now()
    from fengqiao.cases import rules as case_rules

    for c in clocks:
        c.fraction = case_rules.elapsed_fraction(
            c.started_at, c.due_at, c.paused_seconds, now, c.paused_at
        )
        c.percent = min(int(c.fraction * 100), 999)
        c.warn = (
            "red"
            if c.state == "breached"
            else (
                case_rules.warning_level(c.fraction, c.rule.warning_fractions) if c.is_open else ""
            )
        )
        c.pending = [e for e in c.extensions.all() if e.decision == "pending"]
        c.decided = [e for e in c.extensions.all() if e.decision != "pending"]
        for e in c.pending:
            e.user_can_decide = can_approve(user, e) and e.requested_by_id != user.pk
    revealed = extra.pop("revealed_party", None)
    parties = list(case.parties.select_related("person"))
    for p in parties:
        _mask(p, revealed=revealed is not None and p.pk == revealed.pk)
    officers = User.objects.filter(
        station_id=case.station_id, is_active=True, rank="police"
    ).order_by("full_name")
    context = {
        "case": case,
        "can_act": can_act and case.status != CaseStatus.CLOSED,
        "can_work": can_act and case.is_open,
        "can_edit": can_act,
        "can_reveal_party": services.can_reveal_party(user, case),
        "can_review": has_role(user, CASE_ROOM_ROLES)
        and case.status == CaseStatus.CLOSED
        and not hasattr(case, "review")
        and user.pk not in (case.lead_officer_id, case.second_officer_id),
        "clocks": clocks,
        "parties": parties,
        "suspects": [p for p in parties if p.role == PartyRole.SUSPECT],
        "actions": case.actions.select_related("officer", "second_officer", "party"),
        "measures": case.measures.select_related("party"),
        "items": case.items.prefetch_related("movements__handled_by", "movements__checked_by"),
        "events": case.events.select_related("actor"),
        "flags": case.flags.select_related("assignee"),
        "review": case.review if hasattr(case, "review") else None,
        "obstacles": services.closing_obstacles(case) if case.status == CaseStatus.HANDLING else [],
        "changes": timeline_for(case),
        "officers": officers,
        "party_roles": PartyRole.choices,
        "action_kinds": [(k, v) for k, v in ActionKind.choices if k != ActionKind.PURSUIT],
        "measure_kinds": MeasureKind.choices,
        "movement_kinds": [(k, v) for k, v in MovementKind.choices if k != MovementKind.IN],
        "penalty_kinds": PenaltyKind.choices,
        "service_modes": ServiceMode.choices,
        "review_form": ReviewForm(),
    }
    context.update(extra)
    return context


@login_required
def case_detail(request, pk):
    case = _case(request, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _mask(party, *, revealed=False):
    """Parties are masked on the page; `revealed` (after a recorded reveal) shows one row whole."""
    party.name_masked, party.id_masked, party.phone_masked = (
        mask_name(party.name),
        mask_id_number(party.id_number),
        mask_phone(party.phone),
    )
    party.revealed = revealed
    return party


@never_cache
@login_required
def party_reveal(request, pk, party_pk):
    """A party's whole name, ID number and phone (HTMX swaps the party's row); every view is recorded
    with its purpose. Without HTMX the detail page comes back with that row whole."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _case(request, pk)
    party = get_object_or_404(CaseParty.objects.select_related("person"), pk=party_pk, case=case)
    htmx = bool(request.headers.get("HX-Request"))
    try:
        services.party_reveal(
            actor=request.user, party=party, purpose=request.POST.get("purpose", "")
        )
    except PermissionDenied as exc:
        return _forbidden(request, _error_text(exc))
    except ValidationError as exc:
        if htmx:
            # htmx swaps only 2xx answers: the row comes back still masked, with the reason
            return render(
                request,
                "cases/_party_row.html",
                _row_context(request, case, _mask(party), reveal_error=_error_text(exc)),
            )
        return render(
            request,
            "cases/detail.html",
            _detail_context(request, case, error=_error_text(exc)),
            status=400,
        )
    if htmx:
        return render(
            request,
            "cases/_party_row.html",
            _row_context(request, case, _mask(party, revealed=True)),
        )
    return render(
        request, "cases/detail.html", _detail_context(request, case, revealed_party=party)
    )


def _row_context(request, case, party, **extra):
    can_act = services.can_edit_case(request.user, case)
    return {
        "case": case,
        "p": party,
        "can_work": can_act and case.is_open,
        "can_reveal_party": services.can_reveal_party(request.user, case),
        **extra,
    }


def _party(case, request):
    pk = request.POST.get("party") or ""
    if not pk:
        return None
    if not pk.isdigit():
        raise ValidationError(_("当事人选择无效"))
    return get_object_or_404(CaseParty, pk=int(pk), case=case)


def _run(request, case, action):
    user, post = request.user, request.POST
    at = _at(post.get("at"))
    if action == "accept":
        services.case_accept(actor=user, case=case, at=at)
    elif action == "file":
        services.case_file(actor=user, case=case, at=at)
    elif action == "refuse":
        services.case_refuse(actor=user, case=case, reason=post.get("reason", ""), at=at)
    elif action == "serve_notice":
        services.case_serve_notice(actor=user, case=case, at=at)
    elif action == "party":
        services.party_add(
            actor=user,
            case=case,
            role=post.get("role", ""),
            name=post.get("name", ""),
            id_number=post.get("id_number", ""),
            phone=post.get("phone", ""),
        )
    elif action == "fled":
        services.party_fled(
            actor=user,
            party=get_object_or_404(CaseParty, pk=post.get("party") or 0, case=case),
            at=at,
        )
    elif action == "pursue":
        services.party_pursue(
            actor=user,
            party=get_object_or_404(CaseParty, pk=post.get("party") or 0, case=case),
            note=post.get("note", ""),
            at=at,
        )
    elif action == "work":
        services.action_record(
            actor=user,
            case=case,
            kind=post.get("kind", ""),
            note=post.get("note", ""),
            officer=_user(request, "officer"),
            second_officer=_user(request, "second_officer"),
            party=_party(case, request),
            at=at,
        )
    elif action == "appraisal_start":
        services.appraisal_start(actor=user, case=case, note=post.get("note", ""), at=at)
    elif action == "appraisal_end":
        services.appraisal_end(actor=user, case=case, note=post.get("note", ""), at=at)
    elif action == "measure":
        services.measure_start(
            actor=user,
            case=case,
            kind=post.get("kind", ""),
            party=_party(case, request),
            note=post.get("note", ""),
            at=at,
        )
    elif action in ("measure_step", "measure_end"):
        measure = get_object_or_404(CoerciveMeasure, pk=post.get("measure") or 0, case=case)
        if action == "measure_step":
            services.measure_step(actor=user, measure=measure, step=post.get("step", ""), at=at)
        else:
            services.measure_end(
                actor=user, measure=measure, outcome=post.get("outcome", ""), at=at
            )
    elif action == "item":
        measure = None
        if (post.get("measure") or "").isdigit():
            measure = get_object_or_404(CoerciveMeasure, pk=post["measure"], case=case)
        services.item_register(
            actor=user,
            case=case,
            description=post.get("description", ""),
            quantity=post.get("quantity", "1"),
            location=post.get("location", ""),
            seized=post.get("seized") == "1",
            owner=post.get("owner", ""),
            handled_by=_user(request, "handled_by"),
            checked_by=_user(request, "checked_by"),
            measure=measure,
            at=at,
        )
    elif action == "move":
        item = get_object_or_404(EvidenceItem, pk=post.get("item") or 0, case=case)
        services.item_move(
            actor=user,
            item=item,
            kind=post.get("kind", ""),
            handled_by=_user(request, "handled_by"),
            checked_by=_user(request, "checked_by"),
            location=post.get("location", ""),
            note=post.get("note", ""),
            at=at,
        )
    elif action == "extend":
        clock = next(
            (c for c in services.case_clocks(case) if str(c.pk) == post.get("clock")), None
        )
        if clock is None:
            raise ValidationError(_("请选择要延长的时限"))
        services.extension_request(
            actor=user,
            case=case,
            clock=clock,
            option_key=post.get("option", ""),
            reason=post.get("reason", ""),
        )
    elif action == "penalty":
        services.penalty_decide(
            actor=user,
            case=case,
            penalty_kind=post.get("penalty_kind", ""),
            text=post.get("text", ""),
            mode=post.get("mode", ""),
            at=at,
        )
    elif action == "penalty_serve":
        services.penalty_serve(actor=user, case=case, at=at)
    elif action == "penalty_execute":
        services.penalty_execute(actor=user, case=case, note=post.get("note", ""), at=at)
    elif action == "close":
        services.case_close(actor=user, case=case, summary=post.get("summary", ""), at=at)
    elif action == "review":
        form = ReviewForm(post)
        if not form.is_valid():
            raise ValidationError(_("每项评分必须是0至25的整数"))
        d = form.cleaned_data
        services.case_review(
            actor=user,
            case=case,
            legality=d["legality"],
            timeliness=d["timeliness"],
            evidence=d["evidence"],
            procedure=d["procedure"],
            note=d["note"],
        )
    else:
        return False
    return True


@login_required
def case_action(request, pk, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _case(request, pk)
    try:
        if not _run(request, case, action):
            return _forbidden(request, _("未知操作"))
    except PermissionDenied as exc:
        return _forbidden(request, _error_text(exc) or _("无权办理该案件"))
    except ValidationError as exc:
        case = _case(request, pk)
        return render(
            request,
            "cases/detail.html",
            _detail_context(request, case, error=_error_text(exc)),
            status=400,
        )
    messages.success(request, _("已保存"))
    return redirect(case)


@login_required
def extension_decide(request, pk, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    extension = get_object_or_404(ClockExtension.objects.select_related("clock"), pk=pk)
    case = services.case_for_clock(extension.clock)
    if case is None or not Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
        return _forbidden(request, _("无权审批该延长申请"))
    try:
        if action == "approve":
            services.extension_approve(
                actor=request.user, extension=extension, note=request.POST.get("note", "")
            )
        elif action == "reject":
            services.extension_reject(
                actor=request.user, extension=extension, note=request.POST.get("note", "")
            )
        else:
            return _forbidden(request, _("未知操作"))
    except PermissionDenied as exc:
        return _forbidden(request, _error_text(exc))
    except ValidationError as exc:
        return render(
            request,
            "cases/detail.html",
            _detail_context(request, case, error=_error_text(exc)),
            status=400,
        )
    messages.success(request, _("已审批"))
    return redirect(case)


# ---------------------------------------------------------------- the case room


@login_required
def room(request):
    user = request.user
    now = timezone.now()
    if user.station_id:
        services.flags_sync(station=user.station, now=now)
    kind = request.GET.get("kind", "")
    level = request.GET.get("level", "")
    rows = selectors.board(
        user,
        now,
        kind=kind if kind in CaseKind.values else "",
        level=level if level in ("red", "orange", "yellow") else "",
    )
    flags = list(selectors.open_flags(user).order_by("kind", "raised_at"))
    closed = (
        RedLineFlag.objects.visible_to(user)
        .filter(status=FlagStatus.CLOSED)
        .select_related("closed_by", "officer", "unit")
        .order_by("-closed_at")[:20]
    )
    counts = selectors.red_line_counts(user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/room.html",
        {
            "rows": page.object_list,
            "page": page,
            "total": len(rows),
            "flags": flags,
            "closed_flags": closed,
            "counts": counts,
            "flag_kinds": FlagKind.choices,
            "kinds": CaseKind.choices,
            "f": request.GET,
            "is_room": has_role(user, CASE_ROOM_ROLES),
            "officers": User.objects.filter(station_id=user.station_id, is_active=True).order_by(
                "full_name"
            ),
            "levels": {
                "red": sum(r.level == "red" for r in rows),
                "orange": sum(r.level == "orange" for r in rows),
                "yellow": sum(r.level == "yellow" for r in rows),
            },
        },
    )


@login_required
def flag_action(request, pk, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    flag = get_object_or_404(RedLineFlag.objects.visible_to(request.user), pk=pk)
    try:
        if action == "assign":
            services.flag_assign(actor=request.user, flag=flag, assignee=_user(request, "assignee"))
        elif action == "explain":
            services.flag_explain(actor=request.user, flag=flag, text=request.POST.get("text", ""))
        elif action == "close":
            services.flag_close(actor=request.user, flag=flag, note=request.POST.get("note", ""))
        else:
            return _forbidden(request, _("未知操作"))
    except PermissionDenied as exc:
        return _forbidden(request, _error_text(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(f"{flag.get_absolute_url()}")
    messages.success(request, _("已保存"))
    return redirect(flag.get_absolute_url())


# ---------------------------------------------------------------- weekly summary


@login_required
def weekly(request, pk=None):
    user = request.user
    summaries = WeeklySummary.objects.visible_to(user)
    if request.method not in ("GET", "HEAD") and (pk is not None or request.method != "POST"):
        # Generating is the list page's POST: a summary's own page is read only (issue 19: a POST
        # there generated a summary whatever the id, another station's included).
        return HttpResponseNotAllowed(
            ["GET", "HEAD"] if pk is not None else ["GET", "HEAD", "POST"]
        )
    if request.method == "POST":
        if not has_role(user, CASE_ROOM_ROLES) or user.station_id is None:
            return _forbidden(request, _("只有案管室民警或所领导可以生成周汇总"))
        try:
            day = dt.date.fromisoformat(
                request.POST.get("week") or timezone.localdate().isoformat()
            )
        except ValueError:
            messages.error(request, _("日期格式不正确"))
            return redirect("cases:weekly")
        if day > timezone.localdate():
            messages.error(request, _("不能生成未来一周的汇总"))
            return redirect("cases:weekly")
        summary = services.weekly_generate(actor=user, station=user.station, monday=week_start(day))
        messages.success(request, _("已生成周汇总"))
        return redirect(summary)
    summary = get_object_or_404(summaries, pk=pk) if pk else summaries.first()
    chart = None
    if summary is not None:
        chart = {
            "weeks": selectors.recent_weeks(
                summary.station, dt.date.fromisoformat(summary.data["week_start"])
            ),
            "units": summary.data["by_unit"],
            "ranking": summary.data["by_officer"][:10],
            "flags": summary.data["totals"]["flags_by_kind"],
            "labels": {
                "received": _("受案"),
                "filed": _("受理/立案"),
                "closed": _("结案"),
                "flags": _("红线问题"),
                **{k: str(v) for k, v in FlagKind.choices},
                "score": _("得分"),
            },
        }
    return render(
        request,
        "cases/weekly.html",
        {
            "summary": summary,
            "summaries": summaries[:30],
            "chart": chart,
            "can_generate": has_role(user, CASE_ROOM_ROLES) and user.station_id is not None,
            "this_monday": week_start(timezone.localdate()),
        },
    )


@login_required
def weekly_download(request, pk, fmt):
    summary = get_object_or_404(WeeklySummary.objects.visible_to(request.user), pk=pk)
    name = f"案管周汇总_{summary.week_start:%Y%m%d}"
    if fmt == "docx":
        body = documents.summary_docx(summary.data)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "xlsx":
        body = documents.summary_xlsx(summary.data)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        return _forbidden(request, _("未知格式"))
    response = HttpResponse(body, content_type=mime)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


# ---------------------------------------------------------------- offence table


@login_required
def offence_list(request, pk=None):
    """The offence table: everyone reads it; administrators and the county bureau edit it."""
    return editable_table(
        request,
        model=OffenceType,
        pk=pk,
        form_class=OffenceForm,
        can_manage=can_manage_rules(request.user),
        save=lambda instance, data: services.offence_save(
            actor=request.user, instance=instance, **data
        ),
        refusal=_("案由表对全部派出所生效,只有系统管理员可以修改"),
        template="cases/offences.html",
        success_url="cases:offence_list",
        context={"offences": OffenceType.objects.all()},
    )
