"""Forms of the core app: the time-limit rule editor."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.core.choices import TimeUnit


class RuleForm(forms.Form):
    """One version of a rule. Numbers are checked by the service (rule_create/rule_revise), not here,
    so the same Chinese messages reach the screen, the API and the tests."""

    name = forms.CharField(label=_("名称"), max_length=100)
    law_version = forms.CharField(label=_("法律版本"), max_length=200, required=False)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("留空表示长期有效"),
    )
    limit_value = forms.IntegerField(label=_("期限"))
    limit_unit = forms.ChoiceField(label=_("单位"), choices=TimeUnit.choices)
    holiday_rolls = forms.BooleanField(label=_("末日遇节假日顺延至下一个工作日"), required=False)
    pausable = forms.BooleanField(label=_("可暂停计时(如鉴定期间不计入)"), required=False)
    extension_cap_value = forms.IntegerField(
        label=_("法定最长延长"), required=False, help_text=_("累计延长不得超过此值")
    )
    extension_cap_unit = forms.ChoiceField(
        label=_("最长延长单位"), choices=[("", "—"), *TimeUnit.choices], required=False
    )
    legal_basis = forms.CharField(
        label=_("法律依据(向用户显示)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    warning_percentages = forms.CharField(
        label=_("预警点(%)"),
        max_length=50,
        help_text=_("用逗号分隔,最后一个为100(到期),如 50,80,100"),
    )
    note = forms.CharField(
        label=_("修订说明"), max_length=200, help_text=_("依据的法律修订或工作规范")
    )

    def clean_warning_percentages(self):
        raw = self.cleaned_data["warning_percentages"].replace(",", ",").replace("%", "")
        try:
            return [float(p) / 100 for p in raw.split(",") if p.strip()]
        except ValueError:
            raise forms.ValidationError(_("预警点请填写百分数,用逗号分隔,如 50,80,100")) from None

    @staticmethod
    def initial_from(rule) -> dict:
        return {
            "name": rule.name,
            "law_version": rule.law_version,
            "effective_from": timezone.localdate(),
            "effective_to": rule.effective_to,
            "limit_value": rule.limit_value,
            "limit_unit": rule.limit_unit,
            "holiday_rolls": rule.holiday_rolls,
            "pausable": rule.pausable,
            "extension_cap_value": rule.extension_cap_value,
            "extension_cap_unit": rule.extension_cap_unit,
            "legal_basis": rule.legal_basis,
            "warning_percentages": ",".join(f"{f * 100:g}" for f in rule.warning_fractions),
        }

    def rule_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["warning_fractions"] = data.pop("warning_percentages")
        data.pop("note", None)
        data.pop("effective_from", None)
        return data


class NewRuleForm(RuleForm):
    kind = forms.CharField(
        label=_("时钟类型代码"),
        max_length=50,
        help_text=_("英文字母、数字和下划线,如 fraud_contact_high"),
    )

    field_order = ["kind"]


class ExtensionOptionForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("延长方式"), max_length=100, required=False)
    value = forms.IntegerField(label=_("延长"), required=False)
    unit = forms.ChoiceField(label=_("单位"), choices=TimeUnit.choices, required=False)
    approver_roles = forms.MultipleChoiceField(
        label=_("审批角色"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_times = forms.IntegerField(label=_("最多次数"), required=False, initial=1)

    def as_option(self) -> dict | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("label") or "").strip():
            return None
        return {
            "key": data.get("key") or "",
            "label": data["label"],
            "value": data.get("value"),
            "unit": data.get("unit"),
            "approver_roles": data.get("approver_roles") or [],
            "max_times": data.get("max_times") or 1,
        }


ExtensionOptionFormSet = forms.formset_factory(ExtensionOptionForm, extra=2, can_delete=True)


# ------------------------------------------------------------------ empty choice labels
SELECT_EMPTY_LABEL = _("请选择")
FILTER_EMPTY_LABEL = _("全部")


def use_chinese_empty_labels() -> None:
    """Every select's empty choice reads 请选择 (forms) instead of Django's "---------"; the filter
    bars (django-filter) read 全部 through FILTERS_EMPTY_CHOICE_LABEL. One place for the whole site,
    called from CoreConfig.ready: model fields with choices share BLANK_CHOICE_DASH and every
    ModelChoiceField takes its empty_label default from the constructor."""
    from django.db.models import fields
    from django.forms import models as form_models

    fields.BLANK_CHOICE_DASH[:] = [("", SELECT_EMPTY_LABEL)]
    for cls in (form_models.ModelChoiceField,):
        if cls.__init__.__kwdefaults__ and "empty_label" in cls.__init__.__kwdefaults__:
            cls.__init__.__kwdefaults__["empty_label"] = SELECT_EMPTY_LABEL
