from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.selectors import station_leaders
from fengqiao.command.choices import CheckResult, Post
from fengqiao.command.models import Camera, PatrolPoint, Shift


def _people(station_id):
    from fengqiao.accounts.models import User

    return User.objects.filter(station_id=station_id, is_active=True).order_by("full_name")


class _StationForm(forms.Form):
    def __init__(self, *args, station_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.station_id = station_id
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is None:
                field.queryset = _people(station_id)
                field.label_from_instance = lambda u: u.display_name


class AssignForm(_StationForm):
    day = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    shift = forms.ModelChoiceField(label=_("班次"), queryset=Shift.objects.none())
    post = forms.ChoiceField(label=_("岗位"), choices=Post.choices)
    user = forms.ModelChoiceField(label=_("值班人员"), queryset=None)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = Shift.objects.filter(
            station_id=self.station_id, active=True
        )


class LeaderWeekForm(_StationForm):
    week_start = forms.DateField(
        label=_("周"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    leader = forms.ModelChoiceField(label=_("带班所领导"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = station_leaders(self.station_id).order_by("full_name")


class CopyWeekForm(forms.Form):
    from_week = forms.DateField(
        label=_("复制哪一周"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    to_week = forms.DateField(
        label=_("到哪一周"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class SwapForm(_StationForm):
    replacement = forms.ModelChoiceField(label=_("替班人"), queryset=None)
    reason = forms.CharField(label=_("理由"), max_length=300)


class DecideForm(forms.Form):
    note = forms.CharField(label=_("意见"), required=False, max_length=300)


class ShiftForm(forms.Form):
    name = forms.CharField(label=_("班次"), max_length=30)
    starts = forms.TimeField(
        label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label=_("结束"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=99, initial=0, required=False)


class CameraForm(forms.ModelForm):
    class Meta:
        model = Camera
        fields = [
            "name",
            "place",
            "community",
            "latitude",
            "longitude",
            "stream_kind",
            "stream_url",
            "active",
        ]

    def __init__(self, *args, station_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        from fengqiao.registry.models import Community

        self.fields["community"].queryset = Community.objects.filter(station_id=station_id)


class PointForm(forms.ModelForm):
    class Meta:
        model = PatrolPoint
        fields = [
            "name",
            "place",
            "community",
            "cameras",
            "is_key",
            "interval_minutes",
            "active",
            "sort",
        ]
        widgets = {"cameras": forms.CheckboxSelectMultiple}

    def __init__(self, *args, station_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        from fengqiao.registry.models import Community

        self.fields["community"].queryset = Community.objects.filter(station_id=station_id)
        self.fields["cameras"].queryset = Camera.objects.filter(station_id=station_id, active=True)


class CheckForm(forms.Form):
    point = forms.ModelChoiceField(label=_("巡查点"), queryset=PatrolPoint.objects.none())
    camera = forms.ModelChoiceField(
        label=_("摄像头"), queryset=Camera.objects.none(), required=False
    )
    result = forms.ChoiceField(label=_("结果"), choices=CheckResult.choices)
    note = forms.CharField(
        label=_("情况"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    open_incident = forms.BooleanField(label=_("同时生成警情"), required=False)
    category = forms.ModelChoiceField(label=_("警情类别"), queryset=None, required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=(), required=False)

    def __init__(self, *args, station_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        from fengqiao.incidents.choices import Urgency
        from fengqiao.incidents.models import IncidentCategory

        self.fields["point"].queryset = PatrolPoint.objects.filter(
            station_id=station_id, active=True
        )
        self.fields["camera"].queryset = Camera.objects.filter(station_id=station_id, active=True)
        self.fields["category"].queryset = IncidentCategory.objects.filter(
            active=True
        ).select_related("parent")
        self.fields["urgency"].choices = Urgency.choices

    def clean(self):
        data = super().clean()
        if data.get("open_incident") and not data.get("category"):
            self.add_error("category", _("生成警情须选择警情类别"))
        return data
