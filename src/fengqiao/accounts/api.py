"""API token pages: a user's own keys for `Authorization: Token <key>` (issue, list, revoke), and the
administrators' list of every token they may revoke.

A user may hold several keys (one per program), each with a name and an expiry. Only a key's SHA-256
is stored: the key is shown once, on the page that issued it (services.token_issue).
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao.accounts import services
from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import TOTP_ROLES

log = logging.getLogger(__name__)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=60, required=False)
    days = forms.IntegerField(label=gettext_lazy("有效期(天)"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].max_value = settings.API_TOKEN_MAX_DAYS
        self.fields["days"].initial = settings.API_TOKEN_DAYS
        self.fields["days"].widget.attrs["max"] = settings.API_TOKEN_MAX_DAYS


def _second_factor_redirect(request):
    """/accounts/ is exempt from SecondFactorMiddleware (login lives there), so these pages apply the
    second factor themselves: a token must never be a way around TOTP."""
    user = request.user
    if user.totp_enabled and not request.session.get("totp_ok"):
        return redirect("accounts:totp_verify")
    if settings.REQUIRE_TOTP_FOR_LEADERS and user.role in TOTP_ROLES and not user.totp_enabled:
        return redirect("accounts:totp_setup")
    return None


def _can_see_all(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


@login_required
def token_page(request):
    """GET: the user's tokens (state, last use, expiry) and a form for a new one. POST: issue."""
    if response := _second_factor_redirect(request):
        return response
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = services.token_issue(
                actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            log.info("api token %s issued for %s", token.prefix, request.user.username)
            form = TokenForm()
    tokens = services.tokens_manageable_by(request.user).filter(user=request.user)
    return render(
        request,
        "accounts/api_token.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": tokens,
            "now": timezone.now(),
            "can_see_all": _can_see_all(request.user),
        },
        status=400 if request.method == "POST" and new_key is None else 200,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    if response := _second_factor_redirect(request):
        return response
    token = get_object_or_404(services.tokens_manageable_by(request.user), pk=pk)
    if services.token_revoke(actor=request.user, token=token):
        log.info(
            "api token %s of %s revoked by %s",
            token.prefix,
            token.user.username,
            request.user.username,
        )
        messages.success(request, _("接口令牌已撤销,使用它的程序将无法再访问"))
    back = request.POST.get("back")
    return redirect("accounts:api_tokens_all" if back == "all" else "accounts:api_token")


@login_required
def token_list_all(request):
    """Administrators: every live token they may revoke (a superuser: all; a station's 系统管理员: its users')."""
    if response := _second_factor_redirect(request):
        return response
    if not _can_see_all(request.user):
        raise PermissionDenied(_("只有系统管理员可以查看所有接口令牌"))
    now = timezone.now()
    qs = services.tokens_manageable_by(request.user).filter(
        revoked_at__isnull=True, expires_at__gt=now
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(user__username__icontains=q) | qs.filter(user__full_name__contains=q)
    page = Paginator(qs.order_by("user__username", "-created_at"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/api_token_all.html", {"page": page, "q": q, "now": now})
