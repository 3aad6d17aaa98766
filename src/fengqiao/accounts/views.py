import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.accounts import services
from fengqiao.accounts.choices import Role
from fengqiao.accounts.forms import LoginForm, PasswordForm, StaffCreateForm, StaffForm, TotpForm
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES, may_manage
from fengqiao.core.clientaddr import client_ip


def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.GET.get("idle"):
        error = _("长时间未操作,已自动退出,请重新登录")
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = client_ip(request)
        locked_until = services.login_locked(username=username, ip_address=ip)
        if locked_until:
            error = services.lock_message(locked_until)
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            services.login_attempt_record(
                username=username, ip_address=ip, succeeded=user is not None
            )
            if user is None:
                error = _("用户名或密码不正确")
            else:
                login(request, user)
                request.session["totp_ok"] = False
                target = request.POST.get("next") or request.GET.get("next") or "/"
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                    target = "/"
                if user.totp_enabled:
                    request.session["after_totp"] = target
                    return redirect("accounts:totp_verify")
                return redirect(target)
    status = 200 if error is None or request.method == "GET" else 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    response = redirect("accounts:login")
    # The field app's service worker caches only the data-free shell, but a shared phone must keep
    # nothing of the last user: the browser drops its caches (issue 25).
    response["Clear-Site-Data"] = '"cache"'
    return response


@login_required
def totp_verify(request):
    form = TotpForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.second_factor_check(
                user=request.user, code=form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except ValidationError as exc:
            error = exc.messages[0]
            status = 429 if exc.code == "locked" else 400
        else:
            request.session["totp_ok"] = True
            return redirect(request.session.pop("after_totp", "/"))
    return render(
        request, "accounts/totp_verify.html", {"form": form, "error": error}, status=status
    )


@login_required
def totp_setup(request):
    secret = request.session.get("totp_pending") or services.totp_new_secret()
    request.session["totp_pending"] = secret
    form = TotpForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.user_enable_totp(
                user=request.user, secret=secret, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            request.session.pop("totp_pending", None)
            request.session["totp_ok"] = True
            messages.success(request, _("动态口令已启用,下次登录时需要输入"))
            return redirect("home")
    uri = services.totp_uri(request.user, secret)
    qr = segno.make(uri).svg_data_uri(scale=4)
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "error": error, "secret": secret, "qr": qr},
    )


# --- Staff management (leaders) ---------------------------------------------------------------


def _staff_queryset(user):
    qs = User.objects.select_related("station", "unit")
    if user.is_superuser:
        return qs
    if user.role in BUREAU_ROLES:
        return qs.filter(station__bureau_id=user.bureau_id)
    if user.role in LEADER_ROLES:
        return qs.filter(station_id=user.station_id)
    raise PermissionDenied(_("只有所领导或系统管理员可以管理人员"))


@login_required
def staff_list(request):
    qs = _staff_queryset(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(full_name__contains=q) | Q(username__icontains=q) | Q(police_number=q))
    role = request.GET.get("role", "")
    if role:
        qs = qs.filter(role=role)
    page = Paginator(qs.order_by("station__name", "unit__name", "full_name"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/staff_list.html",
        {"page": page, "q": q, "role": role, "roles": Role.choices},
    )


@login_required
def staff_create(request):
    _staff_queryset(request.user)
    station = request.user.station
    if station is None:
        raise PermissionDenied(_("请以派出所账号新建人员"))
    form = StaffCreateForm(request.POST or None, station=station, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                role=data["role"],
                rank=data["rank"],
                police_number=data["police_number"],
                phone=data["phone"],
                station=station,
                unit=data["unit"],
                communities=data["communities"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已新建用户 %(name)s") % {"name": user.display_name})
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True})


@login_required
def staff_edit(request, pk):
    target = get_object_or_404(_staff_queryset(request.user), pk=pk)
    if target.pk != request.user.pk and not may_manage(request.user, target):
        raise PermissionDenied(_("无权管理%(role)s账号") % {"role": target.get_role_display()})
    initial = {
        "full_name": target.full_name,
        "role": target.role,
        "rank": target.rank,
        "police_number": target.police_number,
        "phone": target.phone,
        "unit": target.unit,
        "communities": target.communities.all(),
        "is_active": target.is_active,
    }
    form = StaffForm(
        request.POST or None,
        initial=initial,
        station=target.station,
        actor=request.user,
        current_role=target.role,
    )
    password_form = PasswordForm()
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        communities = data.pop("communities")
        try:
            services.staff_update(actor=request.user, user=target, communities=communities, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("accounts:staff_list")
    return render(
        request,
        "accounts/staff_form.html",
        {"form": form, "target": target, "password_form": password_form},
    )


@login_required
@require_POST
def staff_password(request, pk):
    target = get_object_or_404(_staff_queryset(request.user), pk=pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.staff_set_password(
                actor=request.user, user=target, password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            messages.error(request, ";".join(exc.messages))
        else:
            messages.success(request, _("已重置 %(name)s 的密码") % {"name": target.display_name})
    else:
        messages.error(request, ";".join(e for errs in form.errors.values() for e in errs))
    return redirect("accounts:staff_edit", pk=target.pk)


@login_required
@require_POST
def staff_unlock(request, pk):
    target = get_object_or_404(_staff_queryset(request.user), pk=pk)
    services.staff_unlock(actor=request.user, user=target)
    messages.success(request, _("已解除 %(name)s 的登录锁定") % {"name": target.display_name})
    return redirect("accounts:staff_edit", pk=target.pk)


@login_required
def profile(request):
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_set_password(
                actor=request.user, user=request.user, password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
