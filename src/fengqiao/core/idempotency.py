"""The same request twice creates one record.

Every create form carries a one-time token (`{% form_once %}`, a hidden `_once` field). The first
POST with a token claims it (a row with a unique key) and, when the view answers with a redirect to
what it created, keeps that address; a replay of the same token (a network retry, a second tab, a
double click) is answered with the same redirect and the view does not run again. A POST refused with
errors releases its claim, so the corrected form can be sent again.

`OnceMiddleware` applies this to every view whose URL name is a create action (`*_create`, `*_add`,
`*_new`, `new`), so a new create page is covered by its name; `tests/core/test_idempotency.py` posts
twice to each of them.

The API does the same with the `Idempotency-Key` header (a UUID the client makes per create): the
first POST to /api/… with a key claims it and keeps a successful answer (status and JSON body); a
replay by the same user to the same address gets that answer again with `Idempotent-Replayed: true`
and the view does not run; the same key for another address or by another user is refused (422).
A refused POST (4xx/5xx) releases its key. Claims older than FORM_TOKEN_DAYS are purged nightly.
"""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

FIELD = "_once"
CREATE_NAME = re.compile(r"(^|_)(create|add|new)$")


def is_create_name(url_name: str | None) -> bool:
    return bool(url_name and CREATE_NAME.search(url_name))


def new_token() -> str:
    return str(uuid.uuid4())


def _token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _result(response) -> str:
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        return response["Location"]
    return response.headers.get("HX-Redirect", "")


def run_once(request, view, args, kwargs):
    """Run a create view once per token; a replay answers with the first run's redirect."""
    from fengqiao.core.models import FormSubmission

    token = _token(request)
    if token is None:
        return view(request, *args, **kwargs)
    user_id = request.user.pk if request.user.is_authenticated else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(
                    token=token, user_id=user_id, path=request.path[:300]
                )
        except IntegrityError:
            # Another request holds it; on PostgreSQL the insert above waited for it to commit.
            first = FormSubmission.objects.filter(token=token, user_id=user_id).first()
            if first is not None and first.result:
                messages.info(request, _("这张表已经提交过,下面是第一次提交的结果"))
                return HttpResponseRedirect(first.result)
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        result = _result(response)
        if result:
            claim.result = result[:500]
            claim.save(update_fields=["result"])
        else:
            claim.delete()
    return response


API_HEADER = "HTTP_IDEMPOTENCY_KEY"


def _api_user(request):
    """The API caller (session or API token), before the view authenticates it."""
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    try:
        return Request(
            request, authenticators=[a() for a in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
        ).user
    except Exception:  # noqa: BLE001 - an unauthenticated caller: the view answers it
        return None


def _json_answer(status: int, body, replayed: bool = False):
    from django.http import JsonResponse

    response = JsonResponse(
        body, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def run_api_once(request, view, args, kwargs):
    """An API POST with an Idempotency-Key runs once; a replay gets the first answer."""
    import json

    from fengqiao.core.models import FormSubmission

    try:
        key = uuid.UUID(request.META.get(API_HEADER, ""))
    except ValueError:
        return _json_answer(400, {"detail": _("Idempotency-Key 应为 UUID")})
    user = _api_user(request)
    user_id = user.pk if user is not None and user.is_authenticated else None
    if user_id is None:
        return view(request, *args, **kwargs)
    path = request.path[:300]
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(token=key, user_id=user_id, path=path)
        except IntegrityError:
            first = FormSubmission.objects.filter(token=key).first()
            if first is None or first.user_id != user_id or first.path != path:
                return _json_answer(422, {"detail": _("该 Idempotency-Key 已用于另一个请求")})
            if first.status is not None:
                return _json_answer(first.status, first.response, replayed=True)
            return _json_answer(409, {"detail": _("同一请求正在处理中,请稍后重试")})
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if 200 <= response.status_code < 300:
            try:
                body = json.loads(response.content or b"null")
            except ValueError:
                body = None
            claim.status, claim.response = response.status_code, body
            claim.save(update_fields=["status", "response"])
        else:
            claim.delete()
    return response


def purge(now=None) -> int:
    """Delete form and API claims older than FORM_TOKEN_DAYS (a replay after that runs again)."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from fengqiao.core.models import FormSubmission

    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.FORM_TOKEN_DAYS)
    deleted, _detail = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class OnceMiddleware:
    """Applies `run_once` to the POSTs of every create view (by URL name). Last in MIDDLEWARE, so
    CSRF, login and the other checks have run before it calls the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        if request.path.startswith("/api/") and API_HEADER in request.META:
            return run_api_once(request, view_func, view_args, view_kwargs)
        if FIELD not in request.POST:
            return None
        match = request.resolver_match
        if match is None or not is_create_name(match.url_name):
            return None
        return run_once(request, view_func, view_args, view_kwargs)
