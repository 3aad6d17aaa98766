"""综合指挥室 pages: the wall (大屏) and its data, alerts, 执法监督, 排班, 视频巡查 and cameras."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.command import alerts, forms, permissions, roster, rules, selectors, services
from fengqiao.command.choices import AlertKind, SwapStatus
from fengqiao.command.models import (
    Alert,
    Camera,
    DutyAssignment,
    PatrolCheck,
    PatrolPoint,
    PatrolRound,
    Shift,
    SwapRequest,
)
from fengqiao.core.middleware import content_security_policy
from fengqiao.core.web import error_text, forbidden, safe_next


def _wall_guard(request):
    if not permissions.can_see_wall(request.user):
        return forbidden(request, _("只有指挥室、值班民警和所领导可以查看指挥大屏"))
    return None


@login_required
@require_GET
def wall(request):
    if not permissions.can_see_wall(request.user) and request.user.station_id:
        # The part's entry for everyone else at the station: the roster (who is on duty, my duties).
        return redirect("command:roster")
    refused = _wall_guard(request)
    if refused:
        return refused
    from django.conf import settings

    return render(
        request,
        "command/wall.html",
        {
            "full": request.GET.get("full") == "1",
            "dark": request.GET.get("theme") == "dark",
            "tile_url": settings.MAP_TILE_URL,
            "escalate_minutes": settings.COMMAND_ALERT_ESCALATE_MINUTES,
        },
    )


@login_required
@require_GET
def wall_data(request):
    if not permissions.can_see_wall(request.user):
        return JsonResponse({"error": _("无权查看")}, status=403)
    response = JsonResponse(selectors.wall_data(request.user, timezone.now()))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def alert_list(request):
    refused = _wall_guard(request)
    if refused:
        return refused
    rows = Alert.objects.visible_to(request.user).select_related("acknowledged_by", "community")
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.unacknowledged()
    elif show == "escalated":
        rows = rows.unacknowledged().filter(escalated_at__isnull=False)
    kind = request.GET.get("kind", "")
    if kind in AlertKind.values:
        rows = rows.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(title__contains=q)
    if request.GET.get("id", "").isdigit():
        rows = Alert.objects.visible_to(request.user).filter(pk=int(request.GET["id"]))
        show = "all"
    page = Paginator(rows.order_by("-last_seen_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "command/alerts.html",
        {
            "page": page,
            "show": show,
            "kind": kind,
            "q": q,
            "kinds": AlertKind.choices,
            "now": timezone.now(),
        },
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def alert_ack(request, pk):
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=pk)
    try:
        alerts.alert_acknowledge(actor=request.user, alert=alert, note=request.POST.get("note", ""))
    except PermissionDenied as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=403)
        return forbidden(request, str(exc))
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"error": error_text(exc)}, status=409)
        messages.error(request, error_text(exc))
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True, "by": request.user.display_name})
        messages.success(request, _("已确认"))
    return redirect(safe_next(request, reverse("command:alert_list")))


@login_required
@require_POST
def group_ack(request):
    if not permissions.can_see_wall(request.user) or not request.user.station_id:
        return JsonResponse({"error": _("无权确认")}, status=403)
    n = alerts.alerts_acknowledge_group(
        actor=request.user,
        station_id=request.user.station_id,
        group_key=request.POST.get("group", ""),
    )
    return JsonResponse({"ok": True, "acknowledged": n, "by": request.user.display_name})


@login_required
@require_GET
def supervision(request):
    if not permissions.can_see_supervision(request.user):
        return forbidden(request, _("只有案管民警、指挥室、值班民警和所领导可以查看执法监督"))
    data = selectors.supervision(request.user, timezone.now())
    template = (
        "command/_supervision.html"
        if request.headers.get("HX-Request")
        else "command/supervision.html"
    )
    return render(request, template, {"data": data})


# ----------------------------------------------------------------------------- roster


def _monday(request) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return rules.week_start(day)


@login_required
def roster_page(request):
    user = request.user
    if not user.station_id:
        return forbidden(request, _("只有派出所人员可以查看排班"))
    monday = _monday(request)
    station_id = user.station_id
    manage = permissions.can_manage_roster(user)
    forms_ = {
        "assign": forms.AssignForm(station_id=station_id, initial={"day": monday}),
        "leader": forms.LeaderWeekForm(station_id=station_id, initial={"week_start": monday}),
        "copy": forms.CopyWeekForm(
            initial={"from_week": monday - dt.timedelta(days=7), "to_week": monday}
        ),
        "swap": forms.SwapForm(station_id=station_id),
        "shift": forms.ShiftForm(),
    }
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _roster_action(request, action, forms_, station_id)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ValidationError as exc:
            error, status = error_text(exc), 400
        else:
            if done:
                messages.success(request, done)
                return redirect(reverse("command:roster") + f"?week={monday}")
            error, status = _("请检查填写的内容"), 400
    grid = roster.week_grid(station_id, monday)
    mine = (
        DutyAssignment.objects.filter(user=user, day__gte=timezone.localdate())
        .select_related("shift")
        .order_by("day")[:14]
    )
    swaps = (
        SwapRequest.objects.visible_to(user)
        .select_related(
            "assignment__shift", "assignment__user", "replacement", "requested_by", "decided_by"
        )
        .order_by("-created_at")[:30]
    )
    for s in swaps:
        s.can_decide = s.status == SwapStatus.PENDING and permissions.can_decide_swap(user, s)
    return render(
        request,
        "command/roster.html",
        {
            "monday": monday,
            "prev": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "grid": grid,
            "forms": forms_,
            "manage": manage,
            "mine": mine,
            "swaps": swaps,
            "shifts": Shift.objects.filter(station_id=station_id),
            "now_duty": roster.on_duty(station_id),
            "error": error,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _roster_action(request, action, forms_, station_id) -> str | None:
    user, post = request.user, request.POST
    station = user.station
    if action == "assign":
        form = forms_["assign"] = forms.AssignForm(post, station_id=station_id)
        if not form.is_valid():
            return None
        roster.duty_assign(actor=user, station=station, **form.cleaned_data)
        return _("已排班")
    if action == "remove":
        a = get_object_or_404(DutyAssignment.objects.visible_to(user), pk=post.get("assignment"))
        roster.duty_remove(actor=user, assignment=a)
        return _("已删除该值班安排")
    if action == "leader":
        form = forms_["leader"] = forms.LeaderWeekForm(post, station_id=station_id)
        if not form.is_valid():
            return None
        roster.leader_week_set(actor=user, station=station, **form.cleaned_data)
        return _("已设置带班所领导")
    if action == "copy":
        form = forms_["copy"] = forms.CopyWeekForm(post)
        if not form.is_valid():
            return None
        n = roster.week_copy(
            actor=user,
            station=station,
            from_monday=form.cleaned_data["from_week"],
            to_monday=form.cleaned_data["to_week"],
        )
        return _("已复制 %(n)d 条值班安排") % {"n": n}
    if action == "shift":
        form = forms_["shift"] = forms.ShiftForm(post)
        if not form.is_valid():
            return None
        roster.shift_save(
            actor=user,
            station=station,
            **{**form.cleaned_data, "sort": form.cleaned_data.get("sort") or 0},
        )
        return _("已保存班次")
    if action == "shift_toggle":
        shift = get_object_or_404(Shift.objects.visible_to(user), pk=post.get("shift"))
        roster.shift_set_active(actor=user, shift=shift, active=not shift.active)
        return _("已启用班次") if shift.active else _("已停用班次")
    if action == "swap":
        a = get_object_or_404(DutyAssignment.objects.visible_to(user), pk=post.get("assignment"))
        form = forms_["swap"] = forms.SwapForm(post, station_id=station_id)
        if not form.is_valid():
            return None
        roster.swap_request(actor=user, assignment=a, **form.cleaned_data)
        return _("已提交调班申请,等待带班所领导审批")
    if action in ("approve", "reject"):
        swap = get_object_or_404(SwapRequest.objects.visible_to(user), pk=post.get("swap"))
        roster.swap_decide(
            actor=user, swap=swap, approve=action == "approve", note=post.get("note", "")
        )
        return _("已批准调班") if action == "approve" else _("已驳回调班")
    if action == "cancel":
        swap = get_object_or_404(SwapRequest.objects.visible_to(user), pk=post.get("swap"))
        roster.swap_cancel(actor=user, swap=swap)
        return _("已撤回")
    raise ValidationError(_("未知的操作"))


# ----------------------------------------------------------------------------- video patrol


def _video_csp(response, cameras):
    """The page plays the cameras' streams: allow their origins for fetch (hls.js, mpegts.js, WHEP)
    and media (MSE blob: URLs); every other page keeps the strict policy."""
    origins = sorted({o for o in (services.stream_origin(c.stream_url) for c in cameras) if o})
    policy = content_security_policy().replace(
        "connect-src 'self'",
        "connect-src 'self' " + " ".join(origins) if origins else "connect-src 'self'",
    )
    policy += "; media-src 'self' blob: " + " ".join(origins)
    response["Content-Security-Policy"] = policy.strip()
    return response


@login_required
@require_GET
def demo_stream(request, name):
    """The demo cameras' generated HLS test pattern (command/demostream.py); the same pages play it."""
    from django.http import FileResponse, Http404

    from fengqiao.command import demostream

    found = demostream.file_for(name)
    if found is None:
        raise Http404
    path, kind = found
    return FileResponse(path.open("rb"), content_type=kind)


@login_required
def patrol(request):
    user = request.user
    if not permissions.can_patrol(user) and not permissions.can_see_wall(user):
        return forbidden(request, _("只有指挥室、值班民警和辅警可以视频巡查"))
    now = timezone.now()
    current = PatrolRound.objects.filter(
        station_id=user.station_id, started_by=user, finished_at__isnull=True
    ).first()
    point_id = request.GET.get("point") if (request.GET.get("point") or "").isdigit() else None
    first_camera = (
        PatrolPoint.cameras.through.objects.filter(patrolpoint_id=point_id)
        .values_list("camera_id", flat=True)
        .first()
        if point_id
        else None
    )
    form = forms.CheckForm(
        station_id=user.station_id, initial={"point": point_id, "camera": first_camera}
    )
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                services.round_start(actor=user)
                messages.success(request, _("已开始巡查"))
                return redirect("command:patrol")
            if action == "finish" and current:
                services.round_finish(
                    actor=user, patrol_round=current, note=request.POST.get("note", "")
                )
                messages.success(request, _("本轮巡查已结束"))
                return redirect("command:patrol")
            form = forms.CheckForm(request.POST, station_id=user.station_id)
            if form.is_valid():
                d = form.cleaned_data
                check = services.patrol_check(
                    actor=user,
                    point=d["point"],
                    camera=d["camera"],
                    result=d["result"],
                    note=d["note"],
                    patrol_round=current,
                    open_incident=d["open_incident"],
                    category=d["category"],
                    urgency=d["urgency"] or "normal",
                )
                if check.incident_id:
                    messages.success(
                        request, _("已记录,并生成警情 %(ref)s") % {"ref": check.incident.reference}
                    )
                else:
                    messages.success(request, _("已记录巡查"))
                return redirect("command:patrol")
            error, status = _("请检查填写的内容"), 400
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ValidationError as exc:
            error, status = error_text(exc), 400
    points = list(
        PatrolPoint.objects.visible_to(user).filter(active=True).prefetch_related("cameras")
    )
    done = set(current.checks.values_list("point_id", flat=True)) if current else set()
    for p in points:
        p.due = (
            rules.patrol_overdue(p.last_checked_at, p.interval_minutes, now) if p.is_key else False
        )
        p.done_this_round = p.pk in done
    selected = None
    if (request.GET.get("point") or "").isdigit():
        selected = next((p for p in points if p.pk == int(request.GET["point"])), None)
    cameras = list(selected.cameras.all()) if selected else []
    log = PatrolCheck.objects.visible_to(user).select_related("point", "by", "incident", "camera")[
        :30
    ]
    response = render(
        request,
        "command/patrol.html",
        {
            "points": points,
            "selected": selected,
            "cameras": cameras,
            "current": current,
            "form": form,
            "error": error,
            "log": log,
            "can_patrol": permissions.can_patrol(user),
            "round_done": len(done),
            "round_total": sum(1 for p in points if p.is_key),
            "now": now,
        },
        status=status,
    )
    return _video_csp(response, cameras)


@login_required
@require_GET
def patrol_log(request):
    user = request.user
    if not user.station_id:
        return forbidden(request, _("只有派出所人员可以查看巡查日志"))
    rows = PatrolCheck.objects.visible_to(user).select_related("point", "by", "incident", "camera")
    result = request.GET.get("result", "")
    if result:
        rows = rows.filter(result=result)
    point = request.GET.get("point", "")
    if point.isdigit():
        rows = rows.filter(point_id=int(point))
    day = request.GET.get("day", "")
    error = ""
    if day:
        try:
            d = dt.date.fromisoformat(day)
        except ValueError:
            error = _("日期格式应为 年-月-日")
        else:
            start = dt.datetime.combine(d, dt.time.min, tzinfo=rules.TZ)
            rows = rows.filter(at__gte=start, at__lt=start + dt.timedelta(days=1))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    from fengqiao.command.choices import CheckResult

    return render(
        request,
        "command/patrol_log.html",
        {
            "page": page,
            "result": result,
            "point": point,
            "day": day,
            "error": error,
            "results": CheckResult.choices,
            "points": PatrolPoint.objects.visible_to(user),
            "rounds": PatrolRound.objects.visible_to(user).select_related("started_by")[:10],
        },
    )


@login_required
def round_detail(request, pk):
    r = get_object_or_404(
        PatrolRound.objects.visible_to(request.user).select_related("started_by"), pk=pk
    )
    checks = r.checks.select_related("point", "incident", "camera")
    return render(request, "command/round_detail.html", {"round": r, "checks": checks})


@login_required
def cameras(request, pk=None):
    user = request.user
    if not user.station_id:
        return forbidden(request, _("只有派出所人员可以查看摄像头"))
    instance = get_object_or_404(Camera.objects.visible_to(user), pk=pk) if pk else None
    manage = permissions.can_manage_video(user)
    form = (
        forms.CameraForm(request.POST or None, instance=instance, station_id=user.station_id)
        if manage
        else None
    )
    error, status = "", 200
    if request.method == "POST":
        if not manage:
            return forbidden(request, _("只有指挥室和所领导可以维护摄像头"))
        if form.is_valid():
            try:
                services.camera_save(actor=user, camera=instance, **form.cleaned_data)
            except ValidationError as exc:
                error, status = error_text(exc), 400
            else:
                messages.success(request, _("已保存"))
                return redirect("command:cameras")
        else:
            status = 400
    point_form = forms.PointForm(station_id=user.station_id) if manage else None
    return render(
        request,
        "command/cameras.html",
        {
            "cameras": Camera.objects.visible_to(user).select_related("community"),
            "points": PatrolPoint.objects.visible_to(user).prefetch_related("cameras"),
            "form": form,
            "point_form": point_form,
            "instance": instance,
            "error": error,
            "manage": manage,
        },
        status=status,
    )


@login_required
def point_edit(request, pk=None):
    user = request.user
    if not permissions.can_manage_video(user):
        return forbidden(request, _("只有指挥室和所领导可以维护巡查点"))
    instance = get_object_or_404(PatrolPoint.objects.visible_to(user), pk=pk) if pk else None
    form = forms.PointForm(request.POST or None, instance=instance, station_id=user.station_id)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            d = dict(form.cleaned_data)
            cams = list(d.pop("cameras"))
            try:
                services.point_save(actor=user, point=instance, cameras=cams, **d)
            except ValidationError as exc:
                error, status = error_text(exc), 400
            else:
                messages.success(request, _("已保存"))
                return redirect("command:cameras")
        else:
            status = 400
    return render(
        request,
        "command/point_form.html",
        {"form": form, "instance": instance, "error": error},
        status=status,
    )


@login_required
@require_GET
def camera_detail(request, pk):
    camera = get_object_or_404(Camera.objects.visible_to(request.user), pk=pk)
    response = render(request, "command/camera_detail.html", {"camera": camera})
    return _video_csp(response, [camera])
