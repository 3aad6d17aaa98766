import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from fengqiao.accounts import services
from fengqiao.accounts.forms import LoginForm, TotpForm


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.GET.get("idle"):
        error = "长时间未操作,已自动退出,请重新登录"
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = client_ip(request)
        locked_until = services.login_locked(username=username, ip_address=ip)
        if locked_until:
            minutes = max(1, int((locked_until - timezone.now()).total_seconds() // 60) + 1)
            error = f"登录失败次数过多,账号已暂时锁定,请{minutes}分钟后再试"
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            services.login_attempt_record(username=username, ip_address=ip, succeeded=user is not None)
            if user is None:
                error = "用户名或密码不正确"
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
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": request.GET.get("next", "")}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def totp_verify(request):
    form = TotpForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if services.totp_check(request.user.totp_secret, form.cleaned_data["code"]):
            request.session["totp_ok"] = True
            return redirect(request.session.pop("after_totp", "/"))
        error = "动态口令不正确"
    return render(request, "accounts/totp_verify.html", {"form": form, "error": error})


@login_required
def totp_setup(request):
    secret = request.session.get("totp_pending") or services.totp_new_secret()
    request.session["totp_pending"] = secret
    form = TotpForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.user_enable_totp(user=request.user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            request.session.pop("totp_pending", None)
            request.session["totp_ok"] = True
            messages.success(request, "动态口令已启用,下次登录时需要输入")
            return redirect("home")
    uri = services.totp_uri(request.user, secret)
    qr = segno.make(uri).svg_data_uri(scale=4)
    return render(request, "accounts/totp_setup.html", {"form": form, "error": error, "secret": secret, "qr": qr})
