"""Forms of part 9: the figures' filter (shared by the dashboard, the drill-down and the API), the
scheme and indicator editors, station categories, template upload, report request."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.reports import rules
from fengqiao.reports.choices import Direction, ReportKind
from fengqiao.reports.indicators import Scope
from fengqiao.reports.models import Indicator, StationCategory

PERIODS = [
    ("this_month", _("本月")),
    ("last_month", _("上月")),
    ("this_week", _("本周")),
    ("last_week", _("上周")),
    ("this_year", _("本年")),
    ("last_year", _("上年")),
    ("custom", _("自定义")),
]
MAX_DAYS = 366 * 3


def period_bounds(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if period == "last_month":
        return rules.previous_month(today)
    if period == "this_week":
        return rules.week_bounds(today)
    if period == "last_week":
        return rules.week_bounds(today - dt.timedelta(days=7))
    if period == "this_year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    if period == "last_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    return rules.month_bounds(today)


class FigureFilterForm(forms.Form):
    """Station / unit / officer / community / period. The choices are the user's own stations'."""

    period = forms.ChoiceField(label=_("期间"), choices=PERIODS, required=False)
    start = forms.DateField(label=_("起始日期"), required=False)
    end = forms.DateField(label=_("截止日期"), required=False)
    station = forms.ModelChoiceField(
        label=_("派出所"), queryset=None, required=False, empty_label=_("全部")
    )
    unit = forms.ModelChoiceField(
        label=_("队室"), queryset=None, required=False, empty_label=_("全部")
    )
    officer = forms.ModelChoiceField(
        label=_("民警"), queryset=None, required=False, empty_label=_("全部")
    )
    community = forms.ModelChoiceField(
        label=_("社区/村"), queryset=None, required=False, empty_label=_("全部")
    )

    def __init__(self, data=None, *, user, today: dt.date | None = None):
        from fengqiao.accounts.models import Station, Unit, User
        from fengqiao.registry.models import Community
        from fengqiao.reports.selectors import visible_station_ids

        super().__init__(data)
        self.user = user
        self.today = today or timezone.localdate()
        self.station_ids = visible_station_ids(user)
        self.fields["station"].queryset = Station.objects.filter(pk__in=self.station_ids).order_by(
            "name"
        )
        self.fields["unit"].queryset = Unit.objects.filter(
            station_id__in=self.station_ids
        ).order_by("station", "name")
        self.fields["officer"].queryset = User.objects.filter(
            station_id__in=self.station_ids, is_active=True
        ).order_by("station", "full_name")
        self.fields["community"].queryset = Community.objects.filter(
            station_id__in=self.station_ids
        ).order_by("station", "name")
        self.fields["officer"].label_from_instance = lambda u: u.display_name
        self.multi_station = len(self.station_ids) > 1
        if not self.multi_station:
            del self.fields["station"]

    def clean(self):
        data = super().clean()
        period = data.get("period") or (
            "custom" if data.get("start") or data.get("end") else "this_month"
        )
        data["period"] = period
        if period == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("自定义期间请填写起始日期和截止日期"))
        else:
            start, end = period_bounds(period, self.today)
        if end < start:
            raise forms.ValidationError(_("截止日期不能早于起始日期"))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("期间最长三年"))
        data["start"], data["end"] = start, end
        station = data.get("station")
        for name in ("unit", "officer", "community"):
            obj = data.get(name)
            if station is not None and obj is not None and obj.station_id != station.pk:
                self.add_error(name, _("不属于所选派出所"))
        return data

    def scope(self) -> Scope:
        d = self.cleaned_data
        ids = [d["station"].pk] if d.get("station") else self.station_ids
        return Scope(
            user=self.user,
            start=d["start"],
            end=d["end"],
            station_ids=ids,
            unit_id=d["unit"].pk if d.get("unit") else None,
            officer_id=d["officer"].pk if d.get("officer") else None,
            community_id=d["community"].pk if d.get("community") else None,
            today=self.today,
        )

    def query(self) -> str:
        """The filter as a query string (for the drill-down links)."""
        from django.http import QueryDict

        q = QueryDict(mutable=True)
        for key in ("station", "unit", "officer", "community"):
            obj = self.cleaned_data.get(key)
            if obj is not None:
                q[key] = obj.pk
        q["period"] = "custom"
        q["start"] = self.cleaned_data["start"].isoformat()
        q["end"] = self.cleaned_data["end"].isoformat()
        return q.urlencode()


class SchemeReviseForm(forms.Form):
    effective_from = forms.DateField(label=_("新版本生效日期"))
    name = forms.CharField(label=_("方案名称"), max_length=100)
    basis = forms.CharField(label=_("依据"), max_length=200, required=False)
    note = forms.CharField(label=_("修订说明"), max_length=200)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "parent",
            "formula",
            "weight",
            "target",
            "direction",
            "penalty",
            "veto",
            "sort",
            "note",
        ]

    def __init__(self, *args, scheme, **kwargs):
        from fengqiao.reports.indicators import choices

        super().__init__(*args, **kwargs)
        parents = scheme.indicators.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False
        self.fields["formula"] = forms.ChoiceField(
            label=_("计算公式"), required=False, choices=[("", _("(分组指标,无公式)"))] + choices()
        )
        self.fields["direction"].choices = Direction.choices


class CategoryForm(forms.ModelForm):
    class Meta:
        model = StationCategory
        fields = ["name", "note", "sort"]


class StationCategoryForm(forms.Form):
    station = forms.ModelChoiceField(label=_("派出所"), queryset=None)
    category = forms.ModelChoiceField(label=_("类别"), queryset=StationCategory.objects.all())

    def __init__(self, *args, user, **kwargs):
        from fengqiao.accounts.models import Station
        from fengqiao.reports.selectors import visible_station_ids

        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(pk__in=visible_station_ids(user))


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("报表"), choices=ReportKind.choices)
    file = forms.FileField(label=_("Word模板(.docx)"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("报表"), choices=ReportKind.choices)
    day = forms.DateField(
        label=_("所在日期"), help_text=_("周报:该日所在的一周;月报:该日所在的月份")
    )
    station = forms.ModelChoiceField(label=_("派出所"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        from fengqiao.accounts.models import Station
        from fengqiao.reports.selectors import visible_station_ids

        super().__init__(*args, **kwargs)
        ids = visible_station_ids(user)
        self.fields["station"].queryset = Station.objects.filter(pk__in=ids).order_by("name")
        self.user = user
        if len(ids) <= 1:
            del self.fields["station"]

    def clean(self):
        data = super().clean()
        # Someone who sees several stations (the county bureau) names the station; others get theirs.
        station = (
            data.get("station") if "station" in self.fields else getattr(self.user, "station", None)
        )
        if station is None and not self.errors:
            raise forms.ValidationError(_("请选择派出所"))
        data["station"] = station
        return data
