from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.incidents.choices import AreaType, Outcome, Rating, Source, Urgency
from fengqiao.incidents.models import IncidentCategory


class IntakeForm(forms.Form):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    caller_phone = forms.CharField(label=_("报警电话"), max_length=20, required=False)
    caller_name = forms.CharField(label=_("报警人"), max_length=50, required=False)
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=IncidentCategory.objects.filter(active=True)
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, initial=Source.CALL_110)
    area_type = forms.ChoiceField(label=_("区域"), choices=AreaType.choices, initial=AreaType.URBAN)
    address_q = forms.CharField(label=_("标准地址"), max_length=100, required=False)
    address = forms.IntegerField(required=False, widget=forms.HiddenInput)
    location = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    narrative = forms.CharField(
        label=_("简要警情"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DispatchForm(forms.Form):
    officers = forms.ModelMultipleChoiceField(label=_("处警民警"), queryset=None)
    lead = forms.ModelChoiceField(label=_("主办民警"), queryset=None, required=False)

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)

        officers = User.objects.filter(station=station, is_active=True).order_by("full_name")
        self.fields["officers"].queryset = officers
        self.fields["lead"].queryset = officers
        self.fields["officers"].label_from_instance = lambda u: u.full_name or u.username
        self.fields["lead"].label_from_instance = lambda u: u.full_name or u.username


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处置结果"), choices=[("", "—")] + list(Outcome.choices), required=False
    )
    disposition = forms.CharField(
        label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class HandoverForm(forms.Form):
    shift_to = forms.ModelChoiceField(label=_("接班人"), queryset=None)
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["shift_to"].queryset = User.objects.filter(
            station=station, is_active=True
        ).order_by("full_name")
        self.fields["shift_to"].label_from_instance = lambda u: u.full_name or u.username


class CategoryForm(forms.ModelForm):
    case_review_kind = forms.ChoiceField(
        label=_("审查时限类型"),
        required=False,
        choices=[
            ("", "—"),
            ("admin_intake_review", _("行政案件受案审查")),
            ("criminal_filing_review", _("刑事立案审查")),
        ],
    )

    class Meta:
        model = IncidentCategory
        fields = [
            "code",
            "name",
            "parent",
            "active",
            "requires_case",
            "case_review_kind",
            "is_dispute",
            "sort",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = IncidentCategory.objects.filter(parent__isnull=True)
        self.fields["parent"].required = False


class VictimForm(forms.Form):
    victim_name = forms.CharField(label=_("受害人姓名"), max_length=50, required=False)
    victim_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    victim_local = forms.BooleanField(label=_("本地群众"), required=False, initial=True)


class CallbackForm(forms.Form):
    seen_attempts = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    reached = forms.TypedChoiceField(
        label=_("是否接通"),
        choices=[("1", _("接通")), ("0", _("未接通"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    rating = forms.ChoiceField(
        label=_("满意度"), choices=[("", "—"), *Rating.choices], required=False
    )
    reason = forms.CharField(
        label=_("不满意原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    complaint_officer = forms.ModelChoiceField(
        label=_("投诉民警(转督察)"), queryset=None, required=False
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["complaint_officer"].queryset = User.objects.filter(
            station=station, is_active=True
        ).order_by("full_name")
        self.fields["complaint_officer"].label_from_instance = lambda u: u.full_name or u.username


class RectificationForm(forms.Form):
    action = forms.CharField(
        label=_("整改情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
