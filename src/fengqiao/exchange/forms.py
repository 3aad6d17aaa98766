from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.exchange.choices import ImportMode


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件(.xlsx 或 .csv)"), allow_empty_file=True)


class CommitForm(forms.Form):
    mode = forms.ChoiceField(choices=ImportMode.choices)
