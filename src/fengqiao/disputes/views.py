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
from django.views.decorators.http import require_http_methods, require_POST

from fengqiao.accounts.models import User
from fengqiao.core import masking
from fengqiao.core.history import timeline_for
from fengqiao.core.masking import mask_id_number, mask_phone
from fengqiao.core.services import clocks_for
from fengqiao.core.web import error_text as _error_text
from fengqiao.core.web import forbidden as _forbidden
from fengqiao.core.web import post_action
from fengqiao.disputes import services
from fengqiao.disputes.choices import (
    AgreementStatus,
    ExcludedOffence,
    Level,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from fengqiao.disputes.models import (
    Dispute,
    DisputeType,
    MediationChannel,
    StabilisationMeasure,
    StabilisationPlan,
)
from fengqiao.disputes.rules import MEASURE_ROLES, MEDIATOR_ROLES
from fengqiao.disputes.selectors import OPEN_STATUSES
from fengqiao.registry import number_search
from fengqiao.registry.models import Community, Person

PAGE_SIZE = 50
RED_BOARD_PAGE_SIZE = 20  # each red file is a card with its reasons
PARTY_ROWS = 4
MEASURE_ROWS = 4
ADD_MEASURE_ROWS = 3


def _station_users(user, roles=None, station_id=None):
    """The active people of a station (the user's, or the record's) who may hold `roles` (default:
    责任人, disputes.rules.OWNER_ROLES) — never the auditor, the administrator or the bureau."""
    from fengqiao.disputes.rules import OWNER_ROLES

    return User.objects.filter(
        station_id=station_id or user.station_id, is_active=True, role__in=roles or OWNER_ROLES
    ).order_by("full_name")


def _filter(queryset, params, *, user=None):
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
            | masking.phone_match("parties__phone", q, user, partial="icontains")
        ).distinct()
    return queryset


@login_required
def dispute_list(request):
    queryset = _filter(
        Dispute.objects.visible_to(request.user).select_related(
            "dispute_type", "community", "owner"
        ),
        request.GET,
        user=request.user,
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
            # a county (bureau) user has no station to register a file in (dispute_create refuses)
            "can_register": request.user.station_id is not None,
            "owners": _station_users(request.user),
        },
    )


@login_required
def red_board(request):
    disputes = (
        Dispute.objects.visible_to(request.user)
        .filter(level=Level.RED, status__in=OPEN_STATUSES)
        .select_related("dispute_type", "community", "owner", "plan")
        .order_by("registered_at", "pk")
    )
    page = Paginator(disputes, RED_BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/red_board.html",
        {"disputes": page.object_list, "page": page, "total": page.paginator.count},
    )


def _parties_from_post(post, user, *, incident=None):
    """The party rows of a form. A row carried over from `incident` (its caller) may leave the ID
    number and phone empty: the form showed them masked, the incident and the person hold them."""
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
        phone = post.get(f"party-{i}-phone", "").strip()
        if not phone and incident is not None and post.get(f"party-{i}-from_incident") == "1":
            phone = incident.caller_phone
        parties.append(
            {
                "person": person,
                "name": name or (person.name if person else ""),
                "id_number": post.get(f"party-{i}-id_number", "").strip(),
                "phone": phone,
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
        # a GET may prefill (e.g. from a screening call that reported something)
        "post": request.POST if request.method == "POST" else request.GET,
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
        if post.get("screening", "").isdigit():
            services.screening_link_dispute(
                actor=user, call_id=int(post["screening"]), dispute=dispute
            )
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
        p.phone_masked, p.id_masked = mask_phone(p.phone), mask_id_number(p.id_number)
    agreements = dispute.agreements_newest_first()
    agreement = next((a for a in agreements if a.in_force), None)
    terms = (
        list(agreement.terms.select_related("obligor").prefetch_related("visits__visited_by"))
        if agreement
        else []
    )
    earlier = [a for a in agreements if a is not agreement]
    for a in earlier:
        a.term_list = list(a.terms.select_related("obligor").prefetch_related("visits__visited_by"))
    links = list(dispute.incident_links.select_related("incident", "incident__category"))
    for link in links:
        link.later_offence = (
            link.incident.received_at > dispute.registered_at
            and link.incident.category.requires_case
        )
    from fengqiao.disputes.choices import CHECK_RESULTS, AgreementForm

    kept = request.session.pop("agreement_post", {})
    term_rows = [
        {
            "i": i,
            **{f: kept.get(f"term-{i}-{f}", "") for f in ("what", "obligor", "how", "due_date")},
        }
        for i in range(TERM_ROWS)
    ]
    return render(
        request,
        "disputes/detail.html",
        {
            "agreement": agreement,
            "earlier_agreements": earlier,
            "terms": terms,
            "links": links,
            "term_rows": term_rows,
            "kept_signed": [int(x) for x in kept.get("signed", []) if str(x).isdigit()],
            "check_results": [(r.value, r.label) for r in CHECK_RESULTS],
            "agreement_forms": AgreementForm.choices,
            "agreement_post": kept,
            "fail_post": request.session.pop("agreement_fail_post", {}),
            "today": timezone.localdate(),
            "d": dispute,
            "parties": parties,
            "levels": Level.choices,
            "events": dispute.events.select_related("actor"),
            "changes": timeline_for(dispute),
            "clocks": clocks_for(dispute),
            **_plan_context(
                request,
                dispute,
                can_edit,
                plan_post=request.session.pop("plan_post", {}),
                revise_post=request.session.pop("plan_revise_post", None),
            ),
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
        messages.error(request, _error_text(exc), extra_tags="form-level")
    return redirect(f"{dispute.get_absolute_url()}#level")


def _plan_context(request, dispute, can_edit, *, plan_post=None, revise_post=None, errors=()):
    """What the 一案一策 panel (`disputes/_plan.html`) needs: the plan and its measures, the filing
    form (red dispute without a plan) or the revision form, with the input kept after a refusal."""
    plan = StabilisationPlan.objects.filter(dispute=dispute).select_related("revised_by").first()
    plan_post = plan_post or {}
    measure_rows = [
        {
            "i": i,
            **{
                f: plan_post.get(f"measure-{i}-{f}", "")
                for f in ("what", "responsible", "due_date")
            },
        }
        for i in range(MEASURE_ROWS)
    ]
    revise_post = revise_post or {}
    add_rows = [
        {
            "i": i,
            **{f: revise_post.get(f"add-{i}-{f}", "") for f in ("what", "responsible", "due_date")},
        }
        for i in range(ADD_MEASURE_ROWS)
    ]
    return {
        "d": dispute,
        "can_edit": can_edit,
        "plan": plan,
        "measures": (plan.measures.select_related("responsible", "cancelled_by") if plan else []),
        "owners": _station_users(request.user, station_id=dispute.station_id),
        "mediator_choices": _station_users(
            request.user, MEDIATOR_ROLES, station_id=dispute.station_id
        ),
        "responsible_choices": _station_users(
            request.user, MEASURE_ROLES, station_id=dispute.station_id
        ),
        "measure_rows": measure_rows,
        "plan_post": plan_post,
        "add_rows": add_rows,
        "revise_post": revise_post,
        "revise_cancel": [int(x) for x in revise_post.get("cancel", []) if str(x).isdigit()],
        "revise_errors": list(errors),
    }


def _measures_from_post(post, dispute, prefix, rows):
    """Measure rows of a form (`<prefix>-<i>-what|responsible|due_date|note`); a row without text is
    skipped, an unknown person or a bad date is left empty for the service to refuse."""
    measures = []
    for i in range(rows):
        what = post.get(f"{prefix}-{i}-what", "").strip()
        if not what:
            continue
        responsible = User.objects.filter(
            station_id=dispute.station_id,
            is_active=True,
            role__in=MEASURE_ROLES,
            pk=post.get(f"{prefix}-{i}-responsible") or 0,
        ).first()
        try:
            due = dt.date.fromisoformat(post.get(f"{prefix}-{i}-due_date", ""))
        except ValueError:
            due = None
        measures.append(
            {
                "what": what,
                "responsible": responsible,
                "due_date": due,
                "note": post.get(f"{prefix}-{i}-note", ""),
            }
        )
    return measures


def _kept(post) -> dict:
    return {k: post.get(k) for k in post if k != "csrfmiddlewaretoken"}


@login_required
@require_POST
def plan_create(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    post = request.POST
    try:
        services.plan_file(
            actor=request.user,
            dispute=dispute,
            summary=post.get("summary", ""),
            measures=_measures_from_post(post, dispute, "measure", MEASURE_ROWS),
        )
        messages.success(request, _("一案一策已备案"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc), extra_tags="form-plan")
        request.session["plan_post"] = _kept(post)
    return redirect(f"{dispute.get_absolute_url()}#plan")


@login_required
@require_POST
def plan_revise_view(request, pk):
    """Revise the plan (new summary, measures added or cancelled, a reason). With htmx the plan panel
    comes back in place — with the error and the input kept when refused (200: htmx swaps 2xx only);
    without it, the dispute page as for the other forms."""
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    plan = get_object_or_404(StabilisationPlan, dispute=dispute)
    htmx = bool(request.headers.get("HX-Request"))
    post = request.POST
    kept = {**_kept(post), "cancel": post.getlist("cancel")}
    errors = []
    try:
        services.plan_revise(
            actor=request.user,
            plan=plan,
            summary=post.get("summary"),
            add_measures=_measures_from_post(post, dispute, "add", ADD_MEASURE_ROWS),
            cancel_measures=[int(x) for x in post.getlist("cancel") if x.isdigit()],
            reason=post.get("reason", ""),
        )
        kept = None
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        errors = [_error_text(exc)]
    can_edit = Dispute.objects.editable_by(request.user).filter(pk=pk).exists()
    dispute.refresh_from_db()
    if htmx:
        context = _plan_context(request, dispute, can_edit, revise_post=kept, errors=errors)
        context["revised"] = not errors
        return render(request, "disputes/_plan.html", context)
    if errors:
        messages.error(request, errors[0], extra_tags="form-plan")
        request.session["plan_revise_post"] = kept
    else:
        messages.success(request, _("一案一策已修订"))
    return redirect(f"{dispute.get_absolute_url()}#plan")


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
            "measures": plan.measures.filter(cancelled_at__isnull=True).select_related(
                "responsible"
            ),
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
    return post_action(
        request,
        measure.plan.dispute,
        lambda: services.measure_done(
            actor=request.user, measure=measure, note=request.POST.get("note", "")
        ),
        _("措施已完成"),
    )


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
        messages.error(request, _error_text(exc), extra_tags="form-mediation")
    return redirect(f"{dispute.get_absolute_url()}#mediation")


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
            _station_users(request.user, MEDIATOR_ROLES, station_id=dispute.station_id).filter(
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
        messages.error(request, _error_text(exc), extra_tags="form-mediation")
    return redirect(f"{dispute.get_absolute_url()}#mediation")


@login_required
def lookup_person(request):
    """HTMX: registered people matching a party's name, ID number or phone (masked), to pick one."""
    row = request.GET.get("row", "0")
    row = int(row) if row.isdigit() and int(row) < PARTY_ROWS else 0
    text = (request.GET.get(f"party-{row}-q") or "").strip()
    people, refused = [], ""
    if len(text) >= 2:
        try:
            people = list(
                number_search.search(
                    request.user, Person.objects.visible_to(request.user), text
                ).select_related("community")[:8]
            )
        except number_search.NumberSearchLimited as exc:
            refused = str(exc.detail)
        for p in people:
            p.id_masked, p.phone_masked = mask_id_number(p.id_number), mask_phone(p.phone)
    return render(
        request,
        "disputes/_person_lookup.html",
        {"people": people, "row": row, "text": text, "refused": refused},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
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
            return _forbidden(request, _("预警规则对全部派出所生效,只有系统管理员可以修改"))
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
        changes["owner"] = None
        if owner_id:
            changes["owner"] = (
                _station_users(request.user, station_id=dispute.station_id)
                .filter(pk=owner_id if owner_id.isdigit() else 0)
                .first()
            )
            if changes["owner"] is None:
                raise ValidationError({"owner": _("责任人须为本所民警")})
        if not (changes["narrative"] or "").strip():
            raise ValidationError({"narrative": _("请填写纠纷情况")})
        services.dispute_update(actor=request.user, dispute=dispute, **changes)
        messages.success(request, _("已保存"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc), extra_tags="form-facts")
    return redirect(f"{dispute.get_absolute_url()}#facts")


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
        messages.error(request, _error_text(exc), extra_tags="form-parties")
    return redirect(f"{dispute.get_absolute_url()}#parties")


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
        # the caller's ID number and phone are shown masked (no reveal is recorded here); left
        # empty, they are taken from the incident and the registered person on saving
        "initial_parties": [_masked_party(p) for p in defaults["parties"]]
        + [{"role": PartyRole.RESPONDENT}],
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
                "parties": _parties_from_post(post, user, incident=incident),
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
            for i, row in enumerate(context["initial_parties"]):
                if (
                    post.get(f"party-{i}-from_incident") == "1"
                ):  # what was typed stays; masks beside it
                    pid = post.get(f"party-{i}-person", "")
                    person = (
                        Person.objects.visible_to(user).filter(pk=pid).first()
                        if pid.isdigit()
                        else None
                    )
                    masked = _masked_party({"person": person, "phone": incident.caller_phone})
                    row.update(
                        person=person,
                        from_incident=True,
                        id_masked=masked["id_masked"],
                        phone_masked=masked["phone_masked"],
                    )
            return render(request, "disputes/from_incident.html", _party_rows(context), status=400)
        if created:
            messages.success(request, _("纠纷已登记:%(ref)s") % {"ref": dispute.reference})
        else:
            messages.info(request, _("该警情已建纠纷档案:%(ref)s") % {"ref": dispute.reference})
        return redirect(dispute)
    return render(request, "disputes/from_incident.html", _party_rows(context))


def _masked_party(party: dict) -> dict:
    """A party carried over from an incident, its ID number and phone masked: the inputs are left
    empty (kept from the incident on saving) and the masked values shown beside them."""
    person = party.get("person")
    return {
        **party,
        "id_number": "",
        "phone": "",
        "id_masked": mask_id_number(party.get("id_number") or (person.id_number if person else "")),
        "phone_masked": mask_phone(party.get("phone") or ""),
        "from_incident": True,
    }


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


# ---------------------------------------------------------------- agreements and fulfilment


def _date(value, field, message):
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        if (value or "").strip():
            raise ValidationError({field: message}) from None
        return None


def _terms_from_post(post, dispute):
    parties = {p.pk: p for p in dispute.parties.all()}
    terms = []
    for i in range(TERM_ROWS):
        what = post.get(f"term-{i}-what", "").strip()
        if not what:
            continue
        obligor_id = post.get(f"term-{i}-obligor", "")
        terms.append(
            {
                "what": what,
                "how": post.get(f"term-{i}-how", ""),
                "due_date": _date(post.get(f"term-{i}-due_date"), "terms", _("履行期限格式不正确")),
                "obligor": parties.get(int(obligor_id)) if obligor_id.isdigit() else None,
            }
        )
    return terms


TERM_ROWS = 4


@login_required
@require_POST
def agreement_create(request, pk):
    """Record the agreement (written or oral) with its terms and the parties' signatures."""
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    post = request.POST
    try:
        signed = list(
            dispute.parties.filter(pk__in=[int(x) for x in post.getlist("signed") if x.isdigit()])
        )
        mediator_id = post.get("mediator", "")
        mediator = (
            _station_users(request.user, MEDIATOR_ROLES, station_id=dispute.station_id)
            .filter(pk=mediator_id)
            .first()
            if mediator_id.isdigit()
            else None
        )
        reached_on = (
            _date(post.get("reached_on"), "reached_on", _("日期格式不正确")) or timezone.localdate()
        )
        services.agreement_record(
            actor=request.user,
            dispute=dispute,
            form=post.get("form") or "written",
            reached_on=reached_on,
            effective_date=_date(post.get("effective_date"), "effective_date", _("日期格式不正确")),
            terms=_terms_from_post(post, dispute),
            signed_parties=signed,
            facts=post.get("facts", ""),
            issues=post.get("issues", ""),
            oral_content=post.get("oral_content", ""),
            mediator=mediator,
            other_mediators=post.get("other_mediators", ""),
        )
        messages.success(request, _("调解协议已录入"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except (ValidationError, ValueError) as exc:
        messages.error(request, _error_text(exc), extra_tags="form-agreement")
        kept = {k: post.get(k) for k in post if k != "csrfmiddlewaretoken"}
        kept["signed"] = post.getlist("signed")
        request.session["agreement_post"] = kept
    return redirect(f"{dispute.get_absolute_url()}#agreement")


@login_required
def agreement_document(request, fmt, pk=None, agreement_pk=None):
    """The 调解协议书 as Word (docx) or PDF: of the dispute `pk` (its agreement in force, else the
    latest) or of one agreement `agreement_pk` (an earlier one stays downloadable)."""
    from django.http import Http404, HttpResponse

    from fengqiao.disputes import documents
    from fengqiao.disputes.models import Agreement

    if fmt not in ("docx", "pdf"):
        raise Http404
    visible = Agreement.objects.filter(
        dispute__in=Dispute.objects.visible_to(request.user)
    ).select_related("dispute", "channel", "mediator")
    if agreement_pk is not None:
        agreement = get_object_or_404(visible, pk=agreement_pk)
    else:
        dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
        current = dispute.agreement  # the one in force, else the latest
        if current is None:
            raise Http404
        agreement = visible.get(pk=current.pk)
    if fmt == "pdf":
        body, content_type = documents.agreement_pdf(agreement), "application/pdf"
    else:
        body = documents.agreement_docx(agreement)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{agreement.dispute.reference}-agreement-{agreement.pk}.{fmt}"'
        if agreement_pk is not None
        else f'attachment; filename="{agreement.dispute.reference}-agreement.{fmt}"'
    )
    return response


@login_required
@require_POST
def agreement_confirmation(request, pk):
    from fengqiao.disputes.models import Agreement

    agreement = get_object_or_404(
        Agreement.objects.filter(dispute__in=Dispute.objects.visible_to(request.user)),
        dispute_id=pk,
        status=AgreementStatus.IN_FORCE,
    )
    return post_action(
        request,
        agreement.dispute,
        lambda: services.agreement_confirmation_done(
            actor=request.user, agreement=agreement, applied=request.POST.get("applied") == "1"
        ),
        _("已保存"),
    )


@login_required
@require_POST
def agreement_fail_view(request, pk):
    """The agreement in force has failed (not performed, 反悔): mediation resumes."""
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    agreement = dispute.agreement_in_force
    if agreement is None:
        messages.error(request, _("该纠纷没有生效的调解协议"), extra_tags="form-agreement")
        return redirect(f"{dispute.get_absolute_url()}#agreement")
    try:
        services.agreement_fail(
            actor=request.user, agreement=agreement, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已登记协议未能履行,纠纷恢复调解"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc), extra_tags="form-agreement")
        request.session["agreement_fail_post"] = {"reason": request.POST.get("reason", "")}
    return redirect(f"{dispute.get_absolute_url()}#agreement")


@login_required
@require_POST
def term_check_view(request, pk):
    from fengqiao.disputes.models import AgreementTerm

    term = get_object_or_404(
        AgreementTerm.objects.filter(
            agreement__dispute__in=Dispute.objects.visible_to(request.user)
        ).select_related("agreement__dispute"),
        pk=pk,
    )
    try:
        services.term_check(
            actor=request.user,
            term=term,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("回访已记录"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc), extra_tags="form-agreement")
    return redirect(f"{term.agreement.dispute.get_absolute_url()}#agreement")


@login_required
@require_POST
def dispute_close_view(request, pk):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    return post_action(
        request,
        dispute,
        lambda: services.dispute_close(
            actor=request.user, dispute=dispute, reason=request.POST.get("reason", "")
        ),
        _("已结案"),
    )


@login_required
@require_POST
def party_edit(request, pk):
    from fengqiao.disputes.models import DisputeParty

    party = get_object_or_404(
        DisputeParty.objects.filter(dispute__in=Dispute.objects.visible_to(request.user)), pk=pk
    )
    post = request.POST
    try:
        if post.get("remove") == "1":
            services.dispute_party_remove(actor=request.user, party=party)
            messages.success(request, _("当事人已删除"))
        else:
            role = post.get("role") if post.get("role") in PartyRole.values else party.role
            services.dispute_party_update(
                actor=request.user,
                party=party,
                name=post.get("name", party.name),
                # the form shows both masked and starts empty: empty keeps the stored value
                id_number=post.get("id_number", "").strip() or party.id_number,
                phone=post.get("phone", "").strip() or party.phone,
                role=role,
                high_risk=post.get("high_risk") == "1",
            )
            messages.success(request, _("已保存"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc), extra_tags="form-parties")
    return redirect(f"{party.dispute.get_absolute_url()}#parties")


# ---------------------------------------------------------------- daily screening


@login_required
def screening_today(request):
    """Today's call list: every liaison point of my communities (leaders: pick a community)."""
    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.disputes.selectors import todays_call_list

    community = None
    if request.GET.get("community", "").isdigit():
        community = get_object_or_404(
            Community.objects.visible_to(request.user), pk=request.GET["community"]
        )
    day = timezone.localdate()
    rows = todays_call_list(request.user, day, community=community)
    answers = [(v, label) for v, label in CallAnswer.choices if v != CallAnswer.MISSED]
    return render(
        request,
        "disputes/screening_today.html",
        {
            "rows": rows,
            "day": day,
            "answers": answers,
            "community": community,
            "communities": Community.objects.visible_to(request.user),
            "done": sum(1 for r in rows if r["call"] and r["call"].answer != CallAnswer.MISSED),
        },
    )


@login_required
@require_POST
def screening_call(request, point_pk):
    from fengqiao.registry.models import LiaisonPoint

    point = get_object_or_404(
        LiaisonPoint.objects.visible_to(request.user).select_related("community"), pk=point_pk
    )
    try:
        services.screening_record(
            actor=request.user,
            point=point,
            answer=request.POST.get("answer", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已记录:%(point)s") % {"point": point})
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except (ValidationError, ValueError) as exc:
        messages.error(
            request, _error_text(exc) if isinstance(exc, ValidationError) else _("请选择联系情况")
        )
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/disputes/") else "disputes:screening_today")


@login_required
def screening_week(request):
    """The printable weekly register of a community: new, resolved, open by level, calls."""
    from fengqiao.disputes import rules
    from fengqiao.disputes.selectors import officer_communities, weekly_register

    communities = Community.objects.visible_to(request.user)
    community_id = request.GET.get("community", "")
    community = None
    if community_id.isdigit():
        community = get_object_or_404(communities, pk=community_id)
    else:
        community = officer_communities(request.user).first() or communities.first()
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    monday, _sunday = rules.week_bounds(day or timezone.localdate())
    register = weekly_register(request.user, community, monday) if community else None
    return render(
        request,
        "disputes/screening_week.html",
        {
            "register": register,
            "community": community,
            "communities": communities,
            "prev": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
        },
    )


# ---------------------------------------------------------------- board, figures, studio


@login_required
def board(request):
    from fengqiao.disputes.selectors import dispute_board

    data = dispute_board(request.user)
    page = Paginator(data["files"], PAGE_SIZE).get_page(request.GET.get("page"))
    data["files"] = page.object_list
    chart = {
        "levels": [str(label) for _v, label in data["levels"]],
        "communities": [r["name"] for r in data["rows"]],
        "series": [[r["counts"][lv] for r in data["rows"]] for lv, _l in data["levels"]],
    }
    return render(request, "disputes/board.html", {"board": data, "chart": chart, "page": page})


def _period_from(params):
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(params.get("start", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = dt.date.fromisoformat(params.get("end", ""))
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return start, end


def _figures_chart(figures):
    return {
        "months": [m["month"] for m in figures["by_month"]],
        "registered": [m["registered"] for m in figures["by_month"]],
        "agreements": [m["agreements"] for m in figures["by_month"]],
        "failed": [m["failed"] for m in figures["by_month"]],
        "channels": [
            {"name": str(r["name"]), "value": r["agreements"]} for r in figures["by_channel"]
        ],
        "levels": [
            {"name": str(label), "value": n, "level": lv} for lv, label, n in figures["by_level"]
        ],
        "names": {
            "registered": _("登记"),
            "agreements": _("达成协议"),
            "failed": _("调解不成"),
            "channels": _("调解渠道"),
        },
    }


@login_required
def figures(request):
    from fengqiao.disputes.selectors import dispute_figures, later_offence_disputes

    start, end = _period_from(request.GET)
    channel = None
    if request.GET.get("channel", "").isdigit():
        channel = MediationChannel.objects.filter(pk=request.GET["channel"]).first()
    data = dispute_figures(request.user, start, end, channel=channel)
    return render(
        request,
        "disputes/figures.html",
        {
            "f": data,
            "chart": _figures_chart(data),
            "channel": channel,
            "channels": MediationChannel.objects.all(),
            "later": later_offence_disputes(request.user, start, end)[:50],
        },
    )


STUDIO_CODE = "studio"


@login_required
def studio(request):
    """范贤成金牌调解工作室: its record since its founding (its first dispute)."""
    from django.db.models import Min

    from fengqiao.disputes.selectors import dispute_figures

    channel = MediationChannel.objects.filter(code=STUDIO_CODE).first()
    if channel is None:
        return render(request, "disputes/studio.html", {"channel": None})
    first = (
        Dispute.objects.visible_to(request.user)
        .filter(channel=channel)
        .aggregate(m=Min("registered_at"))["m"]
    )
    start = timezone.localtime(first).date() if first else timezone.localdate()
    data = dispute_figures(request.user, start, timezone.localdate(), channel=channel)
    years: dict = {}
    for m in data["by_month"]:
        y = years.setdefault(
            m["month"][:4], {"year": m["month"][:4], "registered": 0, "agreements": 0, "failed": 0}
        )
        for key in ("registered", "agreements", "failed"):
            y[key] += m[key]
    chart = {
        "years": list(years),
        "agreements": [y["agreements"] for y in years.values()],
        "failed": [y["failed"] for y in years.values()],
        "names": {"agreements": _("达成协议"), "failed": _("调解不成")},
    }
    recent = (
        Dispute.objects.visible_to(request.user)
        .filter(channel=channel)
        .select_related("dispute_type", "community")
        .order_by("-registered_at")[:20]
    )
    return render(
        request,
        "disputes/studio.html",
        {
            "channel": channel,
            "since": start,
            "f": data,
            "years": list(years.values()),
            "chart": chart,
            "recent": recent,
        },
    )


# ---------------------------------------------------------------- editable tables


TABLES = {"types": (DisputeType, _("纠纷类型")), "channels": (MediationChannel, _("调解渠道"))}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def table_edit(request, table, pk=None):
    """Dispute types and mediation channels (installation-wide): read by all, edited by administrators."""
    if table not in TABLES:
        from django.http import Http404

        raise Http404
    model, title = TABLES[table]
    can_manage = services.can_manage_tables(request.user)
    row = get_object_or_404(model, pk=pk) if pk else None
    error, status = "", 200
    if request.method == "POST":
        if not can_manage:
            return _forbidden(
                request, _("纠纷类型和调解渠道对全部派出所生效,只有系统管理员可以修改")
            )
        post = request.POST
        try:
            services.table_row_save(
                actor=request.user,
                model=model,
                row=row,
                code=post.get("code", ""),
                name=post.get("name", ""),
                sort=post.get("sort", "0") if post.get("sort", "0").isdigit() else 0,
                active=post.get("active") == "1",
                is_police_mediation=post.get("is_police_mediation") == "1",
            )
        except ValidationError as exc:
            error, status = _error_text(exc), 400
        else:
            messages.success(request, _("已保存"))
            return redirect("disputes:table_edit", table=table)
    return render(
        request,
        "disputes/table.html",
        {
            "rows": model.objects.all(),
            "row": row,
            "table": table,
            "title": title,
            "can_manage": can_manage,
            "error": error,
            "post": request.POST,
            "is_channels": model is MediationChannel,
        },
        status=status,
    )


@login_required
def mediators(request):
    """The mediators (officers, retired officers, community members) with their channels and record."""
    from fengqiao.disputes.selectors import mediator_records

    return render(request, "disputes/mediators.html", {"m": mediator_records(request.user)})
