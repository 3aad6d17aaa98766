"""移动警务 pages: the phone's home (my dispatches, the offline queue), the incident card with one-tap
steps, evidence upload and the scoped file view, the work log; the PWA's manifest and service worker."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fengqiao.core import masking
from fengqiao.core.web import error_text, forbidden
from fengqiao.field import permissions, rules, selectors, services
from fengqiao.field.choices import Step, WorkKind
from fengqiao.field.forms import EvidenceForm, WorkLogForm
from fengqiao.field.models import Evidence
from fengqiao.incidents.choices import Outcome


def _incident(user, pk):
    from fengqiao.incidents.models import Incident

    return get_object_or_404(Incident.objects.visible_to(user).select_related("category"), pk=pk)


@login_required
def home(request):
    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.registry.models import LiaisonPoint

    user = request.user
    incidents = list(selectors.my_open_incidents(user))
    disputes = list(selectors.my_open_disputes(user)) if permissions.can_work(user) else []
    points = list(
        LiaisonPoint.objects.filter(
            station_id=user.station_id, active=True, community__officers=user
        ).order_by("community__name", "name")[:50]
    )
    tasks = list(selectors.my_open_tasks(user)) if permissions.can_work(user) else []
    return render(
        request,
        "field/home.html",
        {
            "incidents": incidents,
            "disputes": disputes,
            "tasks": tasks,
            "points": points,
            "answers": [(v, label) for v, label in CallAnswer.choices if v != CallAnswer.MISSED],
            "categories": IncidentCategory.objects.order_by("code"),
            "can_intake": permissions.can_work(user) and bool(user.station_id),
            "work_kinds": WorkKind.choices,
            "can_log": request.user.is_superuser or request.user.role in services.WORK_LOG_ROLES,
        },
    )


@login_required
def incident(request, pk):
    obj = _incident(request.user, pk)
    done = selectors.steps_done(obj)
    point = services._incident_point(obj)
    nav = (
        rules.navigation_url(settings.FIELD_NAVIGATION_URL, point[0], point[1], obj.location or "")
        if point
        else ""
    )
    from fengqiao.registry.permissions import can_reveal

    return render(
        request,
        "field/incident.html",
        {
            "incident": obj,
            "steps": [(s, s.label, done.get(s)) for s in rules.STEP_ORDER],
            "next_step": rules.next_step(set(done)),
            "caller_phone": masking.mask_phone(obj.caller_phone),
            "can_call": bool(obj.caller_phone) and can_reveal(request.user),
            "nav_url": nav,
            "point": point,
            "radius": settings.FIELD_ARRIVAL_RADIUS_M,
            "evidence": services.evidence_for(request.user, obj),
            "evidence_form": EvidenceForm(),
            "target_label": "incidents.incident",
            "target": obj,
            "can_upload": permissions.can_work(request.user),
            "version": services.record_version(obj),
            "outcomes": Outcome.choices,
        },
    )


class _TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@login_required
@require_POST
def call_caller(request, pk):
    """Tap-to-call: the number goes to the phone's dialler, never onto the screen; the reveal is
    recorded with its purpose."""
    from fengqiao.incidents.services import caller_phone_reveal

    obj = _incident(request.user, pk)
    if not obj.caller_phone:
        messages.error(request, _("该警情没有报警电话"))
        return redirect("field:incident", pk=pk)
    try:
        caller_phone_reveal(
            actor=request.user, incident=obj, purpose=_("出警联系报警人"), channel="field"
        )
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    digits = "".join(ch for ch in obj.caller_phone if ch.isdigit() or ch == "+")
    return _TelRedirect(f"tel:{digits}")


@login_required
@require_POST
def step(request, pk):
    obj = _incident(request.user, pk)
    at = parse_datetime(request.POST.get("at") or "") if request.POST.get("at") else None
    try:
        services.incident_step(
            actor=request.user,
            incident=obj,
            step=request.POST.get("step", ""),
            at=at,
            latitude=request.POST.get("latitude") or None,
            longitude=request.POST.get("longitude") or None,
            accuracy=request.POST.get("accuracy") or None,
            note=request.POST.get("note", ""),
            outcome=request.POST.get("outcome", ""),
        )
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("已登记“%(step)s”") % {"step": Step(request.POST["step"]).label},
        )
    return redirect("field:incident", pk=pk)


@login_required
@require_GET
def arrival(request, pk):
    """Whether 到场 is proposed where the phone is now (?latitude=&longitude=&accuracy=)."""
    obj = _incident(request.user, pk)
    g = request.GET
    try:
        accuracy = float(g["accuracy"]) if g.get("accuracy") else None
    except ValueError:
        accuracy = None
    return JsonResponse(
        services.arrival_check(obj, g.get("latitude"), g.get("longitude"), accuracy)
    )


@login_required
def evidence_upload(request, label, pk):
    """GET: the record's scene evidence and the upload form; POST: store one file."""
    try:
        target = services.resolve_target(request.user, label, pk)
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError:
        raise Http404 from None
    if request.method != "POST":
        return render(
            request,
            "field/evidence.html",
            {
                "target": target,
                "target_label": label.lower(),
                "back": target.get_absolute_url() if hasattr(target, "get_absolute_url") else "",
                "evidence": services.evidence_for(request.user, target),
                "evidence_form": EvidenceForm(),
                "can_upload": permissions.can_work(request.user),
            },
        )
    form = EvidenceForm(request.POST, request.FILES)
    back = request.POST.get("next") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("field:home")
    if not form.is_valid():
        messages.error(
            request,
            _("上传失败:") + "; ".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return redirect(back)
    d = form.cleaned_data
    try:
        services.evidence_attach(
            actor=request.user,
            target=target,
            upload=d["file"],
            kind=d["kind"] or None,
            note=d["note"],
            taken_at=d["taken_at"],
            latitude=d["latitude"],
            longitude=d["longitude"],
            client_id=d["client_id"],
        )
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _("上传失败:") + error_text(exc))
    else:
        messages.success(request, _("证据已保存"))
    return redirect(back)


def _serve(request, pk, thumbnail: bool):
    ev = get_object_or_404(Evidence.objects.visible_to(request.user), pk=pk)
    try:
        handle = services.evidence_open(actor=request.user, evidence=ev, thumbnail=thumbnail)
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        return HttpResponse(error_text(exc), status=410, content_type="text/plain; charset=utf-8")
    response = FileResponse(handle, content_type="image/jpeg" if thumbnail else ev.mime)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def evidence_file(request, pk):
    return _serve(request, pk, thumbnail=False)


@login_required
@require_GET
def evidence_thumb(request, pk):
    return _serve(request, pk, thumbnail=True)


@login_required
def worklog(request):
    user = request.user
    form = WorkLogForm(request.POST or None, initial={"occurred_at": timezone.localtime()})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.worklog_add(actor=user, **d)
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("工作日志已保存"))
                return redirect("field:worklog")
    qs, f = selectors.worklog_filter(user, request.GET)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    counts = selectors.worklog_counts(qs)
    return render(
        request,
        "field/worklog.html",
        {
            "form": form,
            "page": page,
            "f": f,
            "counts": counts,
            "kinds": WorkKind.choices,
            "can_log": user.is_superuser or user.role in services.WORK_LOG_ROLES,
        },
    )


@never_cache
def manifest(request):
    return JsonResponse(
        {
            "name": _("枫桥移动警务"),
            "short_name": _("移动警务"),
            "start_url": reverse("field:home"),
            "scope": reverse("field:home"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1d4ed8",
            "lang": "zh-CN",
            "icons": [
                {"src": static("fengqiao/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
def service_worker(request):
    """Served from /field/ so that its scope is the field app. It caches the app shell (static files and
    the data-free offline page) only: no page or answer with anyone's data is ever cached."""
    body = render(
        request,
        "field/sw.js",
        {
            "version": settings.FENGQIAO_VERSION if hasattr(settings, "FENGQIAO_VERSION") else "1",
            "scope": reverse("field:home"),
            "shell": [
                reverse("field:offline"),
                static("fengqiao/app.css"),
                static("field/field.js"),
                static("field/field.css"),
                static("fengqiao/favicon.svg"),
            ],
        },
        content_type="application/javascript; charset=utf-8",
    )
    body["Service-Worker-Allowed"] = reverse("field:home")
    return body


def offline(request):
    """The data-free page the service worker shows when there is no network: the offline forms and the
    queue (read from IndexedDB by field.js)."""
    return render(request, "field/offline.html", {"work_kinds": WorkKind.choices})


@login_required
def unit_board(request):
    """警力: the officers on shift, their status and the age of their last fix (refreshes itself)."""
    from fengqiao.field import units

    if not permissions.can_see_units(request.user):
        return forbidden(request, _("您的角色不能查看警力位置"))
    if not request.user.station_id:
        return forbidden(request, _("警力位置按派出所查看"))
    rows = units.units(request.user.station_id)
    template = "field/_units.html" if request.headers.get("HX-Request") else "field/units.html"
    return render(request, template, {"units": rows})


@login_required
@require_GET
def push_key(request):
    from fengqiao.field import webpush

    return JsonResponse({"key": webpush.public_key()})


@login_required
@require_POST
def push_subscribe(request):
    """Store this phone's Web Push subscription for the signed-in user (JSON from pushManager)."""
    import json

    from fengqiao.field.models import PushSubscription

    try:
        sub = json.loads(request.body or b"{}")
        endpoint = str(sub["endpoint"])
        keys = sub["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": _("订阅数据不完整")}, status=400)
    if (
        not endpoint.startswith("https://")
        or len(endpoint) > 500
        or len(p256dh) > 200
        or len(auth) > 100
    ):
        return JsonResponse({"detail": _("推送地址不对")}, status=400)
    PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": request.user, "p256dh": p256dh, "auth": auth, "failures": 0},
    )
    return JsonResponse({"ok": True})


@login_required
@require_POST
def push_unsubscribe(request):
    import json

    from fengqiao.field.models import PushSubscription

    try:
        endpoint = str(json.loads(request.body or b"{}")["endpoint"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": _("订阅数据不完整")}, status=400)
    PushSubscription.objects.filter(user=request.user, endpoint=endpoint).delete()
    return JsonResponse({"ok": True})


@login_required
def dispute(request, pk):
    """A dispute file on the phone: the session note and photos, both usable with no network."""
    from fengqiao.disputes.choices import SessionOutcome
    from fengqiao.disputes.models import Dispute

    obj = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related("dispute_type", "community"), pk=pk
    )
    return render(
        request,
        "field/dispute.html",
        {
            "dispute": obj,
            "outcomes": SessionOutcome.choices,
            "version": services.record_version(obj),
            "can_record": Dispute.objects.editable_by(request.user).filter(pk=obj.pk).exists(),
            "evidence": services.evidence_for(request.user, obj),
            "evidence_form": EvidenceForm(),
            "target_label": "disputes.dispute",
            "target": obj,
            "can_upload": permissions.can_work(request.user),
        },
    )


@login_required
def patrol_cars(request):
    """巡逻车: the station's patrol cars (呼号, 车牌, 乘警) and their trackers; registering one (or changing
    its crew) is one form keyed by the tracker. A car's positions are stored only while one of its
    crew is on shift (docs/field.md)."""
    from fengqiao.accounts.models import User
    from fengqiao.field import patrol
    from fengqiao.field.models import PatrolCar
    from fengqiao.tracking.choices import DeviceStatus
    from fengqiao.tracking.models import Device

    user = request.user
    if not permissions.can_see_units(user) or not user.station_id:
        return forbidden(request, _("您的角色不能登记巡逻车"))
    devices = Device.objects.filter(
        station_id=user.station_id, status=DeviceStatus.ACTIVE
    ).order_by("identifier")
    people = User.objects.filter(station_id=user.station_id, is_active=True).order_by("full_name")
    if request.method == "POST":
        device = devices.filter(pk=request.POST.get("device") or 0).first()
        crew = list(people.filter(pk__in=[v for v in request.POST.getlist("crew") if v.isdigit()]))
        if device is None:
            messages.error(request, _("请选择本所已接收的定位设备"))
        else:
            try:
                car = patrol.car_register(
                    actor=user,
                    device=device,
                    name=request.POST.get("name", ""),
                    plate=request.POST.get("plate", ""),
                    crew=crew,
                )
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("巡逻车 %(name)s 已保存") % {"name": car.name})
                return redirect("field:cars")
    cars = (
        PatrolCar.objects.visible_to(user)
        .select_related("device")
        .prefetch_related("crew")
        .order_by("name")
    )
    return render(request, "field/cars.html", {"cars": cars, "devices": devices, "people": people})


@login_required
def registration_task(request, pk):
    """核查登记 at the estate gate: the task and the check (排除 with a reason, or 登记 by the ID number
    shown), queued on the phone with no network; photos of the credential as evidence."""
    from fengqiao.estates.models import RegistrationTask
    from fengqiao.registry.choices import InflowReason, PersonCategory

    obj = get_object_or_404(
        RegistrationTask.objects.visible_to(request.user).select_related("estate", "community"),
        pk=pk,
    )
    can_check = (
        obj.status == "open"
        and RegistrationTask.objects.editable_by(request.user).filter(pk=obj.pk).exists()
    )
    return render(
        request,
        "field/task.html",
        {
            "task": obj,
            "version": services.record_version(obj),
            "can_check": can_check,
            "categories": [
                (v, label)
                for v, label in PersonCategory.choices
                if v in (PersonCategory.FLOATING, PersonCategory.REGISTERED)
            ],
            "inflow_reasons": InflowReason.choices,
            "evidence": services.evidence_for(request.user, obj),
            "evidence_form": EvidenceForm(),
            "target_label": "estates.registrationtask",
            "target": obj,
            "can_upload": permissions.can_work(request.user),
        },
    )


@login_required
def nearest(request, pk):
    """派警 by distance: the on-shift units ranked by straight-line distance and status (units on post
    first); one click dispatches the chosen one (the desk's own dispatch service)."""
    from fengqiao.accounts.models import User
    from fengqiao.field import units
    from fengqiao.incidents.services import incident_dispatch

    obj = _incident(request.user, pk)
    if not permissions.can_see_units(request.user):
        return forbidden(request, _("您的角色不能查看警力位置"))
    if request.method == "POST":
        # A patrol car is dispatched as its crew on shift (one `officer` per crew member).
        wanted = [int(v) for v in request.POST.getlist("officer") if v.isdigit()]
        chosen = list(User.objects.filter(pk__in=wanted, station_id=obj.station_id))
        if not chosen:
            messages.error(request, _("请选择在班民警"))
            return redirect("field:nearest", pk=pk)
        try:
            incident_dispatch(actor=request.user, incident=obj, officers=chosen)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("field:nearest", pk=pk)
        messages.success(
            request, _("已派警给 %(name)s") % {"name": "、".join(u.display_name for u in chosen)}
        )
        return redirect(obj.get_absolute_url())
    ranked = units.nearest_units(obj, limit=10)
    return render(
        request,
        "field/nearest.html",
        {
            "incident": obj,
            "units": ranked,
            "has_place": services._incident_point(obj) is not None,
            "can_dispatch": obj.status == "received",
        },
    )
