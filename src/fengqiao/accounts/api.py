"""API tokens: a user's own key for `Authorization: Token <key>` (issue, rotate, revoke), and its page.

One token per user (DRF's authtoken). Issuing again replaces the old key, so a leaked key is
rotated by issuing a new one. The key is shown once, on the page that issued it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from fengqiao.accounts.roles import TOTP_ROLES

log = logging.getLogger(__name__)


@transaction.atomic
def token_issue(*, actor, user=None) -> Token:
    """Give `user` (default: the actor) a new API key, replacing any old one. Only for oneself or by a superuser."""
    user = user or actor
    if user.pk != actor.pk and not actor.is_superuser:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("只能为自己签发接口令牌"))
    if not user.is_active:
        from django.core.exceptions import ValidationError

        raise ValidationError(_("该用户已停用,不能签发接口令牌"))
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    log.info("api token issued for %s by %s", user.username, actor.username)
    return token


@transaction.atomic
def token_revoke(*, actor, user=None) -> bool:
    """Remove the user's API key. True if there was one."""
    user = user or actor
    if user.pk != actor.pk and not actor.is_superuser:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("只能撤销自己的接口令牌"))
    deleted, _count = Token.objects.filter(user=user).delete()
    if deleted:
        log.info("api token revoked for %s by %s", user.username, actor.username)
    return bool(deleted)


@login_required
def token_page(request):
    """GET: whether the user has a key (and since when). POST op=issue|revoke.

    /accounts/ is exempt from SecondFactorMiddleware (login lives there), so this page applies the
    second factor itself: a token must never be a way around TOTP.
    """
    user = request.user
    if user.totp_enabled and not request.session.get("totp_ok"):
        return redirect("accounts:totp_verify")
    if settings.REQUIRE_TOTP_FOR_LEADERS and user.role in TOTP_ROLES and not user.totp_enabled:
        return redirect("accounts:totp_setup")
    new_key = None
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "issue":
            new_key = token_issue(actor=request.user).key
        elif op == "revoke":
            if token_revoke(actor=request.user):
                messages.success(request, _("接口令牌已撤销,使用它的程序将无法再访问"))
            return redirect("accounts:api_token")
        else:
            return redirect("accounts:api_token")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/api_token.html", {"token": token, "new_key": new_key})
