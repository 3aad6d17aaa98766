"""Forms of the registration desk (thin: the services validate)."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from fengqiao.desk.choices import Score
from fengqiao.desk.models import Counter, DeskConfig, Service


class BookingForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("办理事项"), queryset=Service.objects.none(), empty_label=_("请选择")
    )
    date = forms.DateField(label=_("预约日期"), widget=forms.Select())
    name = forms.CharField(label=_("办事人姓名"), max_length=30)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1[3-9]\d{9}$",
        max_length=11,
        error_messages={"invalid": _("请输入正确的11位手机号")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )

    def __init__(self, *args, station=None, days=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            station=station, active=True, bookable=True
        )
        self.fields["date"].widget.choices = [("", _("请选择"))] + [
            (d.isoformat(), f"{d:%Y-%m-%d} {date_format(d, 'D')}") for d in days
        ]


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("短信验证码"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("验证码是6位数字")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CancelForm(forms.Form):
    reference = forms.CharField(label=_("预约号"), max_length=30)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1[3-9]\d{9}$",
        error_messages={"invalid": _("请输入正确的11位手机号")},
    )
    code = forms.RegexField(
        label=_("取消码"), regex=r"^\d{6}$", error_messages={"invalid": _("取消码是6位数字")}
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("评价"), choices=Score.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见建议(选填)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TakeForm(forms.Form):
    service = forms.ModelChoiceField(label=_("办理事项"), queryset=Service.objects.none())
    phone = forms.CharField(
        label=_("手机号(选填,临近叫号时短信提醒)"), max_length=11, required=False
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(station=station, active=True)


class TransferForm(forms.Form):
    service = forms.ModelChoiceField(label=_("转到事项"), queryset=Service.objects.none())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(station=station, active=True)


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "prefix",
            "name",
            "description",
            "documents",
            "minutes",
            "bookable",
            "daily_capacity",
            "active",
            "sort",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "documents": forms.Textarea(attrs={"rows": 5}),
        }


class CounterForm(forms.ModelForm):
    class Meta:
        model = Counter
        fields = ["number", "name", "services", "active"]
        widgets = {"services": forms.CheckboxSelectMultiple}

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.filter(station=station)


class ConfigForm(forms.ModelForm):
    class Meta:
        model = DeskConfig
        fields = [
            "booking_days_ahead",
            "booking_cutoff_hour",
            "notify_ahead",
            "noshow_limit",
            "noshow_window_days",
            "noshow_block_days",
            "appointment_priority",
            "rating_hours",
        ]
