"""What the parts' server-rendered views share: the refusal page, a validation error as one line, the
outcome of a form posted from a record's page, and the page of a national editable table (警情类别,
诈骗类型, 案由 …)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _


def forbidden(request, message: str = ""):
    """The 403 page with the reason the user is refused."""
    return render(
        request,
        "registry/forbidden.html",
        {"message": message or _("您无权进行此操作")},
        status=403,
    )


def safe_next(request, fallback: str) -> str:
    """The `next` address a form posted (or the query carries), if it stays on this site; else
    `fallback`. Never redirect to a user-given address without it (open redirect)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def error_text(exc: ValidationError) -> str:
    """Every message of a validation error (field errors included) on one line."""
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


def post_action(request, target, action: Callable[[], object], success: str | None = None):
    """A form posted from a record's page: run the service, then back to `target` (a record or a URL)
    with the outcome — the success message (None: the action gives its own), the refusal page, or
    the validation error shown (nothing saved)."""
    try:
        action()
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if success:
            messages.success(request, success)
    return redirect(target)


def editable_table(
    request,
    *,
    model,
    pk: int | None,
    form_class,
    can_manage: bool,
    save: Callable[[object | None, dict], object],
    refusal: str,
    template: str,
    success_url: str,
    context: dict,
):
    """A table every station uses (and so only administrators and the county bureau edit): everyone
    reads it; a manager adds a row, or edits row `pk`, through the form and `save(instance, data)` (the
    app's service, which validates and keeps the history). A refused save shows the reason with the
    input kept (400); anyone else posting gets the refusal page."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    instance = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance) if can_manage else None
    error, status = "", 200
    if request.method == "POST":
        if not can_manage:
            return forbidden(request, refusal)
        if form.is_valid():
            try:
                save(instance, {k: form.cleaned_data.get(k) for k in form.Meta.fields})
            except ValidationError as exc:
                error, status = error_text(exc), 400
            else:
                messages.success(request, _("已保存"))
                return redirect(success_url)
        else:
            status = 400
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "instance": instance,
            "error": error,
            "can_manage": can_manage,
        },
        status=status,
    )
