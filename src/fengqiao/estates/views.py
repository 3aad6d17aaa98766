"""平安智慧小区 pages: estates (list and map), an estate's page (gates, terminal health, today's
traffic chart, credentials), terminals (pending registrations), the event search (a person's
movements only with a reason, recorded) and the registration tasks (核查登记)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core import geo
from fengqiao.core.masking import mask_name
from fengqiao.core.permissions import can_edit
from fengqiao.core.web import error_text, forbidden, post_action
from fengqiao.estates import permissions, selectors, services
from fengqiao.estates.choices import (
    CommandKind,
    CredentialType,
    DeviceStatus,
    Direction,
    GateKind,
    TaskStatus,
    Vendor,
)
from fengqiao.estates.models import (
    AccessDevice,
    Credential,
    DeviceAlarm,
    Estate,
    Gate,
    RegistrationTask,
    TerminalCommand,
)
from fengqiao.registry.models import Community, Person

PAGE_SIZE = 50


def _viewer(view):
    """login_required plus the role check of the whole part."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not permissions.can_view(request.user):
            return forbidden(request, _("您的角色无权查看小区门禁数据"))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_viewer
def estate_list(request):
    params = request.GET
    estates = selectors.estates_with_figures(
        request.user, q=params.get("q", "").strip(), community=params.get("community", "")
    )
    page = Paginator(estates.order_by("community__name", "name"), PAGE_SIZE).get_page(
        params.get("page")
    )
    return render(request, "estates/estate_list.html", {
        "page": page, "f": params, "communities": Community.objects.visible_to(request.user),
        "tile_url": settings.MAP_TILE_URL, "tile_crs": geo.tile_crs(),
        "alarms": selectors.open_alarms(request.user, limit=10),
        "can_create": services.has_role(request.user, services.DEVICE_ROLES),
    })  # fmt: skip


def _number(value, label, *, kind=float):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(_("%(label)s须为数字") % {"label": label}) from None


@_viewer
def estate_create_view(request):
    """新建小区: a community officer for their communities, a leader for the station's."""
    from fengqiao.core.scoping import editable_community_ids

    communities = Community.objects.filter(pk__in=editable_community_ids(request.user)).order_by(
        "name"
    )
    if not communities:
        return forbidden(request, _("只有社区民警或所领导可以登记小区"))
    data, error, status = request.POST, "", 200
    if request.method == "POST":
        try:
            community = communities.filter(pk=int(data.get("community") or 0)).first()
            if community is None:
                raise ValidationError(_("请选择社区"))
            lat = _number(data.get("latitude"), _("纬度"))
            lon = _number(data.get("longitude"), _("经度"))
            if (lat is None) != (lon is None) or (
                lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
            ):
                raise ValidationError(_("经纬度须同时填写且在有效范围内"))
            estate = services.estate_create(
                actor=request.user, community=community, name=data.get("name", ""), address=data.get("address", ""),
                latitude=lat, longitude=lon, households=_number(data.get("households"), _("户数"), kind=int) or 0,
                built_year=_number(data.get("built_year"), _("建成年份"), kind=int),
                property_company=data.get("property_company", ""),
            )  # fmt: skip
        except ValidationError as exc:
            error, status = error_text(exc), 400
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("小区已登记"))
            return redirect(estate)
    return render(
        request,
        "estates/estate_form.html",
        {"communities": communities, "f": data, "error": error},
        status=status,
    )


@_viewer
def estate_edit_view(request, pk):
    estate = get_object_or_404(
        Estate.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    if not can_edit(request.user, estate):
        return forbidden(request, _("只有该社区的社区民警或所领导可以修改"))
    data = request.POST if request.method == "POST" else {
        k: ("" if getattr(estate, k) is None else str(getattr(estate, k)))
        for k in ("name", "address", "latitude", "longitude", "households", "built_year", "property_company",
                  "unregistered_days", "unregistered_window")
    }  # fmt: skip
    error, status = "", 200
    if request.method == "POST":
        try:
            lat = _number(data.get("latitude"), _("纬度"))
            lon = _number(data.get("longitude"), _("经度"))
            if (lat is None) != (lon is None) or (
                lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
            ):
                raise ValidationError(_("经纬度须同时填写且在有效范围内"))
            services.estate_update(
                actor=request.user, estate=estate, name=data.get("name", ""), address=(data.get("address") or "")[:200],
                latitude=lat, longitude=lon, households=_number(data.get("households"), _("户数"), kind=int) or 0,
                built_year=_number(data.get("built_year"), _("建成年份"), kind=int),
                property_company=(data.get("property_company") or "")[:100],
                unregistered_days=_number(data.get("unregistered_days"), _("未登记通行天数阈值"), kind=int),
                unregistered_window=_number(data.get("unregistered_window"), _("未登记统计窗口(天)"), kind=int),
            )  # fmt: skip
        except ValidationError as exc:
            error, status = error_text(exc), 400
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect(estate)
    return render(
        request,
        "estates/estate_form.html",
        {"estate": estate, "f": data, "error": error},
        status=status,
    )


@_viewer
def estates_json(request):
    features = []
    for e in selectors.estates_with_figures(request.user):
        point = geo.map_point(e.latitude, e.longitude)
        if point is None:
            continue
        features.append({
            "id": e.pk, "name": e.name, "community": e.community.name, "lat": point[0], "lng": point[1],
            "url": e.get_absolute_url(), "gates": e.gate_count, "devices": e.device_count, "offline": e.offline_count,
            "tasks": e.open_tasks,
        })  # fmt: skip
    return JsonResponse({"estates": features})


@_viewer
def estate_detail(request, pk):
    estate = get_object_or_404(
        Estate.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    editable = can_edit(request.user, estate)
    devices = (
        AccessDevice.objects.filter(estate=estate)
        .select_related("gate")
        .order_by("gate__name", "identifier")
    )
    health = selectors.device_health(devices)
    gates = list(estate.gates.all())
    for gate in gates:
        gate.health = [h for h in health if h["device"].gate_id == gate.pk]
    traffic = selectors.today_traffic(estate)
    credentials = Credential.objects.filter(estate=estate).select_related("person")
    q = request.GET.get("cq", "").strip()
    if q:
        credentials = credentials.filter(holder_no=q) | credentials.filter(card_no=q)
    recent = list(credentials.order_by("-issued_at")[:20])
    for c in recent:
        c.person_masked = mask_name(c.person.name) if c.person_id else ""
    return render(request, "estates/estate_detail.html", {
        "estate": estate, "can_edit": editable, "gates": gates, "health": health, "traffic": traffic,
        "online": sum(1 for h in health if h["online"]), "credentials": recent,
        "credential_count": Credential.objects.filter(estate=estate).count(),
        "unlinked_count": Credential.objects.filter(estate=estate, person__isnull=True).count(),
        "tasks": RegistrationTask.objects.filter(estate=estate, status=TaskStatus.OPEN).order_by("due_at")[:10],
        "alarms": DeviceAlarm.objects.filter(estate=estate).select_related("device")[:10],
        "gate_kinds": GateKind.choices, "directions": Direction.choices, "credential_types": CredentialType.choices,
        "cq": q, "now": timezone.now(), "command_kinds": CommandKind.choices,
        "commands": TerminalCommand.objects.filter(device__estate=estate).select_related("device")[:10],
    })  # fmt: skip


@require_POST
@_viewer
def gate_create_view(request, pk):
    estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=pk)
    data = request.POST
    return post_action(
        request, estate,
        lambda: services.gate_create(actor=request.user, estate=estate, name=data.get("name", ""),
                                     kind=data.get("kind", GateKind.PEDESTRIAN), direction=data.get("direction", "")),
        _("门岗已添加"),
    )  # fmt: skip


def _person_by_id_number(user, value: str) -> Person | None:
    value = (value or "").strip().upper()
    if not value:
        return None
    person = Person.objects.visible_to(user).filter(id_number=value).first()
    if person is None:
        raise ValidationError(
            _("证件号码 %(no)s 未在一标三实中登记,请先登记该人员") % {"no": value[:6] + "…"}
        )
    return person


@require_POST
@_viewer
def credential_create_view(request, pk):
    estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=pk)
    data = request.POST

    def action():
        person = _person_by_id_number(request.user, data.get("id_number", ""))
        services.credential_create(actor=request.user, estate=estate, holder_no=data.get("holder_no", ""),
                                   card_no=data.get("card_no", ""), kind=data.get("kind", CredentialType.CARD),
                                   person=person, note=data.get("note", ""))  # fmt: skip

    return post_action(request, estate, action, _("凭证已登记"))


@require_POST
@_viewer
def device_command_view(request, pk):
    device = get_object_or_404(
        AccessDevice.objects.visible_to(request.user).select_related("estate"), pk=pk
    )
    target = (
        device.estate.get_absolute_url() if device.estate_id else reverse("estates:device_list")
    )
    return post_action(
        request, target,
        lambda: services.terminal_command(actor=request.user, device=device, kind=request.POST.get("kind", "")),
        _("命令已排队,设备下次轮询时发送"),
    )  # fmt: skip


@_viewer
def device_list(request):
    params = request.GET
    status = params.get("status", "")
    qs = AccessDevice.objects.visible_to(request.user).select_related("estate", "gate")
    pending = (
        AccessDevice.objects.pending().filter(station__isnull=True)
        if services.has_role(request.user, services.DEVICE_ROLES)
        else AccessDevice.objects.none()
    )
    if status == DeviceStatus.PENDING:
        qs = pending
    elif status in DeviceStatus.values:
        qs = qs.filter(status=status)
    elif status == "offline":
        qs = qs.filter(status=DeviceStatus.ACTIVE, offline_since__isnull=False)
    if params.get("vendor") in Vendor.values:
        qs = qs.filter(vendor=params["vendor"])
    if params.get("q"):
        qs = qs.filter(identifier__icontains=params["q"].strip()) | qs.filter(
            name__icontains=params["q"].strip()
        )
    page = Paginator(qs.order_by("status", "estate__name", "identifier"), PAGE_SIZE).get_page(
        params.get("page")
    )
    health = {h["device"].pk: h["online"] for h in selectors.device_health(list(page))}
    gates = (
        Gate.objects.editable_by(request.user)
        .select_related("estate")
        .order_by("estate__name", "name")
    )
    return render(request, "estates/device_list.html", {
        "page": page, "f": params, "health": health, "pending_count": pending.count(), "gates": gates,
        "statuses": DeviceStatus.choices, "vendors": Vendor.choices,
    })  # fmt: skip


@require_POST
@_viewer
def device_assign_view(request, pk):
    device = get_object_or_404(
        AccessDevice.objects.visible_to(request.user)
        | AccessDevice.objects.pending().filter(station__isnull=True),
        pk=pk,
    )
    gate_id = request.POST.get("gate", "")
    gate = (
        Gate.objects.visible_to(request.user).filter(pk=int(gate_id)).first()
        if gate_id.isdigit()
        else None
    )
    if gate is None:
        messages.error(request, _("请选择门岗"))
        return redirect(reverse("estates:device_list") + "?status=pending")
    return post_action(
        request, reverse("estates:device_list"),
        lambda: services.device_assign(actor=request.user, device=device, gate=gate, name=request.POST.get("name", "")),
        _("设备已接入 %(gate)s") % {"gate": gate},
    )  # fmt: skip


@_viewer
def event_search(request):
    """The event search. Narrowed to one person (subject, card or person) it needs a reason, and the
    look-up is recorded (PersonalDataAccess) before the rows are shown."""
    params = request.GET
    error, events, count, more, needs_reason = "", [], 0, False, False
    page = max(1, int(params.get("page", "1"))) if params.get("page", "1").isdigit() else 1
    searched = any(
        params.get(k)
        for k in (
            "estate",
            "from",
            "to",
            "subject",
            "card",
            "person",
            "type",
            "direction",
            "result",
            "community",
        )
    )
    if searched:
        try:
            qs = selectors.event_search(request.user, params)
            if selectors.is_personal(params):
                reason = params.get("reason", "").strip()
                if not reason:
                    needs_reason = True
                    raise ValidationError(_("查询个人通行记录须填写事由"))
                estate = (
                    Estate.objects.visible_to(request.user).filter(pk=int(params["estate"])).first()
                    if params.get("estate", "").isdigit()
                    else None
                )
                person = (
                    Person.objects.visible_to(request.user).filter(pk=int(params["person"])).first()
                    if params.get("person", "").isdigit()
                    else None
                )
                if page == 1:
                    services.movements_record(actor=request.user, estate=estate, subject=params.get("subject", "").strip(),
                                              person=person, reason=reason)  # fmt: skip
            count, more = selectors.capped_count(qs)
            events = selectors.page_of(qs, page, PAGE_SIZE)
            for e in events:
                e.person_masked = mask_name(e.person.name) if e.person_id and e.person else ""
        except ValidationError as exc:
            error = error_text(exc)
    return render(request, "estates/event_search.html", {
        "f": params, "events": events, "count": count, "more": more, "error": error, "needs_reason": needs_reason,
        "page_number": page, "has_next": page * PAGE_SIZE < count, "searched": searched,
        "estates": Estate.objects.visible_to(request.user).order_by("name"),
        "types": CredentialType.choices,
    }, status=400 if error else 200)  # fmt: skip


@_viewer
def task_list(request):
    params = request.GET
    status = params.get("status", TaskStatus.OPEN)
    qs = RegistrationTask.objects.visible_to(request.user).select_related(
        "estate", "community", "assignee"
    )
    if status in TaskStatus.values:
        qs = qs.filter(status=status)
    if params.get("estate", "").isdigit():
        qs = qs.filter(estate_id=int(params["estate"]))
    if params.get("overdue") == "1":
        qs = qs.filter(status=TaskStatus.OPEN, due_at__lt=timezone.now())
    if params.get("mine") == "1":
        qs = qs.filter(assignee=request.user)
    page = Paginator(qs.order_by("due_at", "-created_at"), PAGE_SIZE).get_page(params.get("page"))
    return render(request, "estates/task_list.html", {
        "page": page, "f": params, "status": status, "statuses": TaskStatus.choices,
        "estates": Estate.objects.visible_to(request.user).order_by("name"), "now": timezone.now(),
    })  # fmt: skip


@_viewer
def task_detail(request, pk, *, register_errors=None, status=200):
    task = get_object_or_404(
        RegistrationTask.objects.visible_to(request.user).select_related(
            "estate", "community", "assignee", "person"
        ),
        pk=pk,
    )
    from fengqiao.core.services import clocks_for
    from fengqiao.registry.choices import InflowReason, PersonCategory

    return render(request, "estates/task_detail.html", {
        "task": task, "can_edit": can_edit(request.user, task) and task.status == TaskStatus.OPEN,
        "events": task.events.select_related("actor"), "clocks": clocks_for(task),
        "person_masked": mask_name(task.person.name) if task.person_id else "",
        "now": timezone.now(), "register_errors": register_errors or [],
        "register_post": request.POST if register_errors else {},
        "categories": [c for c in PersonCategory.choices if c[0] != PersonCategory.FOREIGN],
        "inflow_reasons": InflowReason.choices,
    }, status=status)  # fmt: skip


@require_POST
@_viewer
def task_register_view(request, pk):
    """关联并办结: link the person with this ID number, or register them in the registry in the same
    flow. A refusal is shown next to this form with the input kept (400), nothing saved."""
    task = get_object_or_404(RegistrationTask.objects.visible_to(request.user), pk=pk)
    data = request.POST
    try:
        services.task_register_person(
            actor=request.user, task=task, id_number=data.get("id_number", ""),
            name=data.get("name", ""), phone=data.get("phone", ""), category=data.get("category", ""),
            inflow_reason=data.get("inflow_reason", ""), card_no=data.get("card_no", ""),
        )  # fmt: skip
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        return task_detail(request, pk, register_errors=exc.messages, status=400)
    messages.success(request, _("已登记,凭证已关联该人员(未登记的人员已同时登记到一标三实)"))
    return redirect(task)


@require_POST
@_viewer
def task_dismiss_view(request, pk):
    task = get_object_or_404(RegistrationTask.objects.visible_to(request.user), pk=pk)
    return post_action(
        request, task, lambda: services.task_dismiss(actor=request.user, task=task, reason=request.POST.get("reason", "")),
        _("任务已排除"),
    )  # fmt: skip


__all__ = ["PermissionDenied"]
