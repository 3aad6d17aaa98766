from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.field.choices import EvidenceKind, WorkKind


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("文件"))
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("按内容判断"))] + EvidenceKind.choices, required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    taken_at = forms.DateTimeField(label=_("拍摄时间"), required=False)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)


class WorkLogForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("请选择"))] + WorkKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    note = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
