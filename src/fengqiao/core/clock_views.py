"""A clock's page (due time, pauses, extensions, warnings, history) and its actions.

Parts show their objects' clocks with `{% include "core/_clock_panel.html" with clocks=clocks %}`
(`clocks = services.clocks_for(obj)`) and link here for pause, resume and extensions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core import services
from fengqiao.core.choices import ExtensionDecision
from fengqiao.core.history import timeline_for
from fengqiao.core.permissions import can_approve, can_work_on
from fengqiao.core.workflow_models import Clock, ClockExtension


def _visible_clock(request, pk) -> Clock:
    qs = Clock.objects.visible_to(request.user).select_related(
        "rule", "assignee", "unit", "station"
    )
    return get_object_or_404(qs, pk=pk)


@login_required
def clock_detail(request, pk):
    clock = _visible_clock(request, pk)
    extensions = list(clock.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.decision == ExtensionDecision.PENDING), None)
    return render(
        request,
        "core/clock_detail.html",
        {
            "clock": clock,
            "target": clock.obj,
            "pauses": clock.pauses.select_related("started_by", "ended_by"),
            "extensions": extensions,
            "warnings": clock.warnings.all(),
            "pending": pending,
            "can_work": can_work_on(request.user, clock),
            "can_decide": pending is not None and can_approve(request.user, pending),
            "changes": timeline_for(clock),
            "now": timezone.now(),
        },
    )


def _act(request, pk, action):
    clock = _visible_clock(request, pk)
    if not can_work_on(request.user, clock):
        raise PermissionDenied(_("只有承办人、单位负责人和所领导可以操作该时限"))
    try:
        message = action(clock)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect("core:clock_detail", pk=clock.pk)


@login_required
@require_POST
def clock_pause(request, pk):
    def action(clock):
        services.clock_pause(actor=request.user, clock=clock, reason=request.POST.get("reason", ""))
        return _("已暂停计时")

    return _act(request, pk, action)


@login_required
@require_POST
def clock_resume(request, pk):
    def action(clock):
        services.clock_resume(actor=request.user, clock=clock)
        return _("已恢复计时,到期时间已顺延")

    return _act(request, pk, action)


@login_required
@require_POST
def clock_extend(request, pk):
    def action(clock):
        raw = (request.POST.get("value") or "").strip()
        value = None
        if raw:
            try:
                value = int(raw)
            except ValueError:
                raise ValidationError(_("延长时长必须是大于0的整数")) from None
        services.clock_request_extension(
            actor=request.user,
            clock=clock,
            option_key=request.POST.get("option_key", ""),
            reason=request.POST.get("reason", ""),
            value=value,
        )
        return _("已提交延长申请,等待审批")

    return _act(request, pk, action)


@login_required
@require_POST
def extension_decide(request, pk):
    visible = Clock.objects.visible_to(request.user)
    extension = get_object_or_404(ClockExtension.objects.filter(clock__in=visible), pk=pk)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("decision") == "approve":
            services.clock_approve_extension(actor=request.user, extension=extension, note=note)
            messages.success(request, _("已批准延长"))
        else:
            services.clock_reject_extension(actor=request.user, extension=extension, note=note)
            messages.success(request, _("已不予批准"))
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    return redirect("core:clock_detail", pk=extension.clock_id)


@login_required
def approvals(request):
    """Extension requests waiting for the signed-in user's decision."""
    pending = (
        ClockExtension.objects.filter(
            decision=ExtensionDecision.PENDING, clock__in=Clock.objects.visible_to(request.user)
        )
        .select_related("clock__rule", "clock__station", "requested_by")
        .order_by("clock__due_at")
    )
    mine = [e for e in pending if can_approve(request.user, e)]
    return render(request, "core/clock_approvals.html", {"extensions": mine, "now": timezone.now()})
