"""The same request twice creates one record.

Every create form carries a one-time token (`{% form_once %}`, a hidden `_once` field). The first
POST with a token claims it (a row with a unique key) and, when the view answers with a redirect to
what it created, keeps that address; a replay of the same token (a network retry, a second tab, a
double click) is answered with the same redirect and the view does not run again. A POST refused with
errors releases its claim, so the corrected form can be sent again.

`OnceMiddleware` applies this to every view whose URL name is a create action (`*_create`, `*_add`,
`*_new`, `new`), so a new create page is covered by its name; `tests/core/test_idempotency.py` posts
twice to each of them.
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


class OnceMiddleware:
    """Applies `run_once` to the POSTs of every create view (by URL name). Last in MIDDLEWARE, so
    CSRF, login and the other checks have run before it calls the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or FIELD not in request.POST:
            return None
        match = request.resolver_match
        if match is None or not is_create_name(match.url_name):
            return None
        return run_once(request, view_func, view_args, view_kwargs)
