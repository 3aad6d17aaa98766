from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.core.web import safe_next
from fengqiao.notifications import attention, selectors, services, stream
from fengqiao.notifications.choices import Level
from fengqiao.notifications.models import Notification


@login_required
@require_GET
def inbox(request):
    show = request.GET.get("show", "all")
    level = request.GET.get("level", "")
    notifications = Notification.objects.for_user(request.user)
    if show == "unread":
        notifications = notifications.unread()
    if level in Level.values:
        notifications = notifications.filter(level=level)
    notifications = notifications.prefetch_related("deliveries")
    page = Paginator(notifications.order_by("-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "show": show,
            "level": level,
            "levels": Level.choices,
            "unread": selectors.unread_count(request.user),
        },
    )


@login_required
@require_GET
def open_notification(request, pk):
    """Follow a notification's link, marking it read. Another user's notification does not exist."""
    notification = Notification.objects.for_user(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404(_("没有这条通知"))
    services.notification_mark_read(actor=request.user, notification_id=notification.pk)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect("notifications:inbox")
    return redirect(target)


@login_required
@require_POST
def mark_read(request, pk):
    if not Notification.objects.for_user(request.user).filter(pk=pk).exists():
        raise Http404(_("没有这条通知"))
    services.notification_mark_read(actor=request.user, notification_id=pk)
    return redirect(safe_next(request, "notifications:inbox"))


@login_required
@require_POST
def mark_all_read(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": count})
    return redirect(safe_next(request, "notifications:inbox"))


@login_required
@require_POST
def acknowledge(request):
    """确认所选 / 全部确认 on the home page's work queue: the ticked rows, or every row of the group.
    Each kind is acknowledged by its own part, which checks role and scope and records it."""
    values = [
        v for v in request.POST.getlist("all" if request.POST.get("scope") == "all" else "ref") if v
    ]
    try:
        rows = [attention.parse_refs([v]) for v in values]
        if sum(len(ids) for row in rows for ids in row.values()) > attention.MAX_REFS:
            raise ValueError("too many")
    except ValueError:
        messages.error(request, _("所选事项无法识别,未作处理。"))
        return redirect(safe_next(request, "home"))
    if not rows:
        messages.error(request, _("请先勾选要确认的事项。"))
        return redirect(safe_next(request, "home"))
    done = refused = 0
    for refs in rows:  # one row of the queue: an alert and the notifications about it
        result = attention.acknowledge(actor=request.user, refs=refs)
        if result["refused"] or result["unknown"] or not result["done"]:
            refused += 1
        else:
            done += 1
    if done:
        messages.success(request, _("已确认 %(n)d 项。") % {"n": done})
    if refused:
        messages.error(request, _("%(n)d 项无权确认或已不存在,未作处理。") % {"n": refused})
    return redirect(safe_next(request, "home"))


@login_required
@require_GET
def bell(request):
    return render(request, "notifications/_bell.html", selectors.bell_context(request.user))


@login_required
@require_GET
def event_stream(request):
    user_id = request.user.pk
    last_id = stream.parse_last_id(request.headers.get("Last-Event-ID"), request.GET.get("since"))
    if last_id is None:
        last_id = stream.latest_id(user_id)
    if stream.open_streams() >= settings.NOTIFY_STREAM_MAX_PER_PROCESS:
        # Full: keep threads for ordinary pages; the browser tries again in 30 s.
        content = iter([stream.BUSY])
    else:
        content = stream.events(
            user_id,
            last_id,
            duration=settings.NOTIFY_STREAM_SECONDS,
            poll=settings.NOTIFY_STREAM_POLL_MS / 1000,
            heartbeat=settings.NOTIFY_STREAM_HEARTBEAT_SECONDS,
        )
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer this response
    return response


class QuietHoursForm(forms.Form):
    quiet_from = forms.TimeField(
        label=_("免打扰开始"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_until = forms.TimeField(
        label=_("免打扰结束"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("免打扰开始和结束时间须同时填写或同时留空。"))
        if start is not None and start == end:
            raise forms.ValidationError(_("开始和结束时间不能相同。"))
        return data


@login_required
def quiet_hours(request):
    user = request.user
    if request.method == "POST":
        form = QuietHoursForm(request.POST)
        if form.is_valid():
            services.quiet_hours_set(
                actor=user,
                quiet_from=form.cleaned_data["quiet_from"],
                quiet_until=form.cleaned_data["quiet_until"],
            )
            messages.success(request, _("免打扰时段已保存。"))
            return redirect("notifications:settings")
    else:
        form = QuietHoursForm(
            initial={"quiet_from": user.quiet_from, "quiet_until": user.quiet_until}
        )
    return render(request, "notifications/settings.html", {"form": form})
