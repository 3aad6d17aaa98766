"""警情 pages: intake, list (filters, paging, masked phones, xlsx export), detail with actions, handover."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.accounts.models import User
from fengqiao.accounts.roles import UNMASKED_EXPORT_ROLES, has_role
from fengqiao.core import geo, masking
from fengqiao.core.exports import workbook as new_workbook
from fengqiao.core.history import timeline_for
from fengqiao.core.masking import mask_phone
from fengqiao.core.replica import replica_reads
from fengqiao.core.services import clocks_for
from fengqiao.core.web import editable_table
from fengqiao.core.web import error_text as _error_text
from fengqiao.core.web import forbidden as _forbidden
from fengqiao.exchange.choices import ExportKind
from fengqiao.exchange.exports import record_export
from fengqiao.incidents import permissions, services
from fengqiao.incidents.choices import OPEN_STATUSES, Status
from fengqiao.incidents.filters import filter_incidents, top_categories
from fengqiao.incidents.forms import (
    CategoryForm,
    CloseForm,
    DispatchForm,
    HandoverForm,
    IntakeForm,
    VictimForm,
)
from fengqiao.incidents.models import DUTY_ROLES, HandoverRecord, Incident, IncidentCategory
from fengqiao.incidents.selectors import arrival_overdue_filter, unfiled_filter
from fengqiao.registry import number_search
from fengqiao.registry.models import Address, Community, Person
from fengqiao.registry.permissions import can_reveal
from fengqiao.registry.rules import InvalidPhone, normalise_phone
from fengqiao.registry.selectors import address_search

PAGE_SIZE = 50
REPEAT_DAYS = 90


def _step_time(post):
    """The optional step time of an action form (local `YYYY-MM-DDTHH:MM`); empty means now."""
    text = (post.get("at") or "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("时间格式不正确,请按“年-月-日 时:分”填写")) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _list_queryset(request):
    now = timezone.now()
    queryset = Incident.objects.visible_to(request.user).select_related(
        "category", "category__parent", "community"
    )
    queryset = filter_incidents(queryset, request.GET, now, user=request.user)
    return queryset.annotate(unfiled=unfiled_filter(now), overdue=arrival_overdue_filter(now))


@login_required
def incident_list(request):
    queryset = _list_queryset(request)
    if request.GET.get("export") == "xlsx":
        return _export(request, queryset)
    page = Paginator(queryset.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for incident in page:
        incident.phone_masked = mask_phone(incident.caller_phone)
    params = request.GET.copy()
    params.pop("page", None)
    params["export"] = "xlsx"
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "categories": top_categories(),
            "statuses": Status.choices,
            "communities": Community.objects.visible_to(request.user).order_by("name"),
            "officers": User.objects.filter(
                station_id=request.user.station_id, is_active=True
            ).order_by("full_name"),
            "f": request.GET,
            "export_query": params.urlencode(),
            "can_create": request.user.station_id is not None,
        },
    )


@replica_reads  # the rows of an export may be a few seconds old
def _export(request, queryset):
    masked = not has_role(request.user, UNMASKED_EXPORT_ROLES)
    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet(_("警情"))
    sheet.append(
        [
            _("警情编号"),
            _("接警时间"),
            _("类别"),
            _("状态"),
            _("社区/村"),
            _("报警人"),
            _("报警电话"),
            _("发生地点"),
            _("处置结果"),
            _("有案不立"),
        ]
    )
    exported = []
    for i in queryset.order_by("-received_at", "-pk").iterator(chunk_size=2000):
        exported.append((i.pk, i.station_id, i.reference))
        sheet.append(
            [
                i.reference,
                timezone.localtime(i.received_at).replace(tzinfo=None),
                str(i.category),
                i.get_status_display(),
                i.community.name if i.community_id else "",
                ("*" + i.caller_name[1:] if masked and i.caller_name else i.caller_name),
                mask_phone(i.caller_phone) if masked else i.caller_phone,
                i.location,
                i.get_outcome_display(),
                _("是") if i.unfiled else "",
            ]
        )
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    record_export(
        actor=request.user,
        kind=ExportKind.INCIDENTS,
        model=Incident,
        title="警情",
        query=request.GET.urlencode(),
        exported=exported,
        masked=masked,
        personal=["caller_name", "caller_phone"],
    )
    return FileResponse(
        output, as_attachment=True, filename=f"警情_{timezone.localtime():%Y%m%d_%H%M}.xlsx"
    )


def _address(request, pk):
    if not pk:
        return None
    return Address.objects.visible_to(request.user).filter(pk=pk).first()


@login_required
def incident_create(request):
    user = request.user
    if user.station_id is None:
        return _forbidden(request, _("只有派出所民警可以接警"))
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            address = _address(request, d["address"])
            person = None
            try:
                phone = normalise_phone(d["caller_phone"])
            except InvalidPhone:
                phone = None
            if phone:
                person = Person.objects.visible_to(user).filter(phone=phone).first()
            try:
                incident = services.incident_receive(
                    actor=user,
                    station=user.station,
                    category=d["category"],
                    submission_id=d["submission_id"],
                    source=d["source"],
                    urgency=d["urgency"],
                    caller_name=d["caller_name"],
                    caller_phone=d["caller_phone"],
                    caller_person=person,
                    address=address,
                    location=d["location"],
                    narrative=d["narrative"],
                    area_type=d["area_type"],
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("已接警:%(ref)s") % {"ref": incident.reference})
                return redirect(incident)
    else:
        form = IntakeForm(initial={"submission_id": uuid.uuid4()})
    return render(request, "incidents/intake.html", {"form": form})


@login_required
def lookup_phone(request):
    """HTMX: earlier incidents from this number and the registered person, if any. The person (a name
    put on a phone number) only for roles with the phone need: to others a number stays a number."""
    phone = (request.GET.get("caller_phone") or "").strip()
    try:
        phone = normalise_phone(phone)
    except InvalidPhone:
        phone = ""
    incidents, person, refused = [], None, ""
    if phone:
        # A phone → person look-up confirms a whole number: counted and recorded like a search by number.
        try:
            number_search.check(request.user, phone)
        except number_search.NumberSearchLimited as exc:
            refused, phone = str(exc.detail), ""
    if phone:
        incidents = list(
            Incident.objects.visible_to(request.user)
            .filter(caller_phone=phone)
            .select_related("category")[:10]
        )
        if masking.has_need(request.user, masking.Kind.PHONE):
            person = (
                Person.objects.visible_to(request.user)
                .filter(phone=phone)
                .select_related("community")
                .first()
            )
        if number_search.is_number_search(phone):
            number_search.record(request.user, phone, [person] if person else [])
    return render(
        request,
        "incidents/_phone_lookup.html",
        {"incidents": incidents, "person": person, "phone": phone, "refused": refused},
    )


@login_required
def lookup_address(request):
    """HTMX: standard addresses matching the text, with the repeat incidents of the last 90 days at each."""
    text = (request.GET.get("address_q") or "").strip()
    rows = []
    if len(text) >= 2:
        since = timezone.now() - dt.timedelta(days=REPEAT_DAYS)
        addresses = list(
            address_search(
                Address.objects.visible_to(request.user),
                text,
                whole=masking.has_need(request.user, masking.Kind.ADDRESS),
            ).select_related("community")[:8]
        )
        recent = {}
        for i in (
            Incident.objects.visible_to(request.user)
            .filter(address__in=addresses, received_at__gte=since)
            .select_related("category")
        ):
            recent.setdefault(i.address_id, []).append(i)
        rows = [(a, recent.get(a.pk, [])) for a in addresses]
    return render(request, "incidents/_address_lookup.html", {"rows": rows, "text": text})


def _detail(request, pk):
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related(
            "category",
            "category__parent",
            "community",
            "address",
            "caller_person",
            "assigned_unit",
            "station",
            "received_by",
        ),
        pk=pk,
    )


def _masked_timeline(incident):
    """The change log with the caller's phone masked (the core masks only fields named like `phone`)."""
    from dataclasses import replace

    label = str(Incident._meta.get_field("caller_phone").verbose_name)
    changes = timeline_for(incident)
    for change in changes:
        change.rows = [
            replace(
                row,
                before=mask_phone(row.before) if row.before not in ("", "—") else row.before,
                after=mask_phone(row.after) if row.after not in ("", "—") else row.after,
            )
            if row.label == label
            else row
            for row in change.rows
        ]
    return changes


NEXT_ACTION = {
    Status.RECEIVED: ("dispatch", gettext_lazy("派警")),
    Status.DISPATCHED: ("arrive", gettext_lazy("到场")),
    Status.ARRIVED: ("handle", gettext_lazy("处置")),
    Status.HANDLED: ("report", gettext_lazy("反馈")),
    Status.REPORTED: ("close", gettext_lazy("结警")),
    Status.CLOSED: ("reopen", gettext_lazy("重新打开")),
}


@login_required
def incident_detail(request, pk):
    incident = _detail(request, pk)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


def _detail_context(request, incident, **extra):
    now = timezone.now()
    can_act = Incident.objects.editable_by(request.user).filter(pk=incident.pk).exists()
    action = NEXT_ACTION[incident.status][0]
    context = {
        "incident": incident,
        "phone": mask_phone(incident.caller_phone),
        "can_act": can_act,
        "action": action,
        "assignments": incident.assignments.select_related("officer"),
        "events": incident.events.select_related("actor"),
        "changes": _masked_timeline(incident),
        "clocks": clocks_for(incident),
        "overdue": Incident.objects.filter(pk=incident.pk)
        .filter(arrival_overdue_filter(now))
        .exists(),
        "unfiled": Incident.objects.filter(pk=incident.pk, case_reference="")
        .filter(unfiled_filter(now))
        .exists(),
        "needs_case": incident.category.top.requires_case and not incident.case_reference,
        "dispatch_form": DispatchForm(station=incident.station) if action == "dispatch" else None,
        "close_form": CloseForm() if action == "close" else None,
        "victims": incident.victims.all() if incident.category.top.requires_case else None,
        "victim_form": VictimForm(initial={"victim_local": True}),
        "callbacks": incident.callbacks.select_related("completed_by"),
        "can_reveal": can_reveal(request.user) and bool(incident.caller_phone),
    }
    context.update(_dispute_links(request, incident))
    context.update(extra)
    return context


@login_required
def incident_action(request, pk, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    incident = _detail(request, pk)
    user, post = request.user, request.POST
    extra = {}
    try:
        if action == "dispatch":
            form = DispatchForm(post, station=incident.station)
            if not form.is_valid():
                raise ValidationError(_("请选择处警民警"))
            officers = list(form.cleaned_data["officers"])
            lead = form.cleaned_data["lead"]
            if lead and lead not in officers:
                officers.insert(0, lead)
            services.incident_dispatch(actor=user, incident=incident, officers=officers, lead=lead)
        elif action == "arrive":
            extra["at"] = post.get("at", "")
            services.incident_arrive(actor=user, incident=incident, at=_step_time(post))
        elif action == "handle":
            extra.update(at=post.get("at", ""), note=post.get("note", ""))
            services.incident_handle(
                actor=user, incident=incident, note=post.get("note", ""), at=_step_time(post)
            )
        elif action == "report":
            extra.update(at=post.get("at", ""), note=post.get("note", ""))
            services.incident_report(
                actor=user, incident=incident, note=post.get("note", ""), at=_step_time(post)
            )
        elif action == "close":
            extra.update(close_form=CloseForm(post), at=post.get("at", ""))
            services.incident_close(
                actor=user,
                incident=incident,
                outcome=post.get("outcome", ""),
                disposition=post.get("disposition", ""),
                at=_step_time(post),
            )
        elif action == "add_victim":
            extra["victim_form"] = VictimForm(post)
            services.incident_add_victim(
                actor=user,
                incident=incident,
                name=post.get("victim_name", ""),
                phone=post.get("victim_phone", ""),
                is_local=bool(post.get("victim_local")),
            )
        elif action == "reopen":
            services.incident_reopen(actor=user, incident=incident, reason=post.get("reason", ""))
        elif action == "link_case":
            services.incident_link_case(
                actor=user, incident=incident, case_reference=post.get("case_reference", "")
            )
        else:
            return _forbidden(request, _("未知操作"))
    except PermissionDenied:
        return _forbidden(request, _("无权处理该警情"))
    except ValidationError as exc:
        incident = _detail(request, pk)
        context = _detail_context(request, incident, error=_error_text(exc))
        context.update(extra)
        return render(request, "incidents/detail.html", context, status=400)
    return redirect(incident)


@login_required
def handover(request):
    user = request.user
    if user.station_id is None:
        return _forbidden(request, _("只有派出所民警可以交接班"))
    station = user.station
    # local: command sits above incidents (layers contract, pyproject.toml): a known violation
    from fengqiao.command.roster import handover_context

    duty_roster = handover_context(station.pk)  # who is on duty now and who takes the next shift
    suggested = duty_roster["suggested_shift_to"]
    initial = {"shift_to": suggested} if suggested else None
    form = HandoverForm(request.POST or None, station=station, initial=initial)
    error = ""
    if request.method == "POST":
        if not has_role(user, DUTY_ROLES):
            return _forbidden(request, _("只有值班民警、指挥室和所领导可以交班"))
        if form.is_valid():
            try:
                services.handover_record(
                    actor=user,
                    shift_to=form.cleaned_data["shift_to"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                error = _error_text(exc)
            else:
                messages.success(request, _("已交班"))
                return redirect("incidents:handover")
    open_incidents = (
        Incident.objects.visible_to(user)
        .filter(station=station, status__in=OPEN_STATUSES)
        .select_related("category", "category__parent", "community")
        .prefetch_related("assignments__officer")
        .order_by("received_at")
    )
    return render(
        request,
        "incidents/handover.html",
        {
            "open_incidents": open_incidents,
            "form": form,
            "error": error,
            "records": HandoverRecord.objects.visible_to(user).select_related(
                "shift_from", "shift_to"
            )[:20],
            "can_hand_over": has_role(user, DUTY_ROLES),
            **duty_roster,
        },
        status=400 if error else 200,
    )


@login_required
def category_list(request, pk=None):
    """The category table: everyone reads it; administrators and the county bureau edit it."""

    def save(instance, data):
        if instance is None:
            return services.category_create(actor=request.user, **data)
        return services.category_update(actor=request.user, category=instance, **data)

    return editable_table(
        request,
        model=IncidentCategory,
        pk=pk,
        form_class=CategoryForm,
        can_manage=permissions.can_manage_categories(request.user),
        save=save,
        refusal=_("警情类别对全部派出所生效,只有系统管理员可以修改"),
        template="incidents/categories.html",
        success_url="incidents:category_list",
        context={
            "categories": IncidentCategory.objects.select_related("parent").order_by("sort", "code")
        },
    )


def _dispute_links(request, incident) -> dict:
    """For a 纠纷 incident: its dispute file (disputes app, `Dispute.source_incident`), or the page that
    opens one from the incident in one step (for users of a station)."""
    from django.apps import apps
    from django.urls import NoReverseMatch

    if not incident.category.is_dispute and not incident.category.top.is_dispute:
        return {}
    try:
        dispute_model = apps.get_model("disputes", "Dispute")
        open_url = reverse("disputes:dispute_from_incident", args=[incident.pk])
    except (LookupError, NoReverseMatch):
        return {}
    existing = (
        dispute_model.objects.visible_to(request.user).filter(source_incident=incident).first()
    )
    if existing is not None:
        return {"dispute": existing}
    return {"dispute_url": open_url} if request.user.station_id else {}


@login_required
def caller_phone_reveal(request, pk):
    """Show the caller's whole phone number (HTMX swaps the block); every view is recorded."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    incident = _detail(request, pk)
    try:
        services.caller_phone_reveal(
            actor=request.user, incident=incident, purpose=request.POST.get("purpose", "")
        )
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        # still masked, with the reason (htmx swaps only 2xx answers)
        masked = {
            "phone": mask_phone(incident.caller_phone),
            "can_reveal": True,
            "reveal_error": " ".join(exc.messages),
        }
        if request.headers.get("HX-Request"):
            return render(request, "incidents/_caller_phone.html", {"incident": incident, **masked})
        return render(
            request,
            "incidents/detail.html",
            _detail_context(request, incident, **masked),
            status=400,
        )
    shown = {"phone": incident.caller_phone, "revealed": True}
    if request.headers.get("HX-Request"):
        return render(request, "incidents/_caller_phone.html", {"incident": incident, **shown})
    return render(request, "incidents/detail.html", _detail_context(request, incident, **shown))


MAP_DAYS = 90


@login_required
def incident_map(request):
    """Incidents by community on a map (Leaflet): boundaries shaded by the count in the period."""
    today = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days") or MAP_DAYS), 3 * 366))
    except ValueError:
        days = MAP_DAYS
    since = timezone.now() - dt.timedelta(days=days)
    queryset = Incident.objects.visible_to(request.user).filter(received_at__gte=since)
    category = request.GET.get("category") or ""
    if category.isdigit():
        from django.db.models import Q

        queryset = queryset.filter(Q(category_id=category) | Q(category__parent_id=category))
    from django.db.models import Count

    counts = dict(
        queryset.values_list("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    features, rows = [], []
    for community in Community.objects.visible_to(request.user).order_by("name"):
        n = counts.get(community.pk, 0)
        rows.append((community, n))
        props = {
            "id": community.pk,
            "name": community.name,
            "count": n,
            "url": f"{reverse('incidents:incident_list')}?community={community.pk}",
        }
        boundary = community.boundary
        if isinstance(boundary, dict):
            geometry = boundary.get("geometry") if boundary.get("type") == "Feature" else boundary
            if geometry and geometry.get("type") in ("Polygon", "MultiPolygon"):
                features.append(
                    {
                        "type": "Feature",
                        "geometry": geo.map_geometry(geometry),
                        "properties": {**props, "role": "boundary"},
                    }
                )
        centre = geo.map_feature_point(community.latitude, community.longitude)
        if centre is not None:
            features.append(
                {"type": "Feature", "geometry": centre, "properties": {**props, "role": "centre"}}
            )
    rows.sort(key=lambda r: -r[1])
    station = request.user.station
    return render(
        request,
        "incidents/map.html",
        {
            "geojson": {
                "type": "FeatureCollection",
                "features": features,
                "max": max(counts.values(), default=0),
            },
            "rows": rows,
            "days": days,
            "since": today - dt.timedelta(days=days),
            "categories": top_categories(),
            "category": category,
            "unplaced": counts.get(None, 0),
            "centre": geo.map_point(station.latitude, station.longitude)
            if station and station.latitude
            else (29.21, 103.95),
        },
    )
