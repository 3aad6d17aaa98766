"""Part 10's figure in the reports' indicator registry (part 9): 法规学习出勤率.

Autodiscovered by the reports app, so a scheme's indicator can take `law_study_attendance` as its
formula and the dashboard can cut it by station, team (unit), officer and month. It counts what
`lawstudy.selectors.officer_figures` counts: closed sessions, present + late among those due,
excused (请假) not due.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.indicators import Dims, Drill, Measure, grouped, register
from fengqiao.lawstudy.choices import ATTENDED, AttendanceStatus, SessionStatus
from fengqiao.lawstudy.models import Attendance

ATTENDANCE_DIMS = Dims(
    date="session__starts_at",
    station="session__station_id",
    unit="officer__unit_id",
    officer="officer_id",
)


def _attendances(scope):
    return scope.filter(
        Attendance.objects.filter(session__status=SessionStatus.CLOSED), ATTENDANCE_DIMS
    )


@register(
    "law_study_attendance",
    name=_("法规学习出勤率"),
    unit="%",
    target=95,
    groups=("station", "unit", "officer", "month"),
    part="services",
    description=_("已结束的法规学习中(出席 + 迟到)÷ 应到;请假不计应到"),
)
def law_study_attendance(scope, group: str) -> dict:
    data = grouped(
        _attendances(scope),
        ATTENDANCE_DIMS,
        group,
        scope.span,
        attended=Count("pk", filter=Q(status__in=ATTENDED)),
        due=Count("pk", filter=~Q(status=AttendanceStatus.EXCUSED)),
    )
    out = {}
    for key, v in data.items():
        attended, due = v["attended"] or 0, v["due"] or 0
        out[key] = Measure(
            value=round(100 * attended / due, 1) if due else None,
            num=attended,
            den=due,
            text=f"出勤 {attended} / 应到 {due}",
        )
    return out


@law_study_attendance.records
def _attendance_records(scope) -> Drill:
    qs = _attendances(scope)
    if qs is None:
        qs = Attendance.objects.none()
    return Drill(
        qs.select_related("session", "officer").order_by(
            "-session__starts_at", "officer__full_name"
        ),
        [
            (_("学习"), lambda a: a.session.topic),
            (_("时间"), lambda a: a.session.starts_at),
            (_("民警"), lambda a: a.officer.display_name),
            (_("出勤"), lambda a: a.get_status_display()),
            (_("原因"), lambda a: a.reason),
        ],
        lambda a: a.session.get_absolute_url(),
    )
