from django import forms

from fengqiao.disputes.models import WarningTrigger


class TriggerForm(forms.ModelForm):
    class Meta:
        model = WarningTrigger
        fields = ["kind", "value", "threshold", "level", "reason", "active"]
