"""矛盾纠纷 pages: list (filters, paging, masked phones), registration, detail with the level form,
一案一策 plan and its printable report, and the red-disputes board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.accounts.models import User
from fengqiao.core.history import timeline_for
from fengqiao.core.masking import mask_id_number, mask_phone
from fengqiao.core.services import clocks_for
from fengqiao.disputes import services
from fengqiao.disputes.choices import (
    ExcludedOffence,
    Level,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from fengqiao.disputes.models import Dispute, DisputeType, MediationChannel, StabilisationMeasure
from fengqiao.disputes.selectors import OPEN_STATUSES
from fengqiao.registry.models import Community, Person
from fengqiao.registry.selectors import person_search

PAGE_SIZE = 50
PARTY_ROWS = 4
MEASURE_ROWS = 4


def _forbidden(request, message):
    return render(request, "registry/forbidden.html", {"message": message}, status=403)


def _error_text(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


def _station_users(user):
    return User.objects.filter(station_id=user.station_id, is_active=True).order_by("full_name")


def _filter(queryset, params):
    for name in ("level", "status"):
        if params.get(name):
            queryset = queryset.filter(**{name: params[name]})
    for name, field in (
        ("type", "dispute_type_id"),
        ("community", "community_id"),
        ("owner", "owner_id"),
    ):
        value = params.get(name, "")
        if value.isdigit():
            queryset = queryset.filter(**{field: int(value)})
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(reference__icontains=q)
            | Q(parties__name__icontains=q)
            | Q(parties__phone__icontains=q)
        ).distinct()
    return queryset


@login_required
def dispute_list(request):
    queryset = _filter(
        Dispute.objects.visible_to(request.user).select_related(
            "dispute_type", "community", "owner"
        ),
        request.GET,
    ).prefetch_related("parties")
    page = Paginator(queryset.order_by("-registered_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for d in page:
        d.party_list = [(p.name, mask_phone(p.phone)) for p in d.parties.all()]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "disputes/list.html",
        {
            "page": page,
            "f": request.GET,
            "query": params.urlencode(),
            "levels": Level.choices,
            "statuses": Status.choices,
            "types": DisputeType.objects.filter(active=True),
            "communities": Community.objects.visible_to(request.user),
            "owners": _station_users(request.user),
        },
    )


@login_required
def red_board(request):
    disputes = (
        Dispute.objects.visible_to(request.user)
        .filter(level=Level.RED, status__in=OPEN_STATUSES)
        .select_related("dispute_type", "community", "owner", "plan")
        .order_by("registered_at")
    )
    return render(request, "disputes/red_board.html", {"disputes": disputes})


def _parties_from_post(post, user):
    parties = []
    for i in range(PARTY_ROWS):
        name = post.get(f"party-{i}-name", "").strip()
        person_id = post.get(f"party-{i}-person", "")
        person = (
            Person.objects.visible_to(user).filter(pk=person_id).first()
            if person_id.isdigit()
            else None
        )
        if not name and person is None:
            continue
        role = post.get(f"party-{i}-role") or PartyRole.APPLICANT
        if role not in PartyRole.values:
            role = PartyRole.OTHER
        parties.append(
            {
                "person": person,
                "name": name or (person.name if person else ""),
                "id_number": post.get(f"party-{i}-id_number", "").strip(),
                "phone": post.get(f"party-{i}-phone", "").strip(),
                "role": role,
                "high_risk": post.get(f"party-{i}-high_risk") == "1",
            }
        )
    return parties


def _decimal(value):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValidationError({"amount": _("金额格式不正确")}) from exc


@login_required
def dispute_create(request):
    user = request.user
    if user.station_id is None:
        return _forbidden(request, _("只能在本所登记纠纷"))
    context = {
        "types": DisputeType.objects.filter(active=True),
        "sources": Source.choices,
        "communities": Community.objects.visible_to(user),
        "owners": _station_users(user),
        "roles": PartyRole.choices,
        "party_rows": range(PARTY_ROWS),
        "levels": Level.choices,
        "post": request.POST,
    }
    if request.method == "POST":
        post = request.POST
        try:
            fields = {
                "dispute_type": get_object_or_404(
                    DisputeType, pk=post.get("dispute_type") or 0, active=True
                ),
                "narrative": post.get("narrative", ""),
                "location": post.get("location", "").strip(),
                "source": post.get("source")
                if post.get("source") in Source.values
                else Source.VISIT,
                "amount": _decimal(post.get("amount")),
            }
            if post.get("community"):
                fields["community"] = get_object_or_404(
                    Community.objects.visible_to(user), pk=post["community"]
                )
            if post.get("owner"):
                fields["owner"] = get_object_or_404(_station_users(user), pk=post["owner"])
            level = post.get("level") if post.get("level") in Level.values else None
            dispute = services.dispute_register(
                actor=user,
                parties=_parties_from_post(post, user),
                level=level,
                reason=post.get("reason", ""),
                **fields,
            )
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            context["error"] = _error_text(exc)
            return render(request, "disputes/form.html", context, status=400)
        messages.success(request, _("纠纷已登记:%(ref)s") % {"ref": dispute.reference})
        return redirect(dispute)
    return render(request, "disputes/form.html", context)


@login_required
def dispute_detail(request, pk):
    dispute = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related(
            "dispute_type", "community", "owner"
        ),
        pk=pk,
    )
    can_edit = Dispute.objects.editable_by(request.user).filter(pk=pk).exists()
    parties = list(dispute.parties.all())
    for p in parties:
        p.phone_masked = mask_phone(p.phone)
    plan = getattr(dispute, "plan", None)
    return render(
        request,
        "disputes/detail.html",
        {
            "d": dispute,
            "parties": parties,
            "can_edit": can_edit,
            "plan": plan,
            "measures": plan.measures.select_related("responsible") if plan else [],
            "levels": Level.choices,
            "events": dispute.events.select_related("actor"),
            "changes": timeline_for(dispute),
            "clocks": clocks_for(dispute),
            "owners": _station_users(request.user),
            "measure_rows": range(MEASURE_ROWS),
            "channels": MediationChannel.objects.filter(active=True),
            "excluded": ExcludedOffence.choices,
            "outcomes": SessionOutcome.choices,
            "roles": PartyRole.choices,
            "sessions": dispute.sessions.select_related("channel").prefetch_related("mediators"),
        },
    )


@login_required
@require_POST
def dispute_level(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    try:
        services.dispute_set_level(
            actor=request.user,
            dispute=dispute,
            level=request.POST.get("level", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("等级已调整"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except (ValidationError, ValueError) as exc:
        messages.error(request, _error_text(exc))
    return redirect(dispute)


@login_required
@require_POST
def plan_create(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    post = request.POST
    measures = []
    try:
        for i in range(MEASURE_ROWS):
            what = post.get(f"measure-{i}-what", "").strip()
            if not what:
                continue
            responsible = User.objects.filter(
                station_id=dispute.station_id, pk=post.get(f"measure-{i}-responsible") or 0
            ).first()
            try:
                due = dt.date.fromisoformat(post.get(f"measure-{i}-due_date", ""))
            except ValueError:
                due = None
            measures.append(
                {
                    "what": what,
                    "responsible": responsible,
                    "due_date": due,
                    "note": post.get(f"measure-{i}-note", ""),
                }
            )
        services.plan_file(
            actor=request.user, dispute=dispute, summary=post.get("summary", ""), measures=measures
        )
        messages.success(request, _("一案一策已备案"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(dispute)


@login_required
def plan_report(request, pk):
    dispute = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related("plan"), pk=pk
    )
    plan = getattr(dispute, "plan", None)
    if plan is None:
        return redirect(dispute)
    return render(
        request,
        "disputes/plan_report.html",
        {
            "d": dispute,
            "plan": plan,
            "measures": plan.measures.select_related("responsible"),
            "parties": dispute.parties.all(),
        },
    )


@login_required
@require_POST
def measure_done_view(request, pk):
    measure = get_object_or_404(
        StabilisationMeasure.objects.filter(
            plan__dispute__in=Dispute.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    try:
        services.measure_done(
            actor=request.user, measure=measure, note=request.POST.get("note", "")
        )
        messages.success(request, _("措施已完成"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(measure.plan.dispute)


@login_required
@require_POST
def dispute_accept_view(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    channel = MediationChannel.objects.filter(pk=request.POST.get("channel") or 0).first()
    try:
        if channel is None:
            raise ValidationError(_("请选择调解渠道"))
        services.dispute_accept(
            actor=request.user,
            dispute=dispute,
            channel=channel,
            excluded_offences=request.POST.getlist("excluded"),
        )
        messages.success(request, _("已受理调解"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(dispute)


@login_required
@require_POST
def session_create(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    post = request.POST
    try:
        try:
            held_at = dt.datetime.fromisoformat(post.get("held_at", ""))
        except ValueError as exc:
            raise ValidationError(_("请填写调解时间")) from exc
        if timezone.is_naive(held_at):
            held_at = timezone.make_aware(held_at)
        if post.get("outcome") not in SessionOutcome.values:
            raise ValidationError(_("请选择调解结果"))
        mediators = list(
            _station_users(request.user).filter(
                pk__in=[int(x) for x in post.getlist("mediators") if x.isdigit()]
            )
        )
        services.session_record(
            actor=request.user,
            dispute=dispute,
            held_at=held_at,
            outcome=post["outcome"],
            mediators=mediators,
            place=post.get("place", ""),
            other_mediators=post.get("other_mediators", ""),
            attendees=post.get("attendees", ""),
            law_notes=post.get("law_notes", ""),
            reason_notes=post.get("reason_notes", ""),
            feeling_notes=post.get("feeling_notes", ""),
        )
        messages.success(request, _("调解记录已保存"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(dispute)


@login_required
def lookup_person(request):
    """HTMX: registered people matching a party's name, ID number or phone (masked), to pick one."""
    row = request.GET.get("row", "0")
    row = int(row) if row.isdigit() and int(row) < PARTY_ROWS else 0
    text = (request.GET.get(f"party-{row}-q") or "").strip()
    people = []
    if len(text) >= 2:
        people = list(
            person_search(Person.objects.visible_to(request.user), text).select_related(
                "community"
            )[:8]
        )
        for p in people:
            p.id_masked, p.phone_masked = mask_id_number(p.id_number), mask_phone(p.phone)
    return render(
        request, "disputes/_person_lookup.html", {"people": people, "row": row, "text": text}
    )


@login_required
def trigger_list(request, pk=None):
    """The warning-trigger table: everyone reads it; administrators and the county bureau edit it."""
    from fengqiao.disputes.forms import TriggerForm
    from fengqiao.disputes.models import WarningTrigger

    can_manage = services.can_manage_triggers(request.user)
    instance = get_object_or_404(WarningTrigger, pk=pk) if pk else None
    form = TriggerForm(request.POST or None, instance=instance) if can_manage else None
    error, status = "", 200
    if request.method == "POST":
        if not can_manage:
            return _forbidden(request, _("预警规则对全部派出所生效,只有系统管理员或县局可以修改"))
        if form.is_valid():
            try:
                services.trigger_save(actor=request.user, trigger=instance, **form.cleaned_data)
            except ValidationError as exc:
                error, status = _error_text(exc), 400
            else:
                messages.success(request, _("已保存"))
                return redirect("disputes:trigger_list")
        else:
            status = 400
    return render(
        request,
        "disputes/triggers.html",
        {
            "triggers": WarningTrigger.objects.all(),
            "form": form,
            "instance": instance,
            "error": error,
            "can_manage": can_manage,
        },
        status=status,
    )


@login_required
@require_POST
def dispute_edit(request, pk):
    """Change the facts (the suggestion is recomputed; the level itself only by the level form)."""
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    post = request.POST
    try:
        changes = {
            "narrative": post.get("narrative", dispute.narrative),
            "notes": post.get("notes", dispute.notes),
            "location": post.get("location", dispute.location).strip(),
            "amount": _decimal(post.get("amount")),
        }
        owner_id = post.get("owner", "")
        changes["owner"] = (
            _station_users(request.user).filter(pk=owner_id).first() if owner_id.isdigit() else None
        )
        if not (changes["narrative"] or "").strip():
            raise ValidationError({"narrative": _("请填写纠纷情况")})
        services.dispute_update(actor=request.user, dispute=dispute, **changes)
        messages.success(request, _("已保存"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(dispute)


@login_required
@require_POST
def party_add(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    parties = _parties_from_post(request.POST, request.user)
    try:
        if not parties:
            raise ValidationError({"parties": _("当事人姓名必填")})
        services.dispute_party_add(actor=request.user, dispute=dispute, **parties[0])
        messages.success(request, _("已保存"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(dispute)


@login_required
def dispute_from_incident(request, incident_pk):
    """Open the dispute file of a 纠纷 incident in one step. GET: the confirmation form prefilled from the
    incident (caller as applicant, place, narrative, community). POST: creates the file with the incident
    linked; when the incident already has a file, goes to it (idempotent)."""
    from fengqiao.incidents.models import Incident

    incident = get_object_or_404(
        Incident.objects.visible_to(request.user).select_related("category", "community"),
        pk=incident_pk,
    )
    existing = Dispute.objects.filter(source_incident=incident).first()
    if existing is not None:
        if request.method == "POST":
            messages.info(request, _("该警情已建纠纷档案:%(ref)s") % {"ref": existing.reference})
        return redirect(existing)
    user = request.user
    if user.station_id is None:
        return _forbidden(request, _("只能在本所登记纠纷"))
    defaults = services.incident_defaults(incident)
    context = {
        "incident": incident,
        "types": DisputeType.objects.filter(active=True),
        "communities": Community.objects.visible_to(user),
        "owners": _station_users(user),
        "roles": PartyRole.choices,
        "levels": Level.choices,
        "party_rows": range(PARTY_ROWS),
        "initial": {
            "dispute_type": defaults["dispute_type"].pk if defaults["dispute_type"] else None,
            "narrative": defaults["narrative"],
            "location": defaults["location"],
            "community": defaults["community"].pk if defaults["community"] else None,
            "owner": user.pk,
        },
        "initial_parties": defaults["parties"] + [{"role": PartyRole.RESPONDENT}],
    }
    if request.method == "POST":
        post = request.POST
        try:
            fields = {
                "dispute_type": get_object_or_404(
                    DisputeType, pk=post.get("dispute_type") or 0, active=True
                ),
                "narrative": post.get("narrative", ""),
                "location": post.get("location", "").strip(),
                "amount": _decimal(post.get("amount")),
                "parties": _parties_from_post(post, user),
                "community": None,
                "owner": None,
            }
            if post.get("community"):
                fields["community"] = get_object_or_404(
                    Community.objects.visible_to(user), pk=post["community"]
                )
            if post.get("owner"):
                fields["owner"] = get_object_or_404(_station_users(user), pk=post["owner"])
            level = post.get("level") if post.get("level") in Level.values else None
            dispute, created = services.dispute_from_incident(
                actor=user, incident=incident, level=level, reason=post.get("reason", ""), **fields
            )
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            context["error"] = _error_text(exc)
            context["initial"] = {
                k: post.get(k, "")
                for k in ("dispute_type", "narrative", "location", "community", "owner", "amount")
            }
            context["initial_parties"] = [
                {
                    "name": post.get(f"party-{i}-name", ""),
                    "phone": post.get(f"party-{i}-phone", ""),
                    "id_number": post.get(f"party-{i}-id_number", ""),
                    "role": post.get(f"party-{i}-role", ""),
                    "person": None,
                }
                for i in range(PARTY_ROWS)
            ]
            return render(request, "disputes/from_incident.html", _party_rows(context), status=400)
        if created:
            messages.success(request, _("纠纷已登记:%(ref)s") % {"ref": dispute.reference})
        else:
            messages.info(request, _("该警情已建纠纷档案:%(ref)s") % {"ref": dispute.reference})
        return redirect(dispute)
    return render(request, "disputes/from_incident.html", _party_rows(context))


def _party_rows(context):
    """Pad the initial parties to PARTY_ROWS rows (the template loops over them)."""
    rows = list(context["initial_parties"])[:PARTY_ROWS]
    rows += [{} for _i in range(PARTY_ROWS - len(rows))]
    for i, row in enumerate(rows):
        row["index"] = i
        person = row.get("person")
        row["person_id"] = person.pk if person else ""
    context["party_list"] = rows
    return context
