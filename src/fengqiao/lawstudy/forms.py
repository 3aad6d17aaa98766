"""Forms of the law study pages (thin: the services validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.lawstudy.choices import AttemptPolicy, AttendanceStatus
from fengqiao.lawstudy.models import StudySession

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SessionForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )

    class Meta:
        model = StudySession
        fields = ["topic", "starts_at", "minutes", "place", "host", "articles", "material"]
        widgets = {
            "articles": forms.Textarea(attrs={"rows": 3}),
            "material": forms.Textarea(attrs={"rows": 5}),
        }

    repeat_weeks = forms.IntegerField(
        label=_("之后每周同一时间再安排(周数)"),
        min_value=0,
        max_value=12,
        required=False,
        help_text=_("0或留空:只安排这一场;主题可在各场中再修改"),
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = User.objects.filter(
            station=station, is_active=True
        ).order_by("full_name")
        if self.instance.pk:
            del self.fields["repeat_weeks"]


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    url = forms.URLField(label=_("链接"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("文件"), required=False)


class AttendanceForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("人员"), queryset=User.objects.none())
    status = forms.ChoiceField(label=_("出勤"), choices=AttendanceStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = User.objects.filter(station=station)


class QuizForm(forms.Form):
    title = forms.CharField(label=_("测验名称"), max_length=120, required=False)
    policy = forms.ChoiceField(label=_("作答规则"), choices=AttemptPolicy.choices)
    max_attempts = forms.IntegerField(label=_("最多作答次数"), min_value=1, max_value=10, initial=3)
    pass_score = forms.IntegerField(label=_("及格分"), min_value=0, max_value=100, initial=60)
    open_days = forms.IntegerField(
        label=_("学习后几天内可作答"), min_value=1, max_value=60, initial=7
    )
    text = forms.CharField(
        label=_("题目"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("题目以“1.”开头,选项以“A.”开头,正确选项末尾加 *"),
    )
