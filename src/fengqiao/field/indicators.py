"""The field work log in the reports' indicator registry (part 9): 社区民警工作日志 — entries of
走访 / 巡逻 / 宣传 / 矛盾化解 / 核查 per officer, team (unit), station and month. Autodiscovered by the
reports app, like lawstudy's; a scheme may take `field_work_entries` or one kind
(`field_work_visit`, …) as a formula."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fengqiao.core.indicators import Dims, Drill, Measure, grouped, register
from fengqiao.field.choices import WorkKind
from fengqiao.field.models import WorkLogEntry

WORK_DIMS = Dims(
    date="occurred_at", station="station_id", unit="officer__unit_id", officer="officer_id"
)


def _entries(scope, kind: str | None = None):
    qs = scope.filter(WorkLogEntry.objects.all(), WORK_DIMS)
    if qs is not None and kind:
        qs = qs.filter(kind=kind)
    return qs


def _indicator(key: str, name, kind: str | None):
    from django.db.models import Count

    @register(
        key,
        name=name,
        unit="条",
        direction="higher",
        groups=("station", "unit", "officer", "month"),
        part="field",
        description=_("工作日志条数(手机或网页记录,按发生时间)"),
        counts=True,
    )
    def indicator(scope, group: str) -> dict:
        data = grouped(_entries(scope, kind), WORK_DIMS, group, scope.span, n=Count("pk"))
        return {
            k: Measure(value=v["n"] or 0, num=v["n"] or 0, text=f"{v['n'] or 0} 条")
            for k, v in data.items()
        }

    @indicator.records
    def _records(scope) -> Drill:
        qs = _entries(scope, kind)
        if qs is None:
            qs = WorkLogEntry.objects.none()
        return Drill(
            qs.select_related("officer").order_by("-occurred_at"),
            [
                (_("时间"), lambda e: e.occurred_at),
                (_("民警"), lambda e: e.officer.display_name),
                (_("类型"), lambda e: e.get_kind_display()),
                (_("地点"), lambda e: e.place),
            ],
            lambda e: "/field/worklog/",
        )

    return indicator


field_work_entries = _indicator("field_work_entries", _("工作日志"), None)
for _kind in WorkKind:
    _indicator(f"field_work_{_kind.value}", _kind.label, _kind.value)
