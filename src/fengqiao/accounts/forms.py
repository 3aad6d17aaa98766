from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Rank, Role
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import may_grant


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("动态口令"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class StaffForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    rank = forms.ChoiceField(label=_("身份"), choices=Rank.choices)
    police_number = forms.CharField(label=_("警号"), max_length=20, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none(), required=False)
    communities = forms.ModelMultipleChoiceField(
        label=_("负责社区/村"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, station, actor, current_role=None, **kwargs):
        super().__init__(*args, **kwargs)
        # local: registry sits above accounts (layers contract, pyproject.toml): a known violation
        from fengqiao.registry.models import Community

        # Only the roles the grant table lets this actor give here (plus the account's own, unchanged).
        self.fields["role"].choices = [
            (value, label)
            for value, label in Role.choices
            if may_grant(actor, value, station) or value == current_role
        ]
        self.fields["unit"].queryset = Unit.objects.filter(station=station)
        self.fields["communities"].queryset = Community.objects.filter(station=station)

    def clean_phone(self):
        # local: registry sits above accounts (layers contract, pyproject.toml): a known violation
        from fengqiao.registry.rules import InvalidPhone, normalise_phone

        try:
            return normalise_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(str(exc)) from exc


class StaffCreateForm(StaffForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, help_text=_("至少10位,不能全为数字")
    )

    field_order = [
        "username",
        "password",
        "full_name",
        "role",
        "rank",
        "police_number",
        "phone",
        "unit",
        "communities",
        "is_active",
    ]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名已存在"))
        return username


class PasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("再次输入"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("两次输入的密码不一致"))
        return data
