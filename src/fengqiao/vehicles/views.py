"""行车卫士 pages: vehicle search, detail (map, trail replay, arm/disarm, fence, engine commands),
live map, alarms, thefts (tracking page for patrols, recovery, claim), pending device registrations,
the install desk and the yearly figures. Maps get their data from JSON endpoints (CSP: no inline script)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.accounts.choices import Rank
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import has_role
from fengqiao.core import geo
from fengqiao.core.history import timeline_for
from fengqiao.core.masking import mask_id_number, mask_name, mask_phone
from fengqiao.core.web import error_text as _error_text
from fengqiao.core.web import forbidden as _forbidden
from fengqiao.core.web import post_action
from fengqiao.registry.models import Community, Person
from fengqiao.vehicles import conf, selectors, services
from fengqiao.vehicles.choices import (
    AlarmKind,
    AlarmResult,
    AlarmStatus,
    CommandKind,
    RecoveryCondition,
    TheftStatus,
    TrackerProtocol,
    VehicleKind,
    VehicleStatus,
)
from fengqiao.vehicles.models import (
    CLAIM_ROLES,
    STATION_ROLES,
    Alarm,
    InsuranceClaim,
    Theft,
    Vehicle,
)

PAGE_SIZE = 50
POLICY_ROWS = 5
LIVE_POINTS_MAX = 2000  # more vehicles in the map's view than this: clusters


def _datetime(value: str, label: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("%(label)s格式不正确") % {"label": label}) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _float(value):
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError(_("坐标须为数字")) from None


def _owner_masked(vehicle):
    owner = vehicle.owner
    return {
        "name": mask_name(owner.name),
        "phone": mask_phone(owner.phone),
        "id": mask_id_number(owner.id_number),
    }


def _map_context():
    return {"tile_url": settings.MAP_TILE_URL, "tile_crs": geo.tile_crs()}


# ----------------------------------------------------------------------------- search and detail


@login_required
def vehicle_list(request):
    params = request.GET
    queryset = Vehicle.objects.visible_to(request.user).select_related("owner", "community")
    from fengqiao.registry import number_search

    try:
        queryset = selectors.vehicle_search(queryset, params.get("q", ""), user=request.user)
    except number_search.NumberSearchLimited as exc:
        messages.error(request, str(exc.detail))
        queryset = queryset.none()
    if params.get("kind") in VehicleKind.values:
        queryset = queryset.filter(kind=params["kind"])
    if params.get("status") in VehicleStatus.values:
        queryset = queryset.filter(status=params["status"])
    if params.get("armed") in ("1", "0"):
        queryset = queryset.filter(armed=params["armed"] == "1")
    if (params.get("community") or "").isdigit():
        queryset = queryset.filter(community_id=int(params["community"]))
    page = Paginator(queryset.order_by("plate"), PAGE_SIZE).get_page(params.get("page"))
    for v in page:
        v.owner_masked = _owner_masked(v)
    return render(
        request,
        "vehicles/list.html",
        {
            "page": page,
            "f": params,
            "kinds": VehicleKind.choices,
            "statuses": VehicleStatus.choices,
            "communities": Community.objects.visible_to(request.user),
            # the fleet by type (a count over the whole station) on the landing page only, not on each search
            "counts": None if params else selectors.fleet_counts(request.user),
        },
    )


def _device_state(vehicle):
    from fengqiao.tracking.services import online

    device = vehicle.device
    if device is None:
        return None
    return {
        "device": device,
        "online": online(device),
        "last_seen_at": device.last_seen_at,
        "last_fix_at": device.last_fix_at,
        "speed": device.speed_kmh,
        "battery": device.battery_percent,
    }


@login_required
def vehicle_detail(request, pk):
    vehicle = get_object_or_404(
        Vehicle.objects.visible_to(request.user).select_related("owner", "community", "device"),
        pk=pk,
    )
    can_edit = Vehicle.objects.editable_by(request.user).filter(pk=pk).exists()
    today = timezone.localdate()
    return render(
        request,
        "vehicles/detail.html",
        {
            "v": vehicle,
            "owner": _owner_masked(vehicle),
            "can_edit": can_edit,
            "can_command": can_edit and services.can_command(request.user),
            # the install desk reports a theft of any vehicle of the station (docs/security.md)
            "can_report_theft": vehicle.status != "stolen"
            and services.may_report_theft(request.user, vehicle),
            "state": _device_state(vehicle),
            "trackers": vehicle.trackers.select_related("installed_by"),
            "policies": vehicle.policies.prefetch_related("payouts"),
            "thefts": vehicle.thefts.select_related("recovery", "claim", "case"),
            "alarms": vehicle.alarms.all()[:20],
            "events": vehicle.events.select_related("actor")[:30],
            "changes": timeline_for(vehicle),
            "command_kinds": CommandKind.choices,
            "commands": vehicle.device.commands.order_by("-created_at")[:10]
            if vehicle.device_id
            else [],
            "remote_arming": selectors.remote_arming(vehicle),
            "start": f"{today:%Y-%m-%d}T00:00",
            "end": f"{today:%Y-%m-%d}T23:59",
            "max_speed": conf.get("VEHICLES_COMMAND_MAX_SPEED_KMH"),
            "policy_rows": range(POLICY_ROWS),
            **_map_context(),
        },
    )


def _acting(request, pk):
    """A visible vehicle (the service refuses one the user may not act on: 403; another station's: 404)."""
    return get_object_or_404(
        Vehicle.objects.visible_to(request.user).select_related("device"), pk=pk
    )


@login_required
@require_POST
def vehicle_arm_view(request, pk):
    vehicle = _acting(request, pk)
    armed = request.POST.get("armed") == "1"

    def arm():
        services.vehicle_arm(actor=request.user, vehicle=vehicle, armed=armed)
        messages.success(request, _("已设防") if armed else _("已撤防"))
        if vehicle.arm_command is not None:
            messages.info(request, _("定位器的设防/撤防指令已排队,设备在线时下发"))
        elif vehicle.arm_command_refusal:
            messages.warning(request, vehicle.arm_command_refusal)

    return post_action(request, vehicle, arm)


@login_required
@require_POST
def vehicle_arm_commands_view(request, pk):
    vehicle = _acting(request, pk)
    return post_action(
        request,
        vehicle,
        lambda: services.vehicle_set_arm_commands(
            actor=request.user,
            vehicle=vehicle,
            arm_command=request.POST.get("arm_command", ""),
            disarm_command=request.POST.get("disarm_command", ""),
        ),
        _("定位器设防/撤防指令已保存"),
    )


@login_required
@require_POST
def vehicle_reset_registration_view(request, pk):
    vehicle = _acting(request, pk)
    return post_action(
        request,
        vehicle,
        lambda: services.vehicle_reset_registration(actor=request.user, vehicle=vehicle),
        _("已重置定位器注册:下次注册时签发新的鉴权码"),
    )


@login_required
@require_POST
def vehicle_fence_view(request, pk):
    vehicle = _acting(request, pk)
    post = request.POST
    return post_action(
        request,
        vehicle,
        lambda: services.vehicle_set_fence(
            actor=request.user,
            vehicle=vehicle,
            latitude=post.get("latitude"),
            longitude=post.get("longitude"),
            radius_m=post.get("radius_m") or None,
        ),
        _("电子围栏已保存"),
    )


@login_required
@require_POST
def vehicle_command_view(request, pk):
    vehicle = _acting(request, pk)
    return post_action(
        request,
        vehicle,
        lambda: services.engine_command(
            actor=request.user,
            vehicle=vehicle,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("指令已排队,设备在线时下发"),
    )


@login_required
@require_POST
def policy_create_view(request, pk):
    """保险单 with its payout table (rows: from N full years of age, amount in yuan)."""
    vehicle = _acting(request, pk)
    post = request.POST
    try:
        try:
            starts_on = dt.date.fromisoformat(post.get("starts_on", ""))
            ends_on = dt.date.fromisoformat(post.get("ends_on", ""))
        except ValueError:
            raise ValidationError(_("请填写起保和终保日期")) from None
        table = []
        for i in range(POLICY_ROWS):
            age, amount = (
                post.get(f"row-{i}-age", "").strip(),
                post.get(f"row-{i}-amount", "").strip(),
            )
            if not age and not amount:
                continue
            if not age.isdigit():
                raise ValidationError(_("车龄须为整数"))
            try:
                table.append((int(age), Decimal(amount)))
            except InvalidOperation:
                raise ValidationError(_("赔付金额须为数字")) from None
        days = post.get("recovery_days", "90")
        services.policy_create(
            actor=request.user,
            vehicle=vehicle,
            insurer=post.get("insurer", ""),
            number=post.get("number", ""),
            starts_on=starts_on,
            ends_on=ends_on,
            recovery_days=int(days) if days.isdigit() else 0,
            table=table,
        )
        messages.success(request, _("保险单已登记"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(vehicle)


@login_required
@require_POST
def owner_key_view(request, pk):
    """签发车主应用密钥: shown once here; the owner's app sends it as X-Owner-Key."""
    vehicle = _acting(request, pk)
    try:
        raw = services.owner_key_issue(actor=request.user, vehicle=vehicle)
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    messages.warning(request, _("车主应用密钥(只显示这一次,旧密钥已作废):%(key)s") % {"key": raw})
    return redirect(vehicle)


@login_required
def vehicle_trail(request, pk):
    """JSON: the trail for any period (?start=&end=, local time, at most 31 days)."""
    vehicle = get_object_or_404(
        Vehicle.objects.visible_to(request.user).select_related("device"), pk=pk
    )
    try:
        start = _datetime(request.GET.get("start", ""), _("开始时间"))
        end = _datetime(request.GET.get("end", ""), _("结束时间"))
    except ValidationError as exc:
        return JsonResponse({"error": _error_text(exc)}, status=400)
    end = end or timezone.now()
    start = start or end - dt.timedelta(days=1)
    if start >= end:
        return JsonResponse({"error": _("开始时间须早于结束时间")}, status=400)
    if end - start > dt.timedelta(days=selectors.MAX_TRAIL_DAYS):
        return JsonResponse({"error": _("一次最多回放31天的轨迹")}, status=400)
    points = selectors.trail_points(vehicle.device, start, end) if vehicle.device_id else []
    return JsonResponse({"plate": vehicle.plate, "points": points, "crs": geo.tile_crs()})


@login_required
def live_map(request):
    return render(
        request,
        "vehicles/live.html",
        {
            "communities": Community.objects.visible_to(request.user),
            "points_max": LIVE_POINTS_MAX,
            **_map_context(),
        },
    )


def _live_bounds(value: str) -> geo.Bounds:
    """?bbox=south,west,north,east in the tiles' coordinate system (what the map shows) → WGS-84."""
    parts = value.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        south, west, north, east = (float(p) for p in parts)
    except ValueError:
        raise ValidationError(_("bbox 应为 南,西,北,东 四个数")) from None
    if not all(math.isfinite(v) for v in (south, west, north, east)):
        raise ValidationError(_("bbox 应为 南,西,北,东 四个数"))
    if not (-90 <= south < north <= 90):
        raise ValidationError(_("bbox 纬度须在 -90 到 90 之间且南小于北"))
    if not (-180 <= west < east <= 180):
        raise ValidationError(_("bbox 经度须在 -180 到 180 之间且西小于东"))
    return geo.bounds_from_map(south, west, north, east)


@login_required
def live_json(request):
    """JSON for the live map: the vehicles of the user's scope with a fix in the last ?minutes= (default
    15) and the stolen ones, within the map's ?bbox=south,west,north,east (tiles' coordinates; none:
    everywhere) at ?zoom= (0–20, default 13). Up to LIVE_POINTS_MAX vehicles in view come as points,
    more as server-side clusters, stolen ones always as points (selectors.live_view)."""
    params = request.GET
    minutes = params.get("minutes", "15")
    minutes = (
        int(minutes)
        if minutes.isascii() and minutes.isdigit() and 0 < int(minutes) <= 7 * 24 * 60
        else 15
    )
    zoom = (params.get("zoom") or "13").strip()
    if not (zoom.isascii() and zoom.isdigit() and 0 <= int(zoom) <= 20):
        return JsonResponse({"error": _("zoom 应为 0 到 20 的整数")}, status=400)
    try:
        bounds = _live_bounds(params["bbox"]) if params.get("bbox") else None
    except ValidationError as exc:
        return JsonResponse({"error": _error_text(exc)}, status=400)
    since = timezone.now() - dt.timedelta(minutes=minutes)
    queryset = Vehicle.objects.visible_to(request.user).filter(
        device__isnull=False, device__latitude__isnull=False, device__longitude__isnull=False
    )
    if (params.get("community") or "").isdigit():
        queryset = queryset.filter(community_id=int(params["community"]))
    if params.get("stolen") == "1":
        queryset = queryset.filter(status=VehicleStatus.STOLEN)
    else:
        # "a recent fix or stolen" as two index ranges (devices by fix time, vehicles by status)
        # joined by UNION: an OR across the two tables would scan the whole fleet.
        queryset = queryset.filter(
            pk__in=Vehicle.objects.filter(device__last_fix_at__gte=since)
            .values("pk")
            .order_by()
            .union(
                Vehicle.objects.filter(status=VehicleStatus.STOLEN).values("pk").order_by(),
                all=True,
            )
        )
    data = selectors.live_view(queryset, bounds=bounds, zoom=int(zoom), points_max=LIVE_POINTS_MAX)
    return JsonResponse({**data, "zoom": int(zoom), "at": timezone.now().isoformat()})


@login_required
def communities_json(request):
    return JsonResponse(selectors.community_features(request.user))


# ----------------------------------------------------------------------------- alarms


@login_required
def alarm_list(request):
    params = request.GET
    queryset = Alarm.objects.visible_to(request.user).select_related(
        "vehicle", "acknowledged_by", "closed_by"
    )
    status = params.get("status", "active")
    if status == "active":
        queryset = queryset.exclude(status=AlarmStatus.CLOSED)
    elif status in AlarmStatus.values:
        queryset = queryset.filter(status=status)
    if params.get("kind") in AlarmKind.values:
        queryset = queryset.filter(kind=params["kind"])
    if params.get("q"):
        queryset = queryset.filter(vehicle__plate__contains=params["q"].strip().upper())
    page = Paginator(queryset.order_by("-at", "-pk"), PAGE_SIZE).get_page(params.get("page"))
    editable = set(
        Alarm.objects.editable_by(request.user)
        .filter(pk__in=[a.pk for a in page])
        .values_list("pk", flat=True)
    )
    for a in page:
        a.can_edit = a.pk in editable
    return render(
        request,
        "vehicles/alarms.html",
        {
            "page": page,
            "f": params,
            "status": status,
            "statuses": AlarmStatus.choices,
            "kinds": AlarmKind.choices,
            "results": AlarmResult.choices,
        },
    )


def _alarm_action(request, pk, action):
    alarm = get_object_or_404(Alarm.objects.visible_to(request.user), pk=pk)
    try:
        action(alarm)
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/vehicles/") else reverse("vehicles:alarm_list"))


@login_required
@require_POST
def alarm_acknowledge_view(request, pk):
    def act(alarm):
        services.alarm_acknowledge(
            actor=request.user, alarm=alarm, note=request.POST.get("note", "")
        )
        messages.success(request, _("告警已确认"))

    return _alarm_action(request, pk, act)


@login_required
@require_POST
def alarm_close_view(request, pk):
    def act(alarm):
        services.alarm_close(
            actor=request.user,
            alarm=alarm,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("告警已关闭"))

    return _alarm_action(request, pk, act)


# ----------------------------------------------------------------------------- thefts


@login_required
def theft_list(request):
    queryset = Theft.objects.visible_to(request.user).select_related("vehicle", "incident", "case")
    status = request.GET.get("status", "")
    if status in TheftStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-reported_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vehicles/thefts.html",
        {"page": page, "status": status, "statuses": TheftStatus.choices},
    )


def _station_user(station_id: int, value):
    """The station's user chosen in a select (None when empty or not of the station)."""
    value = (value or "").strip()
    if not value.isdigit():
        return None
    return User.objects.filter(station_id=station_id, pk=int(value)).first()


@login_required
def theft_report_view(request, pk):
    """报被盗: the report, and the two officers of the theft case it opens (主办/协办, chosen among
    the station's police officers; 主办 defaults to the user when they are one)."""
    vehicle = get_object_or_404(
        Vehicle.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    user = request.user
    police = User.objects.filter(
        station_id=vehicle.station_id, is_active=True, rank=Rank.POLICE
    ).order_by("full_name", "pk")
    default_lead = (
        user.pk
        if user.station_id == vehicle.station_id and user.rank == Rank.POLICE and user.is_active
        else None
    )
    post = request.POST
    context = {
        "v": vehicle,
        "post": post,
        "owner": _owner_masked(vehicle),
        "officers": police,
        "lead_selected": int(post["lead_officer"])
        if (post.get("lead_officer") or "").isdigit()
        else (None if request.method == "POST" else default_lead),
        "second_selected": int(post["second_officer"])
        if (post.get("second_officer") or "").isdigit()
        else None,
        "errors": {},
    }
    if request.method == "POST":
        try:
            theft = services.theft_report(
                actor=user,
                vehicle=vehicle,
                place=post.get("place", ""),
                reporter_name=post.get("reporter_name", ""),
                lead_officer=_station_user(vehicle.station_id, post.get("lead_officer")),
                second_officer=_station_user(vehicle.station_id, post.get("second_officer")),
                reporter_phone=post.get("reporter_phone", ""),
                narrative=post.get("narrative", ""),
                stolen_at=_datetime(post.get("stolen_at", ""), _("被盗时间")),
            )
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            context["error"] = _error_text(exc)
            context["errors"] = exc.message_dict if hasattr(exc, "error_dict") else {}
            return render(request, "vehicles/theft_form.html", context, status=400)
        messages.success(
            request,
            _("已登记被盗:%(ref)s,关联警情%(incident)s,已受案%(case)s")
            % {
                "ref": theft.reference,
                "incident": theft.incident.reference if theft.incident else "—",
                "case": theft.case.reference if theft.case else "—",
            },
        )
        return redirect(theft)
    return render(request, "vehicles/theft_form.html", context)


@login_required
def theft_detail(request, pk):
    """The tracking page for patrols: live position, today's trail, last seen; recovery and claim."""
    theft = get_object_or_404(
        Theft.objects.visible_to(request.user).select_related(
            "vehicle", "vehicle__device", "vehicle__owner", "incident", "case"
        ),
        pk=pk,
    )
    vehicle = theft.vehicle
    can_edit = Theft.objects.editable_by(request.user).filter(pk=pk).exists()
    recovery = getattr(theft, "recovery", None)
    claim = getattr(theft, "claim", None)
    quote = services.claim_quote(theft) if theft.status == TheftStatus.OPEN else None
    return render(
        request,
        "vehicles/theft_detail.html",
        {
            "t": theft,
            "v": vehicle,
            "owner": _owner_masked(vehicle),
            "can_edit": can_edit,
            "state": _device_state(vehicle),
            "recovery": recovery,
            "claim": claim,
            "quote": quote,
            "can_claim": can_edit and has_role(request.user, CLAIM_ROLES),
            "conditions": RecoveryCondition.choices,
            "changes": timeline_for(theft),
            "officers": User.objects.filter(station_id=theft.station_id, is_active=True).order_by(
                "full_name"
            ),
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            **_map_context(),
        },
    )


@login_required
def theft_track_json(request, pk):
    """JSON for the tracking page: last position and today's trail (polled)."""
    theft = get_object_or_404(
        Theft.objects.visible_to(request.user).select_related("vehicle__device"), pk=pk
    )
    device = theft.vehicle.device
    if device is None:
        return JsonResponse({"last": None, "points": []})
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    return JsonResponse(
        {
            "last": selectors.live_row(theft.vehicle, device)
            if device.latitude is not None
            else None,
            "points": selectors.trail_points(device, start, timezone.now()),
        }
    )


@login_required
@require_POST
def recovery_view(request, pk):
    theft = get_object_or_404(Theft.objects.visible_to(request.user), pk=pk)
    post = request.POST
    try:
        officer = None
        if (post.get("recovered_by") or "").isdigit():
            officer = User.objects.filter(
                station_id=theft.station_id, pk=int(post["recovered_by"])
            ).first()
        services.recovery_record(
            actor=request.user,
            theft=theft,
            place=post.get("place", ""),
            condition=post.get("condition", ""),
            recovered_at=_datetime(post.get("recovered_at", ""), _("追回时间")),
            recovered_by=officer,
            note=post.get("note", ""),
            latitude=_float(post.get("latitude")),
            longitude=_float(post.get("longitude")),
        )
        messages.success(request, _("已登记追回"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(theft)


@login_required
@require_POST
def claim_view(request, pk):
    theft = get_object_or_404(Theft.objects.visible_to(request.user), pk=pk)
    try:
        claim = services.claim_approve(actor=request.user, theft=theft)
        messages.success(request, _("已办理理赔:%(amount)s元") % {"amount": claim.amount})
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(theft)


@login_required
@require_POST
def claim_pay_view(request, pk):
    claim = get_object_or_404(
        InsuranceClaim.objects.visible_to(request.user).select_related("theft"), pk=pk
    )
    try:
        services.claim_pay(
            actor=request.user,
            claim=claim,
            paid_at=_datetime(request.POST.get("paid_at", ""), _("赔付时间")),
        )
        messages.success(request, _("已登记赔付"))
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(claim.theft)


# ----------------------------------------------------------------------------- devices and the install desk


def _may_accept(user) -> bool:
    return (
        has_role(user, STATION_ROLES | {"community_officer", "auxiliary"})
        and user.station_id is not None
    )


@login_required
def device_pending(request):
    """Unknown trackers that connected: an officer accepts them into the station (then installs them)."""
    from fengqiao.tracking.models import Device

    devices = (
        Device.objects.pending().filter(station__isnull=True).order_by("-last_seen_at", "-pk")[:200]
    )
    return render(
        request,
        "vehicles/devices_pending.html",
        {"devices": devices, "can_accept": _may_accept(request.user)},
    )


@login_required
@require_POST
def device_accept_view(request, pk):
    from fengqiao.tracking.models import Device
    from fengqiao.tracking.services import device_accept

    if not _may_accept(request.user):
        return _forbidden(request, _("您的角色无权接收设备"))
    device = get_object_or_404(Device.objects.pending().filter(station__isnull=True), pk=pk)
    try:
        device_accept(actor=request.user, device=device, station=request.user.station)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("vehicles:device_pending")
    messages.success(
        request, _("设备%(id)s已接收,请在安装登记中绑定车辆") % {"id": device.identifier}
    )
    return redirect(
        reverse("vehicles:install") + f"?imei={device.identifier}&protocol={device.protocol}"
    )


def _owner_lookup(user, text: str):
    text = (text or "").strip().upper()
    if not text:
        raise ValidationError({"owner": [_("请填写车主身份证号或手机号")]})
    people = Person.objects.visible_to(user)
    matches = list(people.filter(id_number=text)[:2]) or list(people.filter(phone=text)[:2])
    if not matches:
        raise ValidationError({"owner": [_("本所实有人口中没有该车主,请先登记人口")]})
    if len(matches) > 1:
        raise ValidationError({"owner": [_("该手机号对应多人,请改用身份证号")]})
    return matches[0]


def _install_defaults(values: dict) -> dict:
    """Prefill the arm/disarm commands of a device already known (the same tracker refitted or its
    commands corrected), so submitting the form unchanged keeps them."""
    from fengqiao.tracking.models import Device

    imei = (values.get("imei") or "").strip()
    if imei and "arm_command" not in values:
        device = (
            Device.objects.filter(identifier=imei).only("arm_command", "disarm_command").first()
        )
        if device is not None:
            values["arm_command"] = device.arm_command
            values["disarm_command"] = device.disarm_command
    return values


@login_required
def install_desk(request):
    """安装登记: register the vehicle (or pick a registered one) and fit the tracker, in one step."""
    user = request.user
    context = {
        "kinds": VehicleKind.choices,
        "protocols": TrackerProtocol.choices,
        "post": request.POST or request.GET,
    }
    vehicle = None
    if (request.GET.get("vehicle") or "").isdigit():
        vehicle = Vehicle.objects.visible_to(user).filter(pk=int(request.GET["vehicle"])).first()
    context["vehicle"] = vehicle
    if request.method == "GET":
        context["post"] = _install_defaults(request.GET.dict())
    if request.method == "POST":
        post = request.POST
        try:
            with transaction.atomic():
                if (post.get("vehicle") or "").isdigit():
                    vehicle = get_object_or_404(
                        Vehicle.objects.visible_to(user), pk=int(post["vehicle"])
                    )
                else:
                    purchased = (post.get("purchased_on") or "").strip()
                    try:
                        purchased_on = dt.date.fromisoformat(purchased) if purchased else None
                    except ValueError:
                        raise ValidationError({"purchased_on": [_("购车日期格式不正确")]}) from None
                    vehicle = services.vehicle_register(
                        actor=user,
                        owner=_owner_lookup(user, post.get("owner", "")),
                        plate=post.get("plate", ""),
                        kind=post.get("kind", ""),
                        brand=post.get("brand", ""),
                        colour=post.get("colour", ""),
                        frame_number=post.get("frame_number", ""),
                        purchased_on=purchased_on,
                    )
                services.tracker_install(
                    actor=user,
                    vehicle=vehicle,
                    imei=post.get("imei", ""),
                    protocol=post.get("protocol", ""),
                    sim=post.get("sim", ""),
                    install_point=post.get("install_point", ""),
                    arm_command=post.get("arm_command", ""),
                    disarm_command=post.get("disarm_command", ""),
                )
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            context["error"] = _error_text(exc)
            return render(request, "vehicles/install.html", context, status=400)
        messages.success(request, _("已为%(plate)s安装定位器") % {"plate": vehicle.plate})
        return redirect(vehicle)
    return render(request, "vehicles/install.html", context)


# ----------------------------------------------------------------------------- figures


@login_required
def figures(request):
    rows = selectors.figures_by_year(request.user)
    chart = {
        "years": [str(r["year"]) for r in rows],
        "series": [
            {
                "name": _("安装(摩托车)"),
                "data": [r["installed_motorcycle"] for r in rows],
                "axis": 0,
            },
            {
                "name": _("安装(电动轻便摩托车)"),
                "data": [r["installed_e_motorcycle"] for r in rows],
                "axis": 0,
            },
            {"name": _("被盗"), "data": [r["thefts"] for r in rows], "axis": 1},
            {
                "name": _("追回(摩托车)"),
                "data": [r["recovered_motorcycle"] for r in rows],
                "axis": 1,
            },
            {
                "name": _("追回(电动轻便摩托车)"),
                "data": [r["recovered_e_motorcycle"] for r in rows],
                "axis": 1,
            },
            {"name": _("赔付(元)"), "data": [r["paid"] for r in rows], "axis": 2},
        ],
        "axes": [_("安装(辆)"), _("被盗/追回(辆)"), _("赔付(元)")],
    }
    return render(
        request,
        "vehicles/figures.html",
        {
            "rows": rows,
            "chart": chart,
            "counts": selectors.fleet_counts(request.user),
        },
    )
