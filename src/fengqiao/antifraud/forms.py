"""Forms of the anti-fraud pages (thin: the services validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.antifraud.choices import (
    FOUR_CHECKS,
    THREE_QUESTIONS,
    ActivityKind,
    AttemptMethod,
    ContentKind,
    Outcome,
    RiskLevel,
)
from fengqiao.antifraud.models import FraudType
from fengqiao.registry.models import Community

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WarningForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    address_text = forms.CharField(label=_("住址"), max_length=200, required=False)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    fraud_type = forms.ModelChoiceField(
        label=_("诈骗类型"), queryset=FraudType.objects.filter(active=True)
    )
    received_at = forms.DateTimeField(
        label=_("接收时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    external_id = forms.CharField(label=_("中心指令编号"), max_length=60, required=False)
    content = forms.CharField(
        label=_("预警内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AttemptForm(forms.Form):
    method = forms.ChoiceField(label=_("方式"), choices=AttemptMethod.choices)
    at = forms.DateTimeField(
        label=_("时间"), widget=DATETIME, required=False, input_formats=["%Y-%m-%dT%H:%M"]
    )
    reached = forms.BooleanField(label=_("已联系上本人或家属"), required=False)
    result = forms.CharField(
        label=_("劝阻情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    checks = forms.MultipleChoiceField(
        label=_("四查看/三询问(上门劝阻)"),
        choices=FOUR_CHECKS + THREE_QUESTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处置结果"), choices=Outcome.choices)
    amount_protected = forms.CharField(label=_("避免损失(元)"), required=False)
    loss = forms.CharField(label=_("损失金额(元,已被骗必填)"), required=False)
    note = forms.CharField(
        label=_("处置情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("责任民警"), queryset=User.objects.none())

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = User.objects.filter(
            station=station, is_active=True
        ).order_by("full_name")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("预警指令表(.xlsx 或 .csv)"))


class FraudCaseForm(forms.Form):
    occurred_on = forms.DateField(label=_("发案日期"), widget=DATE)
    fraud_type = forms.ModelChoiceField(
        label=_("诈骗类型"), queryset=FraudType.objects.filter(active=True)
    )
    loss = forms.CharField(label=_("损失金额(元)"))
    victim_name = forms.CharField(label=_("受害人"), max_length=50, required=False)
    community = forms.ModelChoiceField(
        label=_("社区/村"), queryset=Community.objects.none(), required=False
    )
    officer = forms.ModelChoiceField(
        label=_("责任民警"), queryset=User.objects.none(), required=False
    )
    solved = forms.BooleanField(label=_("已破案"), required=False)
    suspects_caught = forms.IntegerField(
        label=_("抓获嫌疑人"), min_value=0, initial=0, required=False
    )
    note = forms.CharField(
        label=_("简要案情"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(station=station).order_by(
            "name"
        )
        self.fields["officer"].queryset = User.objects.filter(
            station=station, is_active=True
        ).order_by("full_name")


class FraudTypeForm(forms.ModelForm):
    class Meta:
        model = FraudType
        fields = ["code", "name", "active", "sort"]


class ActivityForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=100)
    kind = forms.ChoiceField(label=_("形式"), choices=ActivityKind.choices)
    audience = forms.IntegerField(label=_("覆盖人数"), min_value=0, initial=0)
    community = forms.ModelChoiceField(
        label=_("社区/村"), queryset=Community.objects.none(), required=False
    )
    latitude = forms.FloatField(label=_("纬度"), required=False)
    longitude = forms.FloatField(label=_("经度"), required=False)
    note = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(station=station).order_by(
            "name"
        )


class ContentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ContentKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label=_("展示位置"), max_length=100, required=False)


class ContentUpdateForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("使用中"), required=False, initial=True)
    note = forms.CharField(label=_("更新说明"), max_length=200, required=False)
