from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.choices import CaseKind
from fengqiao.cases.models import OffenceType


def _officer_choices(field, station):
    from fengqiao.accounts.models import User

    field.queryset = User.objects.filter(station=station, is_active=True, rank="police").order_by(
        "full_name"
    )
    field.label_from_instance = lambda u: u.full_name or u.username


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("案件类型"), choices=CaseKind.choices)
    offence = forms.ModelChoiceField(
        label=_("案由"), queryset=OffenceType.objects.filter(active=True)
    )
    title = forms.CharField(label=_("案件名称"), max_length=200)
    summary = forms.CharField(
        label=_("简要案情"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reported_at = forms.DateTimeField(
        label=_("报案时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    lead_officer = forms.ModelChoiceField(label=_("主办民警"), queryset=None)
    second_officer = forms.ModelChoiceField(label=_("协办民警"), queryset=None)

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        _officer_choices(self.fields["lead_officer"], station)
        _officer_choices(self.fields["second_officer"], station)
        self.fields["offence"].label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"


class OffenceForm(forms.ModelForm):
    class Meta:
        model = OffenceType
        fields = ["code", "name", "kind", "active", "sort"]


class ReviewForm(forms.Form):
    legality = forms.IntegerField(label=_("合法性(0-25)"), min_value=0, max_value=25)
    timeliness = forms.IntegerField(label=_("时效性(0-25)"), min_value=0, max_value=25)
    evidence = forms.IntegerField(label=_("证据(0-25)"), min_value=0, max_value=25)
    procedure = forms.IntegerField(label=_("程序(0-25)"), min_value=0, max_value=25)
    note = forms.CharField(
        label=_("评语"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
