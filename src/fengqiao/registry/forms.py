"""Forms of the registry pages. They only parse input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.registry import services
from fengqiao.registry.models import Address, Community, House, LiaisonPoint, Organisation, Person


class SearchSelect(forms.Select):
    """A select that renders only the chosen option; registry.js adds a search box that fetches the rest.

    The field's queryset still decides what may be chosen (the user's visible records).
    """

    def __init__(self, kind: str, attrs=None):
        super().__init__(attrs)
        self.kind = kind

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-search-url"] = reverse("registry:options", args=[self.kind])
        context["widget"]["attrs"]["data-search-placeholder"] = str(_("输入关键字查找"))
        return context

    def optgroups(self, name, value, attrs=None):
        selected = [v for v in value if v not in ("", None)]
        original = self.choices
        choices = [("", "——")]
        queryset = getattr(original, "queryset", None)
        if selected and queryset is not None:
            try:
                choices += [(obj.pk, str(obj)) for obj in queryset.filter(pk__in=selected)]
            except (ValueError, TypeError):
                pass
        self.choices = choices
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = original


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose model validation is left to the service (which gives the Chinese messages)."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if "community" in self.fields:
            self.fields["community"].queryset = Community.objects.editable_by(user)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.error_messages["invalid_choice"] = _("所选记录不存在或无权选择")
            field.error_messages.setdefault("required", _("此项必填"))
            field.error_messages["required"] = _("此项必填")

    def _post_clean(self):
        pass

    def apply_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the matching fields (others above the form)."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class PersonForm(ServiceModelForm):
    class Meta:
        model = Person
        fields = list(services.PERSON_FIELDS)
        widgets = {
            "birth_date": DateInput(),
            "inflow_date": DateInput(),
            "expected_departure": DateInput(),
            "address": SearchSelect("address"),
            "house": SearchSelect("house"),
            "employer": SearchSelect("organisation"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"sex": _("居民身份证可不填,按证件号码自动识别"), "birth_date": _("居民身份证可不填,按证件号码自动识别")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["sex"].required = False
        self.fields["birth_date"].required = False
        self.fields["address"].queryset = Address.objects.visible_to(user)
        self.fields["house"].queryset = House.objects.visible_to(user).select_related("address")
        self.fields["employer"].queryset = Organisation.objects.visible_to(user)


class HouseForm(ServiceModelForm):
    class Meta:
        model = House
        fields = list(services.HOUSE_FIELDS)
        widgets = {
            "address": SearchSelect("address"),
            "owner": SearchSelect("person"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["address"].queryset = Address.objects.visible_to(user)
        self.fields["owner"].queryset = Person.objects.visible_to(user)


class AddressForm(ServiceModelForm):
    class Meta:
        model = Address
        fields = list(services.ADDRESS_FIELDS)


class OrganisationForm(ServiceModelForm):
    class Meta:
        model = Organisation
        fields = [
            "community",
            "name",
            "category",
            "credit_code",
            "address",
            "legal_representative",
            "person_in_charge",
            "phone",
            "employee_count",
            "note",
        ]
        widgets = {"address": SearchSelect("address"), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["address"].queryset = Address.objects.visible_to(user)


class CommunityForm(ServiceModelForm):
    class Meta:
        model = Community
        fields = ["name", "kind", "code", "town", "is_old_town", "latitude", "longitude", "boundary", "note"]
        widgets = {"boundary": forms.Textarea(attrs={"rows": 4, "class": "mono"}), "note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"boundary": _("GeoJSON 格式的 Polygon 或 MultiPolygon,可从测绘系统导出后粘贴")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["boundary"].error_messages["invalid"] = _("边界不是有效的 JSON")
        if self.initial.get("boundary") is None:
            self.initial["boundary"] = InvalidJSONInput("")  # an empty box, not the text "null"


class LiaisonPointForm(ServiceModelForm):
    class Meta:
        model = LiaisonPoint
        fields = list(services.LIAISON_POINT_FIELDS)


class CommunityGrantForm(forms.Form):
    user = forms.ModelChoiceField(label=_("授权给"), queryset=User.objects.none(), error_messages={"required": _("请选择人员")})
    reason = forms.CharField(label=_("原因"), max_length=200, error_messages={"required": _("请填写授权原因")})
    until = forms.DateTimeField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("留空表示长期有效,直到撤销"),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(station_id=community.station_id, is_active=True).order_by("full_name")


FORMS = {
    "person": PersonForm,
    "house": HouseForm,
    "address": AddressForm,
    "organisation": OrganisationForm,
    "community": CommunityForm,
    "liaison_point": LiaisonPointForm,
}
