"""Time-limit rules in the interface: everyone reads them; administrators and station leaders revise them.

A revision never edits a version in use: it creates a new version from a date and ends the old one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from fengqiao.core import permissions, services
from fengqiao.core.forms import ExtensionOptionFormSet, NewRuleForm, RuleForm
from fengqiao.core.workflow_models import TimeLimitRule


@login_required
def rule_list(request):
    today = timezone.localdate()
    current = {
        r.kind: r
        for r in TimeLimitRule.objects.effective_on(today).order_by("kind", "-effective_from")
    }
    kinds = sorted(set(TimeLimitRule.objects.values_list("kind", flat=True)))
    rows = []
    for kind in kinds:
        versions = [r for r in TimeLimitRule.objects.filter(kind=kind).order_by("-effective_from")]
        upcoming = [r for r in versions if r.effective_from > today]
        rows.append(
            {
                "kind": kind,
                "rule": current.get(kind) or versions[0],
                "in_force": kind in current,
                "versions": len(versions),
                "upcoming": upcoming[-1] if upcoming else None,
            }
        )
    rows.sort(key=lambda row: row["rule"].name)
    return render(
        request,
        "core/rules_list.html",
        {"rows": rows, "can_manage": permissions.can_manage_rules(request.user)},
    )


@login_required
@require_safe
def rule_detail(request, pk):
    rule = get_object_or_404(TimeLimitRule, pk=pk)
    versions = (
        TimeLimitRule.objects.filter(kind=rule.kind)
        .select_related("created_by")
        .order_by("-effective_from")
    )
    return render(
        request,
        "core/rules_detail.html",
        {
            "rule": rule,
            "versions": versions,
            "clocks": rule.clocks.count(),
            "can_manage": permissions.can_manage_rules(request.user),
        },
    )


def _options(formset) -> list[dict]:
    return [option for form in formset.forms if (option := form.as_option())]


@login_required
def rule_revise(request, pk):
    if not permissions.can_manage_rules(request.user):
        raise PermissionDenied(_("只有系统管理员或所领导可以修改时限规则"))
    rule = get_object_or_404(TimeLimitRule, pk=pk)
    if request.method == "POST":
        form = RuleForm(request.POST)
        formset = ExtensionOptionFormSet(request.POST, prefix="ext")
        if form.is_valid() and formset.is_valid():
            try:
                new = services.rule_revise(
                    actor=request.user,
                    rule=rule,
                    effective_from=form.cleaned_data["effective_from"],
                    note=form.cleaned_data["note"],
                    extension_options=_options(formset),
                    **form.rule_fields(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("已保存新版本,自%(date)s起生效;此前开始的时限仍按原版本计算")
                    % {"date": f"{new.effective_from:%Y-%m-%d}"},
                )
                return redirect("core:rule_detail", pk=new.pk)
    else:
        form = RuleForm(initial=RuleForm.initial_from(rule))
        formset = ExtensionOptionFormSet(initial=rule.extension_options, prefix="ext")
    return render(request, "core/rules_form.html", {"form": form, "formset": formset, "rule": rule})


@login_required
def rule_create(request):
    if not permissions.can_manage_rules(request.user):
        raise PermissionDenied(_("只有系统管理员或所领导可以新建时限规则"))
    if request.method == "POST":
        form = NewRuleForm(request.POST)
        formset = ExtensionOptionFormSet(request.POST, prefix="ext")
        if form.is_valid() and formset.is_valid():
            fields = form.rule_fields()
            kind = fields.pop("kind")
            effective_to = fields.pop("effective_to")
            try:
                new = services.rule_create(
                    actor=request.user,
                    kind=kind,
                    effective_from=form.cleaned_data["effective_from"],
                    effective_to=effective_to,
                    note=form.cleaned_data["note"],
                    extension_options=_options(formset),
                    **fields,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已新建时限规则"))
                return redirect("core:rule_detail", pk=new.pk)
    else:
        form = NewRuleForm(
            initial={
                "effective_from": timezone.localdate(),
                "warning_percentages": "50,80,100",
                "holiday_rolls": True,
            }
        )
        formset = ExtensionOptionFormSet(prefix="ext")
    return render(request, "core/rules_form.html", {"form": form, "formset": formset, "rule": None})
